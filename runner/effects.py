"""Effects made at most once per run key, even across crashes and retries.

Pachca has no idempotency key for ``POST /messages``, and a POST that timed out may
or may not have created the message. So every post is bracketed in the state store:
``start_target`` before the request, ``finish_target`` after. How an attempt ended
decides what a rerun does:

- Pachca answered 2xx: the target is done, with its message id.
- Pachca refused (a 4xx answer, a 429 with a wait too long to sleep through included)
  or the request provably never left: nothing was made, the target is forgotten and a
  rerun posts it.
- Anything else (a timeout or a connection lost after sending, a 5xx, a crash in
  between) leaves the target ``started``: the message may exist. A rerun looks for it,
  and only a message this very attempt could have made counts: the bot's, with the same
  text, newer than every message the store had recorded when the attempt began (message
  ids grow with time in Pachca), created no earlier than the attempt minus a small
  clock-skew allowance, and not recorded as any other target's post. The same text
  posted by an earlier fire (a reminder every five minutes) is never taken for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from runner import words
from runner.errors import (
    ApiError,
    NotFound,
    PachcaError,
    PermissionDenied,
    TransportError,
    Unreachable,
)
from runner.pachca.models import Button, Message

if TYPE_CHECKING:
    from runner.kinds.base import JobContext

# How far back to look for a post whose answer was lost (pages of 50, newest first).
POSTING_SCOPES = frozenset({"messages:create", "messages:read", "chats:read"})
"""What ``post_once`` needs: to post, and to look for its own post after a crash."""
_LOOKBACK_PAGES = 2
_MENTION = re.compile(r"<@(\d+)>")
CLOCK_SLACK = timedelta(minutes=1)
"""How far Pachca's clock may be behind ours when a lost post is looked for. Kept far
below the time between two fires, so the window never reaches an earlier fire's post."""


def attempt_time(ctx: JobContext) -> datetime:
    """When an effect is attempted, as a lower bound of Pachca's time for it: the earlier of
    the run's clock and the wall clock (``run-job --at`` a future time runs ahead of both)."""
    return min(ctx.now(), datetime.now(UTC))


# A mention as sent ("<@42>") or as Pachca stores and returns it ("@nickname").
_ANY_MENTION = re.compile(r"<@\d+>|@[\w.\-]+")


def content_hash(content: str) -> str:
    """A short, stable fingerprint of a message text, the same for the text sent and the
    text Pachca gives back: it stores a ``<@id>`` mention as ``@nickname``, so every
    mention counts as just "a mention"."""
    shown = _ANY_MENTION.sub("@", content)
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:16]


def refused(error: PachcaError) -> bool:
    """True if Pachca certainly did not make the change: it answered 4xx (429 included),
    or the request never left this machine. A 5xx or a lost answer is no such proof."""
    if isinstance(error, TransportError):
        return not error.reached_server
    return isinstance(error, ApiError) and 400 <= error.status < 500


def _attached(file_names: Sequence[str]) -> str:
    return words.text("post.attached", files=", ".join(file_names)) if file_names else ""


