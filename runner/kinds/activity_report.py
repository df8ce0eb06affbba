"""Kind ``activity_report``: find the chats that were active in a period and post the top.

"Active" means a message in the period: Pachca lists the group chats whose last message
came after the period's start (including those written to since it ended, whose newer
messages are read and skipped); ``match: last_message`` narrows that to chats whose last
message falls inside the period, cheaper but short. For each, the
messages and distinct authors within the period are counted; only the top-N heap and
the totals are kept in memory, whatever the size of the workspace.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from runner import words
from runner.activity import ChatActivity, chat_activity
from runner.catalogue.fields import Id, KindParams, Regex, ru
from runner.effects import POSTING_SCOPES
from runner.kinds._frozen import render_once
from runner.kinds.base import JobContext, JobKind
from runner.periods import Period, Window, resolve_period
from runner.recipients import Recipients, post_everywhere

SortBy = Literal["messages", "authors", "last_message_at"]
SORT_LABELS: dict[str, str] = {
    "messages": "по числу сообщений",
    "authors": "по числу авторов",
    "last_message_at": "по времени последнего сообщения",
}


class Include(KindParams):
    """Which kinds of group chat count."""

    channels: bool = Field(
        default=True, description="Count channels.", examples=[False],
        json_schema_extra=ru("Учитывать каналы."),
    )
    conversations: bool = Field(
        default=True, description="Count conversations.", examples=[True],
        json_schema_extra=ru("Учитывать беседы."),
    )


class Exclude(KindParams):
    """Chats left out of the report."""

    ids: list[Id] = Field(
        default_factory=list, description="Chat ids to leave out.", examples=[[100048]],
        json_schema_extra=ru("id чатов, которые не включать."),
    )
    names: list[Regex] = Field(
        default_factory=list,
        description="Regular expressions (case-insensitive); a chat whose name matches "
        "any of them is left out.",
        examples=[["флуд|оффтоп"]],
        json_schema_extra=ru("Регулярные выражения (регистр не важен); чат, название которого"
                             " подходит под любое из них, не включается."),
    )


class ActivityReportParams(KindParams):
    """Parameters of an ``activity_report`` job."""

    to: Recipients = Field(
        description="Where to post: `chats` and/or `users` (ids).",
        examples=[{"chats": [101]}],
        json_schema_extra=ru("Куда отправить: `chats` и/или `users` (id)."),
    )
    period: Period = "previous_week"
    template: str = Field(
        default="activity_report.md.j2", description="Template file in templates/.",
        examples=["activity_report.md.j2"],
        json_schema_extra=ru("Файл шаблона в папке templates/."),
    )
    sort_by: SortBy = Field(
        default="messages",
        description="Order of the chats: messages, authors (distinct) or last_message_at.",
        examples=["authors"],
        json_schema_extra=ru("Порядок чатов: messages (по сообщениям), authors (по числу"
                             " авторов) или last_message_at (по последнему сообщению)."),
    )
    top: int = Field(
        default=10, ge=1, le=200, description="How many chats the report lists.", examples=[10],
        json_schema_extra=ru("Сколько чатов показать в отчёте."),
    )
    include: Include = Field(
        default_factory=Include, description="Channels and/or conversations.",
        examples=[{"channels": False, "conversations": True}],
        json_schema_extra=ru("Каналы и/или беседы."),
    )
    exclude: Exclude = Field(
        default_factory=Exclude, description="Chats left out, by id or name.",
        examples=[{"ids": [100048], "names": ["флуд|оффтоп"]}],
        json_schema_extra=ru("Чаты, которые не включать, по id или названию."),
    )
    match: Literal["any_message", "last_message"] = Field(
        default="any_message",
        description="`any_message`: every chat with a message in the period, also those "
        "written to since it ended (their newer messages are read and skipped). "
        "`last_message`: only chats whose last message falls in the period (Pachca filters "
        "them; fewer reads, but a chat written to after the period is left out, so use it "
        "only for a report that runs right as the period ends; one also commented on in its "
        "threads in the period is still counted whole).",
        examples=["last_message"],
        json_schema_extra=ru("`any_message` — все чаты, где писали в период, и те, куда писали"
                             " уже после него (их новые сообщения читаются и пропускаются)."
                             " `last_message` — только чаты, чьё последнее сообщение попало в"
                             " период (их отбирает сама Пачка; читается меньше, но чат, куда"
                             " писали после периода, не попадёт в отчёт: подходит, только"
                             " если отчёт запускается сразу по окончании периода; чат, где"
                             " в период писали и в тредах, всё же считается целиком)."),
    )
    count_bot: bool = Field(
        default=False, description="Count the bot's own messages as activity.", examples=[True],
        json_schema_extra=ru("Считать сообщения самого бота активностью."),
    )
    include_threads: bool = Field(
        default=True,
        description="Count comments in threads toward the chat the thread was started in "
        "(a chat written to only in its threads counts too).",
        examples=[False],
        json_schema_extra=ru("Считать комментарии в тредах активностью чата, где начат тред"
                             " (чат, где писали только в тредах, тоже попадает в отчёт)."),
    )
    skip_if_empty: bool = Field(
        default=False, description="Post nothing when no chat was active in the period.",
        examples=[True],
        json_schema_extra=ru("Ничего не отправлять, если за период не было активных чатов."),
    )
    concurrency: int = Field(
        default=8, ge=1, le=64, description="Chats read at once (the rate limiter sets the pace).",
        examples=[8],
        json_schema_extra=ru("Сколько чатов читать одновременно (темп задаёт ограничитель"
                             " запросов)."),
    )


def sort_key(sort_by: str, item: ChatActivity) -> tuple[Any, ...]:
    """Larger is better; ties go to more messages, then to the older chat (smaller id)."""
    primary: Any = {
        "messages": item.messages,
        "authors": len(item.authors),
        "last_message_at": item.last_message_at,
    }[sort_by]
    return (primary, item.messages, -item.chat_id)


class TopChats:
    """The N best chats by a sort key, and totals over every chat seen."""

    def __init__(self, n: int, sort_by: str) -> None:
        self.n = n
        self.sort_by = sort_by
        self._heap: list[tuple[tuple[Any, ...], ChatActivity]] = []
        self.chats = 0
        self.messages = 0
        self._authors: set[int] = set()

    def add(self, item: ChatActivity) -> None:
        """Count ``item`` in the totals and keep it if it is among the best N."""
        self.chats += 1
        self.messages += item.messages
        self._authors.update(item.authors)
        entry = (sort_key(self.sort_by, item), item)
        if len(self._heap) < self.n:
            heapq.heappush(self._heap, entry)
        elif entry[0] > self._heap[0][0]:
            heapq.heapreplace(self._heap, entry)

    @property
    def authors(self) -> int:
        """Distinct authors over every chat."""
        return len(self._authors)

    def ranked(self) -> list[ChatActivity]:
        """The kept chats, best first."""
        return [item for _, item in sorted(self._heap, key=lambda e: e[0], reverse=True)]


def context(
    window: Window, top: TopChats, params: ActivityReportParams, zone: ZoneInfo
) -> dict[str, Any]:
    """What the report template gets; times are shown in the job's zone."""
    return {
        "period": window.in_zone(zone).as_context(),
        "chats": [c.as_context(zone) for c in top.ranked()],
        "totals": {"chats": top.chats, "messages": top.messages, "authors": top.authors},
        "top": params.top,
        "sort_by": params.sort_by,
        "sort_label": SORT_LABELS[params.sort_by],
    }


