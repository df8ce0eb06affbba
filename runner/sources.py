"""Data sources of a digest: Pachca activity, a JSON endpoint, static values, SQL rows,
Pachca search, tasks and threads (``sources_sql``, ``sources_pachca``).

Each source is named in the job entry and handed to the template under that name. A
source that cannot be read raises ``SourceError(name, reason)``: the reason is short
and never carries the URL or a header value, since both may hold secrets filled in
from the environment.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from runner import words
from runner.activity import ChatActivity, chat_activity
from runner.catalogue.fields import Id, ru
from runner.durations import Duration
from runner.errors import FetchError, SourceError
from runner.periods import Window
from runner.source_base import DataSource
from runner.sources_pachca import (
    SearchSource,
    TasksSource,
    ThreadsSource,
    read_search,
    read_tasks,
    read_threads,
    sample_search,
    sample_tasks,
    sample_threads,
)
from runner.sources_sql import SqlSource, read_sql

if TYPE_CHECKING:
    from runner.kinds.base import JobContext

MAX_LISTED = 50
"""New chats (and new members) a digest lists at most: it is a message, not an inventory."""
MAX_BODY = 5 * 1024 * 1024
"""Largest JSON answer an http source reads: a digest needs figures, not a data dump."""


_Source = DataSource


class ActivitySource(_Source):
    """``{type: pachca_activity, top: 5}``: messages per chat in the digest's window."""

    type: Literal["pachca_activity"] = Field(
        description="Activity in Pachca over the window.", examples=["pachca_activity"],
        json_schema_extra=ru("Активность в Пачке за окно сводки."),
    )
    top: int = Field(
        default=5, ge=1, le=50, description="How many of the most active chats.", examples=[5],
        json_schema_extra=ru("Сколько самых активных чатов показать."),
    )
    include_channels: bool = Field(
        default=True, description="Count channels.", examples=[False],
        json_schema_extra=ru("Учитывать каналы."),
    )
    include_conversations: bool = Field(
        default=True, description="Count conversations.", examples=[True],
        json_schema_extra=ru("Учитывать беседы."),
    )
    exclude_ids: list[Id] = Field(
        default_factory=list, description="Chat ids not counted.", examples=[[100048]],
        json_schema_extra=ru("id чатов, которые не учитывать."),
    )
    include_threads: bool = Field(
        default=True,
        description="Count comments in threads toward the chat the thread was started in.",
        examples=[False],
        json_schema_extra=ru("Считать комментарии в тредах активностью чата, где начат тред."),
    )
    new_members: bool = Field(
        default=True, description="List users who joined the workspace within the window.",
        examples=[False],
        json_schema_extra=ru("Перечислить новых сотрудников, пришедших в пространство за окно."),
    )
    concurrency: int = Field(
        default=8, ge=1, le=64, description="Chats read at once (the rate limiter sets the pace).",
        examples=[8],
        json_schema_extra=ru("Сколько чатов читать одновременно (темп задаёт ограничитель"
                             " запросов)."),
    )


class HttpSource(_Source):
    """``{type: http, url: ..., headers: {...}, timeout: 10s}``: GET a JSON document."""

    type: Literal["http"] = Field(
        description="A JSON endpoint read with GET.", examples=["http"],
        json_schema_extra=ru("JSON по адресу, читается запросом GET."),
    )
    url: str = Field(
        description="The endpoint (http or https); ${VAR} is filled from the env.",
        examples=["https://crm.example.com/api/sales/today"],
        json_schema_extra=ru("Адрес (http или https); ${VAR} подставляется из окружения."),
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="Request headers, e.g. an API key from ${VAR}.",
        examples=[{"X-Api-Key": "${CRM_KEY}"}],
        json_schema_extra=ru("Заголовки запроса, например ключ API из ${VAR}."),
    )
    timeout: Duration = Field(
        default=10.0, gt=0, description="Give up after this long.", examples=["10s"],
        json_schema_extra=ru("Сколько ждать ответа, прежде чем сдаться."),
    )

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError(words.text("source.url"))
        return v


class VarsSource(_Source):
    """``{type: vars, values: {...}}``: fixed values for the template."""

    type: Literal["vars"] = Field(
        description="Static values written in the catalogue.", examples=["vars"],
        json_schema_extra=ru("Постоянные значения, записанные прямо в каталоге."),
    )
    values: dict[str, Any] = Field(
        default_factory=dict, description="The values.", examples=[{"team": "Продажи"}],
        json_schema_extra=ru("Сами значения."),
    )


Source = Annotated[
    ActivitySource | HttpSource | VarsSource | SqlSource | SearchSource | TasksSource
    | ThreadsSource,
    Field(discriminator="type", description="A named data source of the digest."),
]


# ---- reading ------------------------------------------------------------------------------


