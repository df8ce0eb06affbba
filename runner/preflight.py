"""Before a run writes anything: may the token post where the job is set to post?

Each configured recipient (every ``to:`` of the job's fields) is looked up with reads
only: the chat exists and is visible, is not archived, the token's user is a member,
and in a channel holds a role that may post (a channel's plain member only reads); a
person exists and is not deactivated. A problem names the chat as «name» (id) and says
the fix. The same look-up gives the names ``preview`` labels each message with.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, cast, get_args, get_origin

from pydantic import BaseModel

from runner import words
from runner.catalogue.fields import PostsHere
from runner.errors import NotFound, PermissionDenied
from runner.pachca.models import Chat
from runner.recipients import Recipients

if TYPE_CHECKING:
    from runner.pachca.client import PachcaClient

@dataclass(frozen=True)
class TargetCheck:
    """One recipient as the token sees it."""

    entity_type: str  # "discussion" | "user", as POST /messages names them
    entity_id: int
    label: str  # chat «Отдел продаж» (100044) / «Анна Иванова» (10004) / chat 100099
    problem: str | None = None  # what is wrong and how to fix it; None: may post

    @property
    def ok(self) -> bool:
        """Whether the token may post there."""
        return self.problem is None


def configured(params: BaseModel) -> Iterator[Recipients]:
    """Every ``Recipients`` among a job's fields (``to:``, and nested ones)."""
    for name in type(params).model_fields:
        value: Any = getattr(params, name)
        if isinstance(value, Recipients):
            yield value
        elif isinstance(value, BaseModel):
            yield from configured(value)


def side_chats(params: BaseModel) -> list[int]:
    """The chats a job posts a report or notice to (its ``PostChat`` fields, nested ones
    too), besides its ``to``."""
    found: list[int] = []
    for name, info in type(params).model_fields.items():
        value: Any = getattr(params, name)
        if isinstance(value, int) and not isinstance(value, bool) and _posts_here(info.annotation):
            found.append(value)
        elif isinstance(value, BaseModel) and not isinstance(value, Recipients):
            found += side_chats(value)
    return found


def targets(params: BaseModel) -> list[tuple[str, Recipients]]:
    """A job's recipients (``configured`` and ``side_chats``), each with the job's own field
    that holds it, so that a recipient the token may not post to is named where written."""
    found: list[tuple[str, Recipients]] = []
    for name, info in type(params).model_fields.items():
        value: Any = getattr(params, name)
        if isinstance(value, Recipients):
            found.append((name, value))
        elif isinstance(value, int) and not isinstance(value, bool) and _posts_here(
                info.annotation):
            found.append((name, Recipients(chats=[value])))
        elif isinstance(value, BaseModel):
            side = side_chats(value)
            found += [(name, r) for r in configured(value)]
            found += [(name, Recipients(chats=side))] if side else []
    return found


def _posts_here(annotation: object) -> bool:
    """Whether a field's type is marked ``PostsHere`` (also inside ``X | None``)."""
    if get_origin(annotation) is Annotated:
        _, *extras = get_args(annotation)
        return any(isinstance(e, PostsHere) for e in extras) or _posts_here(get_args(annotation)[0])
    return any(_posts_here(arg) for arg in get_args(annotation))


async def token_user(client: PachcaClient) -> int:
    """The id of the token's own user (not PACHCA_RUNNER_BOT_USER_ID, which only says
    whose messages are not activity and may name another user). Token info needs no
    scope; ``GET /profile``, asked where Pachca does not answer it, needs profile:read."""
    from runner import scopes

    info = await scopes.token_info(client)
    return info.user_id if info is not None else (await client.get_profile()).id


POSTING_ROLES = ("owner", "admin", "editor")
"""Channel roles that may post (Pachca: a channel's plain member, a subscriber, reads)."""
MANAGING_ROLES = ("admin", "owner")
"""Chat roles that may archive (and rename, and remove members): the chat's admins and
its creator (role ``owner``), admins asked first, as a bot is more often one."""

LISTING_FROM = 50
"""From this many chats on, they are found in the token's chat listing (50 a page)
rather than asked for one by one: a fan-out to 500 chats costs 10 reads, not 500."""
LISTING_PARTS = 8
"""The listing is read as this many time windows of last messages at once: a chain of
10 pages, each waiting for the previous one's cursor, becomes shorter chains side by
side."""
LISTING_RECENT = tuple(timedelta(days=2**i) for i in range(6))
"""Besides those, the chats written to in the last day, the day before, then 2, 4, 8
and 16 days before that, each a window of its own: recent chats are the densest, and
these windows are read at once with the token info and the look-up of the oldest chat
the equal windows start from, so the first post waits two round trips, not six."""
LISTING_SPLIT = 8
"""A window that holds more than a page is cut into this many slices past its first
page, read at once: the chats one fan-out posted to last all wrote within seconds, and
the next fan-out to them would otherwise chain their pages (``dense.read``)."""