class ActivityReportKind(JobKind[ActivityReportParams]):
    """Posts the most active chats of a period."""

    name = "activity_report"
    Params = ActivityReportParams
    summary = "Find the chats active in a period and post the top N with totals."

    def scopes(self, params: ActivityReportParams) -> frozenset[str]:
        """To read the chats and their messages, and post the report."""
        return POSTING_SCOPES

    def templates(self, params: ActivityReportParams) -> list[str]:
        return [params.template]

    def sample_key(self, params: ActivityReportParams, template: str) -> Hashable:
        return (repr(params.period), params.top, params.sort_by)

    def sample_context(self, params: ActivityReportParams, template: str) -> dict[str, Any]:
        zone = ZoneInfo("Europe/Moscow")
        now = datetime(2026, 11, 23, 9, 0, tzinfo=zone)
        window = resolve_period(params.period, now, zone)
        top = TopChats(params.top, params.sort_by)
        for i, (name, channel, n, authors) in enumerate(
            [("Отдел продаж", False, 128, 9), ("Новости компании", True, 41, 3),
             ("Проект «Север»", False, 17, 5)]
        ):
            top.add(ChatActivity(101 + i, name, channel, n, frozenset(range(authors)),
                                 window.end - timedelta(hours=3 * i + 1), window.start))
        return context(window, top, params, zone)

    async def run(self, ctx: JobContext, params: ActivityReportParams) -> None:
        zone = ZoneInfo(ctx.job.timezone)
        window = resolve_period(params.period, ctx.scheduled_for, zone)

        async def render() -> str | None:
            top = TopChats(params.top, params.sort_by)
            stream = chat_activity(
                ctx.client, window,
                include_channels=params.include.channels,
                include_conversations=params.include.conversations,
                exclude_ids=params.exclude.ids,
                exclude_names=params.exclude.names,
                bot_user_id=None if params.count_bot else ctx.bot_user_id,
                last_message_in_window=params.match == "last_message",
                include_threads=params.include_threads,
                concurrency=params.concurrency,
                progress=ctx.progress,
            )
            async for item in stream:
                top.add(item)
            ctx.report.count("active_chats", top.chats)
            ctx.report.say(words.text(
                "activity.found", chats=top.chats, messages=top.messages, authors=top.authors,
                start=f"{window.start:%Y-%m-%d %H:%M}", end=f"{window.end:%Y-%m-%d %H:%M}",
                zone=ctx.job.timezone))
            if not top.chats and params.skip_if_empty:
                return None
            return ctx.renderer.render(params.template, context(window, top, params, zone))

        text = await render_once(ctx, render)
        if text is None:
            ctx.report.say(words.text("activity.empty"))
            ctx.report.count("skipped:empty")
            return
        await post_everywhere(ctx, params.to, text)


KIND = ActivityReportKind()