async def read_activity(ctx: JobContext, source: ActivitySource, window: Window) -> dict[str, Any]:
    """Totals, the top chats, new chats and new members of ``window``.

    Only the top-N heap, the totals and the new chats are kept, whatever the number of chats.
    """
    top: list[tuple[int, int, ChatActivity]] = []
    new_chats: list[dict[str, Any]] = []
    authors: set[int] = set()
    chats = messages = 0
    stream = chat_activity(
        ctx.client, window,
        include_channels=source.include_channels,
        include_conversations=source.include_conversations,
        exclude_ids=source.exclude_ids,
        bot_user_id=ctx.bot_user_id,
        include_idle=True,
        include_threads=source.include_threads,
        concurrency=source.concurrency,
        progress=ctx.progress,
    )
    zone = ZoneInfo(ctx.job.timezone)
    async for item in stream:
        if item.created_at in window and len(new_chats) < MAX_LISTED:
            new_chats.append(item.as_context(zone))
        if not item.messages:
            continue
        chats += 1
        messages += item.messages
        authors.update(item.authors)
        entry = (item.messages, -item.chat_id, item)
        if len(top) < source.top:
            heapq.heappush(top, entry)
        else:
            heapq.heappushpop(top, entry)
    ranked = [a.as_context(zone) for _, _, a in sorted(top, key=lambda e: e[:2], reverse=True)]
    new_chats.sort(key=lambda c: c["created_at"])
    return {
        "totals": {"chats": chats, "messages": messages, "authors": len(authors)},
        "top": ranked,
        "new_chats": new_chats,
        "new_members": await _new_members(ctx, window, zone) if source.new_members else [],
    }


async def _new_members(
    ctx: JobContext, window: Window, zone: ZoneInfo, limit: int = MAX_LISTED
) -> list[dict[str, Any]]:
    """People (not bots) whose account was created within ``window``, oldest first."""
    found: list[dict[str, Any]] = []
    async for user in ctx.client.list_users():
        if user.bot or user.created_at is None or user.created_at not in window:
            continue
        found.append({"id": user.id, "name": user.display_name, "nickname": user.nickname,
                      "created_at": user.created_at.astimezone(zone)})
    found.sort(key=lambda u: u["created_at"])
    return found[:limit]


async def read_http(name: str, source: HttpSource) -> Any:
    """The JSON document at ``source.url``; SourceError (without URL or headers) otherwise."""
    # Imported here, not at the top: `validate` loads this module and needs no HTTP.
    from runner.pachca.fetch import JsonFetcher

    try:
        async with JsonFetcher() as fetcher:
            return await fetcher.get(source.url, source.headers, timeout=source.timeout,
                                     max_bytes=MAX_BODY)
    except FetchError as exc:
        raise SourceError(name, exc.reason) from None


async def read_source(ctx: JobContext, name: str, source: _Source, window: Window) -> Any:
    """The data of one source, for the template."""
    if isinstance(source, ActivitySource):
        return await read_activity(ctx, source, window)
    if isinstance(source, HttpSource):
        return await read_http(name, source)
    if isinstance(source, VarsSource):
        return dict(source.values)
    if isinstance(source, SqlSource):
        return await read_sql(name, source, window, ZoneInfo(ctx.job.timezone))
    if isinstance(source, SearchSource):
        return await read_search(ctx, name, source, window)
    if isinstance(source, TasksSource):
        return await read_tasks(ctx, name, source, window)
    if isinstance(source, ThreadsSource):
        return await read_threads(ctx, name, source, window)
    raise TypeError(f"unknown source type {type(source).__name__}")


def has_data(source: _Source, value: Any) -> bool:
    """Whether a source's value is worth a message (static ``vars`` never are on their own)."""
    if value is None or isinstance(source, VarsSource):
        return False
    if isinstance(source, ActivitySource):
        return bool(value["totals"]["messages"] or value["new_chats"] or value["new_members"])
    if isinstance(source, SqlSource):
        return bool(value["rows"])
    if isinstance(source, SearchSource | ThreadsSource):
        return bool(value["count"])
    if isinstance(source, TasksSource):
        return any(value["counts"].values())
    return value not in ({}, [], "", 0)


def sample_key(source: _Source) -> Hashable:
    """Everything of ``source`` that ``sample`` and a digest's sample data read: its
    class (which fixes its ``type``), its title, the values of a ``vars`` source, the
    query of a ``pachca_search`` one."""
    if isinstance(source, VarsSource):
        return (VarsSource, source.title, repr(source.values))
    if isinstance(source, SearchSource):
        return (SearchSource, source.title, source.query)
    return (type(source), source.title)


def sample(source: _Source, window_start: datetime, window_end: datetime) -> Any:
    """Plausible data of a source, to render the template when the catalogue is validated."""
    if isinstance(source, VarsSource):
        return dict(source.values)
    if isinstance(source, SearchSource):
        return sample_search(source, window_end)
    if isinstance(source, TasksSource):
        return sample_tasks(window_end)
    if isinstance(source, ThreadsSource):
        return sample_threads(window_end)
    if isinstance(source, SqlSource):
        rows = [{"day": window_start.date(), "revenue": 1250000, "deals": 14},
                {"day": window_end.date(), "revenue": 980000, "deals": 11}]
        return {"columns": ["day", "revenue", "deals"], "rows": rows, "count": 2,
                "truncated": False}
    if isinstance(source, HttpSource):
        return {"total": 1250000, "deals": 14, "items": [{"name": "Пример", "value": 1}]}
    chat = {"id": 101, "name": "Отдел продаж", "channel": False, "kind": "беседа",
            "messages": 42, "comments": 5, "authors": 7, "last_message_at": window_end,
            "created_at": window_start}
    return {
        "totals": {"chats": 12, "messages": 348, "authors": 31},
        "top": [chat, {**chat, "id": 102, "name": "Новости", "channel": True, "kind": "канал",
                       "messages": 17, "authors": 3}],
        "new_chats": [{**chat, "id": 103, "name": "Проект «Север»", "messages": 0}],
        "new_members": [{"id": 5, "name": "Анна Петрова", "nickname": "anna.petrova",
                         "created_at": window_start}],
    }