async def post_once(
    ctx: JobContext,
    target: str,
    *,
    entity_id: int,
    content: str,
    entity_type: str = "discussion",
    buttons: Sequence[Sequence[Button]] | None = None,
    label: str | None = None,
    files: Callable[[], Awaitable[list[dict[str, Any]]]] | None = None,
    file_names: Sequence[str] = (),
    sending: contextlib.AbstractAsyncContextManager[object] | None = None,
) -> int | None:
    """Post ``content`` to the entity unless this run already did; return the message id.

    ``target`` names the effect within the run (e.g. ``"chat:101"``). In a dry run,
    nothing is posted: the text is recorded in the report and None returned.
    ``files`` uploads the attachments (``file_names``) once the post is known to be due,
    and gives their ``files`` items. ``sending`` is held around the request alone (a
    fan-out's share of connections), not around the records before and after it.
    """
    # The recipient check's name for it (chat «Sales» (101)) where the run has one.
    what = ctx.labels.get((entity_type, entity_id)) or label or words.text(
        "post.user" if entity_type == "user" else "post.chat", id=entity_id)
    state = ctx.state
    key = ctx.run.key
    if ctx.dry_run:
        if file_names:
            ctx.report.files[len(ctx.report.messages)] = list(file_names)
        ctx.report.messages.append(content)
        ctx.report.addressed.append(what)
        await _name_mentions(ctx, content)
        if (entity_type, entity_id) in ctx.blocked:  # said above why; not "would post" too
            ctx.report.say(words.text("post.would_not", what=what))
            return None
        ctx.report.say(words.text("post.would", what=what, attached=_attached(file_names)))
        ctx.report.count("would_post")
        return None
    if (entity_type, entity_id) in ctx.blocked:
        raise Unreachable(ctx.blocked[entity_type, entity_id])
    digest = content_hash(content)
    detail: dict[str, Any] = {"hash": digest, "entity_type": entity_type,
                              "entity_id": entity_id, "attempt_at": attempt_time(ctx).isoformat()}
    if entity_type == "discussion":
        detail["chat_id"] = entity_id
    # One read for both questions: was it posted, and which messages are older than now.
    # With nothing to upload first, a fresh post is also recorded as started in the same
    # trip to the store (committed before the request below goes out).
    started = False
    if files is None:
        record, floor = await state.effects.begin(
            key, target, lambda floor: {**detail, "after_id": floor})
        started = record is None
    else:
        record, floor = await state.effects.target_and_floor(key, target)
    if record is not None and record.status == "done":
        ctx.report.count("already_posted")
        return int(record.detail.get("message_id", 0)) or None
    if record is not None and record.status == "started":
        found = await _find_lost_post(ctx, target, record.detail, digest)
        if found is not None:
            await state.effects.finish(key, target, {
                "message_id": found.id, "chat_id": found.chat_id,
                "created_at": found.created_at.isoformat()})
            ctx.report.count("already_posted")
            ctx.log.info("%s", words.text("post.went_through", key=key, what=what))
            return found.id
        detail["attempt_at"] = attempt_time(ctx).isoformat()
    attached = await files() if files is not None else None
    if not started:
        await state.effects.start(key, target, {**detail, "after_id": floor})
    try:
        async with sending or contextlib.nullcontext():
            message = await ctx.client.send_message(
                entity_id, content, entity_type=entity_type, buttons=buttons,  # type: ignore[arg-type]
                files=attached,
            )
    except PachcaError as exc:
        if refused(exc):
            # Nothing was posted: the next attempt posts it, and looks for nothing.
            await state.effects.drop(key, target)
        else:
            # Left "started": the next attempt checks Pachca before posting again.
            ctx.report.undone.append(words.text("post.undone", what=what))
        raise
    # Counted before it is recorded: if the store fails now, the report still says so.
    if file_names:
        ctx.report.files[len(ctx.report.messages)] = list(file_names)
    ctx.report.messages.append(content)
    ctx.report.addressed.append(ctx.labels.get((entity_type, entity_id), what))
    ctx.report.count("posted")
    ctx.report.say(words.text("post.done", what=what, attached=_attached(file_names)))
    done = {"message_id": message.id, "chat_id": message.chat_id, "hash": digest,
            "created_at": message.created_at.isoformat()}
    if attached:  # what the run page lists under the message: names and sizes
        done["files"] = [{"name": f["name"], "size": f["size"]} for f in attached]
    await state.effects.finish(key, target, done)
    return message.id


async def upload_once(
    ctx: JobContext, target: str, *, name: str, data: bytes, content_type: str
) -> str:
    """Upload ``data`` as file ``name`` unless this run already did for ``target``; its key.

    The key is recorded once the upload succeeded, so a rerun after a crash attaches the
    file it uploaded instead of uploading it again. An upload cut short leaves only an
    unused file in Pachca's storage, never a message: it is simply made again.
    """
    state, key = ctx.state, ctx.run.key
    record = await state.effects.target(key, target)
    if record is not None and record.status == "done" and record.detail.get("file_key"):
        ctx.report.count("already_uploaded")
        return str(record.detail["file_key"])
    await state.effects.start(key, target, {"name": name})
    file_key = await ctx.client.upload_file(name, data, content_type)
    await state.effects.finish(key, target, {"file_key": file_key, "name": name})
    ctx.report.count("uploaded")
    return file_key


async def _name_mentions(ctx: JobContext, content: str) -> None:
    """Look up who each ``<@id>`` of a dry run's text is, so a preview shows names."""
    for found in _MENTION.finditer(content):
        user_id = int(found.group(1))
        if user_id in ctx.report.mentions:
            continue
        try:
            ctx.report.mentions[user_id] = (await ctx.client.get_user(user_id)).display_name
        except (NotFound, PermissionDenied):
            ctx.report.mentions[user_id] = words.text("post.unknown_user", id=user_id)


async def _find_lost_post(
    ctx: JobContext, target: str, detail: dict, digest: str
) -> Message | None:
    """The message the attempt recorded in ``detail`` made, if it exists (module docstring)."""
    chat_id = detail.get("chat_id")
    if chat_id is None and detail.get("entity_type") == "user":
        chat_id = await _direct_chat_id(ctx, int(detail["entity_id"]))
    if chat_id is None:
        return None
    floor = int(detail.get("after_id") or 0)
    attempt = detail.get("attempt_at")
    since = (datetime.fromisoformat(attempt) - CLOCK_SLACK if attempt
             else ctx.now() - timedelta(days=2))
    found: Message | None = None
    seen = 0
    async for message in ctx.client.list_messages(int(chat_id)):
        if message.id <= floor or message.created_at < since or seen >= 50 * _LOOKBACK_PAGES:
            break
        seen += 1
        if message.user_id != ctx.bot_user_id or content_hash(message.content) != digest:
            continue
        taken = await ctx.state.effects.message_taken(message.id, besides=(ctx.run.key, target))
        if not taken:
            found = message  # newest first: the last one is the closest to the attempt
    return found


async def _direct_chat_id(ctx: JobContext, user_id: int) -> int | None:
    """The direct chat between the bot and ``user_id``, if one exists."""
    async for chat in ctx.client.list_chats(personal=True):
        if set(chat.member_ids) == {user_id, ctx.bot_user_id}:
            return chat.id
    return None
