"""``pachca-runner chats`` and ``users``: the ids a catalogue needs, found by name.

Chats are the group chats and channels the token belongs to, and the open ones it may
see; for each, the token's role in it decides what a job may do there (Pachca: any
member posts in a group chat, only the creator, an admin or an editor in a channel;
only the creator or an admin archives). Reads only.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from runner import words
from runner.app import make_client
from runner.pachca.client import PachcaClient
from runner.pachca.models import Chat, User
from runner.preflight import MANAGING_ROLES, POSTING_ROLES
from runner.settings import Settings


@dataclass(frozen=True)
class ChatAccess:
    """A chat and what the token may do in it; ``role`` None: not a member."""

    chat: Chat
    role: str | None

    @property
    def may_post(self) -> bool:
        """Whether a job of this token can post here now."""
        if self.role is None or self.chat.archived:
            return False
        return not self.chat.channel or self.role in POSTING_ROLES

    @property
    def may_archive(self) -> bool:
        """Whether a sweep of this token can archive (or unarchive) this chat."""
        return self.role in MANAGING_ROLES


def _matches(search: str | None, *names: str | None) -> bool:
    wanted = (search or "").casefold()
    return any(wanted in (name or "").casefold() for name in names)


async def _all(items: AsyncGenerator[Any, None], keep: Callable[[Any], bool] = bool
               ) -> list[Any]:
    """The items ``keep`` accepts, page by page: the rest are not held."""
    async with contextlib.aclosing(items):
        return [item async for item in items if keep(item)]


async def _role(client: PachcaClient, chat: Chat, me: int) -> str | None:
    """The token's role in ``chat``: one short listing by role, two for a channel."""
    if me not in chat.member_ids:
        return None
    if chat.owner_id == me:
        return "owner"
    for role in ("admin", "editor") if chat.channel else ("admin",):
        listing = cast(AsyncGenerator[User, None],
                       client.list_members(chat.id, role=role))
        if await _all(listing, lambda user: user.id == me):
            return role
    return "member"


async def find_chats(settings: Settings, search: str | None) -> list[ChatAccess]:
    """Group chats and channels whose name holds ``search`` (any case), by id, with the
    token's role in each: its own (archived ones too), then the open ones it may join."""
    client = make_client(settings)
    try:
        me = settings.bot_user_id or (await client.get_profile()).id
        found: dict[int, Chat] = {}
        for listing in (client.list_chats(personal=False, archived=True),
                        client.list_chats(personal=False, availability="public")):
            wanted = await _all(cast(AsyncGenerator[Chat, None], listing),
                                lambda chat: _matches(search, chat.name))
            for chat in wanted:
                found.setdefault(chat.id, chat)
        return [ChatAccess(chat, await _role(client, chat, me))
                for chat in sorted(found.values(), key=lambda c: c.id)]
    finally:
        await client.aclose()


async def find_users(settings: Settings, search: str | None) -> list[User]:
    """Users whose name, nickname or email holds ``search`` (any case), by id."""
    client = make_client(settings)
    try:
        users = await _all(cast(AsyncGenerator[User, None], client.list_users()),
                           lambda u: _matches(search, u.display_name, u.nickname, u.email))
    finally:
        await client.aclose()
    return sorted(users, key=lambda u: u.id)


def _table(head: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns as wide as their widest cell; the last one is not padded."""
    cells = [head.split(" | "), *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                      ).rstrip() for row in cells]


def _yes(flag: bool) -> str:
    return words.text("ids.yes" if flag else "ids.no")


def _role_name(role: str) -> str:
    """A chat or workspace role in words; one we do not know, as Pachca names it."""
    return words.text_or(f"ids.role.{role}", role)


def chat_lines(found: Sequence[ChatAccess], search: str | None) -> list[str]:
    """The chats as a table: id, name, channel or group chat, role, may post, may archive."""
    if not found:
        return [words.text("ids.none", search=search or "")]
    rows = [[str(a.chat.id),
             a.chat.name + (words.text("ids.archived") if a.chat.archived else ""),
             words.text("ids.channel" if a.chat.channel else "ids.group"),
             _role_name(a.role) if a.role else words.text("ids.not_member"), _yes(a.may_post),
             _yes(a.may_archive)]
            for a in found]
    return _table(words.text("ids.chats_head"), rows)


def user_lines(found: Sequence[User], search: str | None) -> list[str]:
    """The users as a table: id, name, nickname, workspace role."""
    if not found:
        return [words.text("ids.none", search=search or "")]
    rows = [[str(u.id), u.display_name, u.nickname,
             _role_name(u.role) if u.role else (_role_name("bot") if u.bot else "")]
            for u in found]
    return _table(words.text("ids.users_head"), rows)