Me = int | None | asyncio.Future[int | None]
"""The token's user id (None: unknown, checks that need it are skipped), or the task
that finds it, awaited only by the checks that need it."""


async def check_recipients(
    client: PachcaClient, recipients: list[Recipients], bot_user_id: Me,
    *, now: datetime | None = None,
) -> list[TargetCheck]:
    """Check each distinct recipient once, chats first; reads only. ``now``: the run's
    clock, which the chat listing's recent windows count back from (default: the
    system's)."""
    chats = list(dict.fromkeys(c for r in recipients for c in r.chats))
    users = list(dict.fromkeys(u for r in recipients for u in r.users))
    usable: dict[int, TargetCheck] = {}
    if len(chats) >= LISTING_FROM:
        usable = await _listed(client, set(chats), bot_user_id, now)
    checks = [_check_chat(client, c, bot_user_id) for c in chats if c not in usable]
    checks += [_check_user(client, u) for u in users]
    found = {(c.entity_type, c.entity_id): c for c in await asyncio.gather(*checks)}
    found.update({("discussion", c): check for c, check in usable.items()})
    return [found["discussion", c] for c in chats] + [found["user", u] for u in users]


async def _listed(client: PachcaClient, wanted: set[int], me: Me, now: datetime | None
                  ) -> dict[int, TargetCheck]:
    """The wanted chats found among those the token is a member of (not archived: the
    listing leaves those out); the rest are looked at one by one, to say what is wrong."""
    found: dict[int, TargetCheck] = {}
    channels: list[Chat] = []
    # Every chat has a last message time (Pachca: required); one that moves between
    # windows while they are read is missed at worst, and then asked for by id.
    # Once every wanted chat is found, no further page is asked for; the pages under way
    # come in first, so the posts never run beside reads the runner has given up on.
    chats = client.list_chats_by_last_message(
        after=None, before=None, parts=LISTING_PARTS, recent=LISTING_RECENT, now=now,
        personal=False, until=lambda: len(found) == len(wanted), split_dense=LISTING_SPLIT)
    async for chat in chats:
        if chat.id in wanted and chat.id not in found:
            found[chat.id] = TargetCheck("discussion", chat.id, _named(chat))
            if chat.channel:
                channels.append(chat)
    user = await _resolved(me) if channels else None
    for chat in channels:
        if user is not None and not await holds_role(client, chat.id, user, POSTING_ROLES):
            found[chat.id] = _reader(chat)
    return found


async def _resolved(me: Me) -> int | None:
    return await me if isinstance(me, asyncio.Future) else me


async def _check_chat(client: PachcaClient, chat_id: int, who: Me) -> TargetCheck:
    try:
        chat = await client.get_chat(chat_id)
    except (NotFound, PermissionDenied):
        return TargetCheck("discussion", chat_id, words.text("post.chat", id=chat_id),
                           words.text("check.no_chat", id=chat_id))
    me = await _resolved(who)
    label = _named(chat)
    if chat.archived:
        return TargetCheck("discussion", chat_id, label,
                           words.text("check.archived", name=chat.name, id=chat.id))
    if me is not None and me not in chat.member_ids:
        return TargetCheck("discussion", chat_id, label,
                           words.text("check.not_member", name=chat.name, id=chat.id))
    if chat.channel and me is not None and not await holds_role(client, chat_id, me,
                                                                POSTING_ROLES):
        return _reader(chat)
    return TargetCheck("discussion", chat_id, label)


def _reader(chat: Chat) -> TargetCheck:
    return TargetCheck("discussion", chat.id, _named(chat),
                       words.text("check.reader", name=chat.name, id=chat.id))


def _named(chat: Chat) -> str:
    return words.text("post.chat_named", name=chat.name, id=chat.id)


async def holds_role(client: PachcaClient, chat_id: int, user_id: int,
                     roles: Sequence[str]) -> bool:
    """Whether ``user_id`` holds one of ``roles`` in the chat (short listings, by role).
    The chat role decides, never the workspace role: a workspace admin, the Owner too,
    is a plain member of a chat no chat admin made more."""
    for role in roles:
        members = cast(AsyncGenerator[Any, None],
                       client.list_members(chat_id, role=role))  # type: ignore[arg-type]
        async with contextlib.aclosing(members):
            async for user in members:
                if user.id == user_id:
                    return True
    return False


async def _check_user(client: PachcaClient, user_id: int) -> TargetCheck:
    try:
        user = await client.get_user(user_id)
    except (NotFound, PermissionDenied):
        return TargetCheck("user", user_id, words.text("post.user", id=user_id),
                           words.text("check.no_user", id=user_id))
    label = f"«{user.display_name}» ({user.id})"
    if user.suspended:
        return TargetCheck("user", user_id, label,
                           words.text("check.suspended", name=user.display_name, id=user.id))
    return TargetCheck("user", user_id, label)
