"""Who wrote how much, and where, during a window: shared by the digest and the report.

Pachca has no "activity" call, so activity is read the way a person would: list the
group chats whose last message falls after the window's start (Pachca filters those
server-side), then read each chat's messages newest first and stop at the first page
that reaches back past the window's start. A chat with years of history costs one or
two pages, not its whole history. Chats are yielded one at a time as they are done, so
a caller that keeps only a top-N heap and totals holds constant memory.

Thread comments count toward the chat the thread was started in (unless turned off):
one ``GET /threads`` listing finds the threads active since the window's start, and
each one's comments are read like a chat's messages. A comment does not move its
chat's last_message_at, so a chat written to only in its threads is fetched by id.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncGenerator, AsyncIterator, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, cast

from runner import words
from runner.concurrency import for_each
from runner.errors import JobError, NotFound, PermissionDenied
from runner.kinds.base import Progress, no_progress
from runner.pachca.models import Chat, Message
from runner.periods import Window

if TYPE_CHECKING:
    from runner.pachca.client import PachcaClient


@dataclass(frozen=True)
class ChatActivity:
    """Activity of one group chat within a window (messages by people, not the bot)."""

    chat_id: int
    name: str
    channel: bool
    messages: int
    authors: frozenset[int]
    last_message_at: datetime | None  # the newest counted message; None when none counted
    created_at: datetime
    comments: int = 0  # of ``messages``, those written in the chat's threads

    @property
    def kind_ru(self) -> str:
        """«канал» or «беседа», for templates."""
        return "канал" if self.channel else "беседа"

    def as_context(self, zone: tzinfo | None = None) -> dict[str, object]:
        """Plain data for a template, times shown in ``zone`` (the job's) when given."""

        def shown(moment: datetime | None) -> datetime | None:
            return moment.astimezone(zone) if moment is not None and zone is not None else moment

        return {
            "id": self.chat_id,
            "name": self.name,
            "channel": self.channel,
            "kind": self.kind_ru,
            "messages": self.messages,
            "comments": self.comments,
            "authors": len(self.authors),
            "last_message_at": shown(self.last_message_at),
            "created_at": shown(self.created_at),
        }


_DONE = object()


def _compile(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]


def chat_selected(
    chat: Chat,
    *,
    include_channels: bool,
    include_conversations: bool,
    exclude_ids: Collection[int],
    exclude_names: list[re.Pattern[str]],
) -> bool:
    """Whether a listed chat passes the include/exclude filters."""
    if chat.personal:
        return False
    if chat.channel and not include_channels or not chat.channel and not include_conversations:
        return False
    if chat.id in exclude_ids:
        return False
    return not any(p.search(chat.name) for p in exclude_names)


async def count_messages(
    client: PachcaClient,
    chat: Chat,
    window: Window,
    *,
    bot_user_id: int | None = None,
) -> ChatActivity:
    """Count the messages of ``chat`` created in ``window``, reading only the pages needed.

    Messages come newest first; those newer than the window are skipped and the reading
    stops at the first message older than its start, so no further page is requested.
    """
    messages, authors, newest = await _tally(client, chat.id, window, bot_user_id)
    return ChatActivity(chat.id, chat.name, chat.channel, messages, frozenset(authors), newest,
                        chat.created_at)


async def _tally(
    client: PachcaClient, chat_id: int, window: Window, bot_user_id: int | None
) -> tuple[int, set[int], datetime | None]:
    """Messages, authors and the newest message time of one chat (or thread) in ``window``."""
    messages = 0
    authors: set[int] = set()
    newest: datetime | None = None
    pages = cast(AsyncGenerator[Message, None], client.list_messages(chat_id))
    async with contextlib.aclosing(pages):
        async for message in pages:
            if message.created_at >= window.end:
                continue
            if message.created_at < window.start:
                break
            if bot_user_id is not None and message.user_id == bot_user_id:
                continue
            messages += 1
            authors.add(message.user_id)
            if newest is None:
                newest = message.created_at
    return messages, authors, newest


async def with_threads(
    client: PachcaClient,
    base: ChatActivity,
    thread_chat_ids: Iterable[int],
    window: Window,
    bot_user_id: int | None,
) -> ChatActivity:
    """``base`` plus the comments of the chat's threads written within ``window``."""
    messages, comments = base.messages, 0
    authors = set(base.authors)
    newest = base.last_message_at
    for thread_chat_id in thread_chat_ids:
        n, who, last = await _tally(client, thread_chat_id, window, bot_user_id)
        comments += n
        authors.update(who)
        if last is not None and (newest is None or last > newest):
            newest = last
    return replace(base, messages=messages + comments, comments=comments,
                   authors=frozenset(authors), last_message_at=newest)


async def _threads_by_chat(client: PachcaClient, since: datetime) -> dict[int, list[int]]:
    """Parent chat id -> the chats of its threads with activity since ``since``."""
    found: dict[int, list[int]] = {}
    try:
        async for thread in client.list_threads(last_message_after=since):
            if thread.message_chat_id is not None:  # a standalone thread belongs to no chat
                found.setdefault(thread.message_chat_id, []).append(thread.chat_id)
    except PermissionDenied as exc:
        raise JobError(words.text("activity.no_threads", error=exc)) from None
    return found


async def chat_activity(
    client: PachcaClient,
    window: Window,
    *,
    include_channels: bool = True,
    include_conversations: bool = True,
    exclude_ids: Collection[int] = (),
    exclude_names: Iterable[str] = (),
    bot_user_id: int | None = None,
    last_message_in_window: bool = False,
    include_idle: bool = False,
    include_threads: bool = True,
    concurrency: int = 8,
    progress: Progress | None = None,
) -> AsyncIterator[ChatActivity]:
    """Yield the activity of every group chat the token sees that was active in ``window``.

    Every chat written to since the window's start is read (newer messages are skipped),
    so a report run after the period still counts a chat active both then and since.
    ``last_message_in_window`` asks Pachca only for chats whose last message falls inside
    the window: fewer reads, but such a chat is left out. ``bot_user_id``'s messages
    are not counted. Chats with nothing counted are skipped unless ``include_idle``
    (the digest wants new, still silent chats). ``include_threads`` counts comments
    toward their chat (see the module docstring); a chat written to only in its threads
    counts its comments alone. Order of results follows completion.
    """
    progress = progress or no_progress
    names = _compile(exclude_names)
    excluded = set(exclude_ids)
    chats = cast(AsyncGenerator[Chat, None], client.list_chats(
        personal=False,
        last_message_after=window.start,
        last_message_before=window.end if last_message_in_window else None,
    ))
    results: asyncio.Queue[object] = asyncio.Queue(maxsize=max(1, concurrency))
    seen = 0
    threads: dict[int, list[int]] = {}

    def wanted(chat: Chat) -> bool:
        return chat_selected(chat, include_channels=include_channels,
                             include_conversations=include_conversations,
                             exclude_ids=excluded, exclude_names=names)

    async def selected() -> AsyncIterator[tuple[Chat, bool]]:
        if include_threads:
            threads.update(await _threads_by_chat(client, window.start))
        listed: set[int] = set()
        async with contextlib.aclosing(chats):
            async for chat in chats:
                listed.add(chat.id)
                if wanted(chat):
                    yield chat, True
        # Chats not listed but written to in their threads. Quiet on top since the start:
        # only the comments count. Listed out only by ``last_message_in_window`` (written
        # to since the end): their top-level messages of the window count too, or the
        # number shown would be the comments alone.
        for chat_id in sorted(set(threads) - listed):
            try:
                chat = await client.get_chat(chat_id)
            except (NotFound, PermissionDenied):
                continue  # a thread the token is in, in a chat it may not see
            if not chat.archived and wanted(chat):
                yield chat, chat.last_message_at >= window.start

    async def work(item: tuple[Chat, bool]) -> None:
        nonlocal seen
        chat, on_top = item
        if on_top:
            activity = await count_messages(client, chat, window, bot_user_id=bot_user_id)
        else:
            activity = ChatActivity(chat.id, chat.name, chat.channel, 0, frozenset(), None,
                                    chat.created_at)
        activity = await with_threads(client, activity, threads.pop(chat.id, ()), window,
                                      bot_user_id)
        seen += 1
        progress(words.text("progress.read"), seen, None)
        if activity.messages or include_idle:
            await results.put(activity)

    async def produce() -> None:
        try:
            await for_each(selected(), work, limit=max(1, concurrency))
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            await results.put(exc)
            return
        await results.put(_DONE)

    producer = asyncio.create_task(produce())
    try:
        while True:
            item = await results.get()
            if item is _DONE:
                break
            if isinstance(item, Exception):
                raise item
            yield item  # type: ignore[misc]
    finally:
        # The consumer stopped early (or failed): stop reading Pachca for it.
        if not producer.done():
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer
