"""Digest sources read from Pachca besides activity: search, tasks and threads.

- ``pachca_search``: messages matching a query in the window (``GET /search/messages``),
  each with its link;
- ``pachca_tasks``: the token's tasks, read once (``GET /tasks`` has only paging) and
  grouped into due in the window, overdue and done in the window;
- ``pachca_threads``: threads with comments by people in the window (``GET /threads``),
  each with its parent message and its comments (people's in the window, and all).

A Pachca error reading one of them is that source's ``SourceError`` (named in the
message and the alert), not a failure of the whole run.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from runner.catalogue.fields import Id, ru
from runner.errors import NotFound, PachcaError, PermissionDenied, SourceError
from runner.periods import Window
from runner.source_base import DataSource

if TYPE_CHECKING:
    from runner.kinds.base import JobContext
    from runner.pachca.models import Message

APP_URL = "https://app.pachca.com"
_PREVIEW = 200
"""Characters of a message's text a digest quotes."""


class SearchSource(DataSource):
    """``{type: pachca_search, query: "инцидент"}``: matching messages of the window."""

    type: Literal["pachca_search"] = Field(
        description="Messages matching a search query in the window.",
        examples=["pachca_search"],
        json_schema_extra=ru("Сообщения за окно, найденные поиском Пачки."),
    )
    query: str = Field(
        min_length=1, max_length=200, description="What to search for.", examples=["инцидент"],
        json_schema_extra=ru("Что искать."),
    )
    chat_ids: list[Id] = Field(
        default_factory=list, description="Only in these chats (empty: every chat).",
        examples=[[100044]], json_schema_extra=ru("Только в этих чатах (пусто — во всех)."),
    )
    user_ids: list[Id] = Field(
        default_factory=list, description="Only by these authors (empty: anyone).",
        examples=[[10004]], json_schema_extra=ru("Только от этих авторов (пусто — от всех)."),
    )
    limit: int = Field(
        default=20, ge=1, le=200, description="Messages listed at most.", examples=[20],
        json_schema_extra=ru("Сколько сообщений перечислить самое большее."),
    )


class TasksSource(DataSource):
    """``{type: pachca_tasks}``: the token's tasks due, overdue and done."""

    type: Literal["pachca_tasks"] = Field(
        description="The token's tasks: due in the window, overdue, done in the window.",
        examples=["pachca_tasks"],
        json_schema_extra=ru("Задачи токена: со сроком в окне, просроченные и выполненные."),
    )
    limit: int = Field(
        default=20, ge=1, le=200, description="Tasks listed at most in each group.",
        examples=[20], json_schema_extra=ru("Сколько задач перечислить в каждой группе."),
    )


class ThreadsSource(DataSource):
    """``{type: pachca_threads}``: threads with new comments in the window."""

    type: Literal["pachca_threads"] = Field(
        description="Threads with new comments by people (not the bot) in the window.",
        examples=["pachca_threads"],
        json_schema_extra=ru("Треды, в которых за окно появились комментарии людей (не бота)."),
    )
    limit: int = Field(
        default=10, ge=1, le=50, description="Threads listed at most (the liveliest first).",
        examples=[10], json_schema_extra=ru("Сколько тредов показать (самые живые первыми)."),
    )


def _message(message: Message, zone: ZoneInfo) -> dict[str, Any]:
    text = " ".join(message.content.split())
    return {
        "id": message.id, "chat_id": message.root_chat_id or message.chat_id,
        "user_id": message.user_id, "created_at": message.created_at.astimezone(zone),
        "text": text if len(text) <= _PREVIEW else text[:_PREVIEW - 1] + "…",
        "url": f"{APP_URL}/chats/{message.root_chat_id or message.chat_id}?message={message.id}",
    }


async def read_search(
    ctx: JobContext, name: str, source: SearchSource, window: Window
) -> dict[str, Any]:
    """``{query, messages, count}``: the newest matches first, at most ``limit``."""
    zone = ZoneInfo(ctx.job.timezone)
    found: list[dict[str, Any]] = []
    try:
        # created_to is inclusive in Pachca: the window's end belongs to the next window.
        async for message in ctx.client.search_messages(
            source.query, created_from=window.start, created_to=window.end,
            chat_ids=source.chat_ids or None, user_ids=source.user_ids or None,
        ):
            if message.created_at in window and message.user_id != ctx.bot_user_id:
                found.append(_message(message, zone))
    except PachcaError as exc:
        raise SourceError(name, f"Pachca search failed ({exc})") from None
    return {"query": source.query, "messages": found[:source.limit], "count": len(found)}


def _task(task: Any, zone: ZoneInfo) -> dict[str, Any]:
    return {"id": task.id, "kind": task.kind, "content": task.content,
            "due_at": task.due_at.astimezone(zone) if task.due_at else None,
            "status": task.status, "priority": task.priority,
            "performer_ids": task.performer_ids, "chat_id": task.chat_id}


async def read_tasks(
    ctx: JobContext, name: str, source: TasksSource, window: Window
) -> dict[str, Any]:
    """``{due, overdue, done, counts}``: tasks grouped by ``due_at`` and ``status``.

    ``due``: not done, due within the window; ``overdue``: not done, due before it;
    ``done``: done and due within the window (Pachca keeps no completion time).
    """
    zone = ZoneInfo(ctx.job.timezone)
    groups: dict[str, list[dict[str, Any]]] = {"due": [], "overdue": [], "done": []}
    try:
        async for task in ctx.client.list_tasks():
            if task.due_at is None:
                continue
            if task.status == "done":
                group = "done" if task.due_at in window else None
            elif task.due_at in window:
                group = "due"
            else:
                group = "overdue" if task.due_at < window.start else None
            if group is not None:
                groups[group].append(_task(task, zone))
    except PachcaError as exc:
        raise SourceError(name, f"Pachca tasks could not be read ({exc})") from None
    counts = {k: len(v) for k, v in groups.items()}
    for items in groups.values():
        items.sort(key=lambda t: (t["due_at"], t["id"]))
    return {**{k: v[:source.limit] for k, v in groups.items()}, "counts": counts}


async def read_threads(
    ctx: JobContext, name: str, source: ThreadsSource, window: Window
) -> dict[str, Any]:
    """``{threads, count}``: each with its parent message and comment counts.

    ``new_comments`` and ``authors`` are people's comments in the window (not the bot's);
    ``comments`` is every comment the thread has, as Pachca shows it.
    """
    zone = ZoneInfo(ctx.job.timezone)
    threads: list[dict[str, Any]] = []
    try:
        async for thread in ctx.client.list_threads(last_message_after=window.start):
            new = total = 0
            authors: set[int] = set()
            async for comment in ctx.client.list_messages(thread.chat_id):
                total += 1
                # The bot's own comments are not news, as in activity and search.
                if comment.created_at in window and comment.user_id != ctx.bot_user_id:
                    new += 1
                    authors.add(comment.user_id)
            if not new:
                continue
            parent = None
            if thread.message_id is not None:
                try:
                    parent = _message(await ctx.client.get_message(thread.message_id), zone)
                except (NotFound, PermissionDenied):
                    parent = None  # deleted or out of reach: the thread is still news
            threads.append({"id": thread.id, "chat_id": thread.message_chat_id,
                            "parent": parent, "new_comments": new, "comments": total,
                            "authors": len(authors),
                            "url": parent["url"] if parent else
                            f"{APP_URL}/chats/{thread.chat_id}"})
    except PachcaError as exc:
        raise SourceError(name, f"Pachca threads could not be read ({exc})") from None
    threads.sort(key=lambda t: (-t["new_comments"], t["id"]))
    return {"threads": threads[:source.limit], "count": len(threads)}


def sample_search(source: SearchSource, end: datetime) -> dict[str, Any]:
    """Plausible ``pachca_search`` data for validating a template."""
    message = {"id": 9001, "chat_id": 101, "user_id": 5, "created_at": end,
               "text": f"Разобрали {source.query}: причина найдена, исправление выкатили",
               "url": f"{APP_URL}/chats/101?message=9001"}
    return {"query": source.query, "messages": [message], "count": 1}


def sample_tasks(end: datetime) -> dict[str, Any]:
    """Plausible ``pachca_tasks`` data for validating a template."""
    task = {"id": 1, "kind": "call", "content": "Позвонить клиенту", "due_at": end,
            "status": "undone", "priority": 2, "performer_ids": [5], "chat_id": None}
    return {"due": [task], "overdue": [{**task, "id": 2, "content": "Отправить счёт"}],
            "done": [{**task, "id": 3, "status": "done"}],
            "counts": {"due": 1, "overdue": 1, "done": 1}}


def sample_threads(end: datetime) -> dict[str, Any]:
    """Plausible ``pachca_threads`` data for validating a template."""
    parent = {"id": 9002, "chat_id": 101, "user_id": 5, "created_at": end,
              "text": "Обсуждаем план релиза", "url": f"{APP_URL}/chats/101?message=9002"}
    return {"threads": [{"id": 7, "chat_id": 101, "parent": parent, "new_comments": 4,
                         "comments": 9, "authors": 3, "url": parent["url"]}], "count": 1}
