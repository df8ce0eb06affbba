"""The ``activity_report`` kind end to end, checked against the workspace's own data.

The runner uses the owner's token here (it sees nearly every chat, so the report has
something to rank) with the bot's user id set, whose messages are not activity.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest

from runner.periods import Window, resolve_period
from runner.render import plural
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.threads_support import NO_THREADS

T = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 09:00 in Moscow
MSK = ZoneInfo("Europe/Moscow")
WEEK = resolve_period("previous_week", T, MSK)
SPEED = 4.0


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    # Full pages (no random short ones), so the pages a chat needs can be counted exactly.
    return fresh_workspace(start_time=T.isoformat(), short_page_rate=0.0, speed=SPEED,
                           **NO_THREADS)


@pytest.fixture
def h(ws: WorkspaceServer, tmp_path: Path) -> Harness:
    return Harness(ws, tmp_path, overrides={"rate_limit_scale": SPEED, "token": ws.owner_token,
                                            "bot_user_id": ws.store.bot_id})


def report_chat(ws: WorkspaceServer) -> int:
    store = ws.store
    return ws.call(lambda: min(c.id for c in store.chats.values() if not c.personal
                               and not c.archived and store.is_member(c, store.owner_id)))


def write(h: Harness, chat: int, extra: str = "", period: str = "previous_week") -> None:
    h.write_catalogue(f"""
    timezone: Europe/Moscow
    jobs:
      weekly-activity:
        kind: activity_report
        description: Активные чаты за неделю
        schedule: "0 9 * * 1"
        period: {period}
        top: 5
        to: {{chats: [{chat}]}}
        {extra}
    """)


def truth(ws: WorkspaceServer, window: Window, *, channels: bool = True,
          exclude: Callable[[Any], bool] = lambda chat: False,
          last_message_inside: bool = False) -> dict[int, dict[str, Any]]:
    """Per chat with a message in ``window``: messages, author ids and the newest message,
    from the store. ``last_message_inside``: only chats not written to since."""
    start = int(window.start.timestamp() * 1000)
    end = int(window.end.timestamp() * 1000)

    def compute() -> dict[int, dict[str, Any]]:
        store = ws.store
        out = {}
        for chat in store.chats.values():
            if (chat.personal or chat.archived or not store.is_member(chat, store.owner_id)
                    or last_message_inside and not start <= chat.last_message_ms <= end
                    or exclude(chat)
                    or chat.channel and not channels):
                continue
            inside = [store.messages[i] for (i,) in store.chat_messages[chat.id]
                      if start <= store.messages[i].created_ms < end
                      and store.messages[i].user_id != store.bot_id]
            if inside:
                out[chat.id] = {"messages": len(inside), "authors": {m.user_id for m in inside},
                                "last": max(m.created_ms for m in inside), "name": chat.name}
        return out

    return ws.call(compute)


def ranking(facts: dict[int, dict[str, Any]], by: str, n: int) -> list[int]:
    def key(cid: int) -> tuple[Any, ...]:
        f = facts[cid]
        primary = {"messages": f["messages"], "authors": len(f["authors"]), "last": f["last"]}
        return (primary[by], f["messages"], -cid)

    return sorted(facts, key=key, reverse=True)[:n]


def listed(text: str) -> list[int]:
    return [int(x) for x in re.findall(r"\]\(https://app\.pachca\.com/chats/(\d+)\)", text)]


async def test_report_counts_and_ranks_exactly_what_happened_last_week(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat = report_chat(ws)
    write(h, chat)
    facts = truth(ws, WEEK)
    assert len(facts) > 5, "the seed should give more active chats than the top shows"
    mark = h.mark()

    outcome = await h.run("weekly-activity", at=T)

    assert outcome.status == "succeeded", outcome.error
    posted = [r for r in h.writes(mark) if r["path"].endswith("/messages")]
    assert len(posted) == 1
    text = ws.call(lambda: [m for m in ws.store.messages.values()
                            if m.chat_id == chat and m.user_id == ws.store.owner_id][-1].content)
    assert "с 16 по 22 ноября 2026" in text
    authors = set().union(*(f["authors"] for f in facts.values()))
    total_messages = sum(f["messages"] for f in facts.values())
    assert (f"Всего {plural(len(facts), 'активный чат', 'активных чата', 'активных чатов')}, "
            f"{plural(total_messages, 'сообщение', 'сообщения', 'сообщений')}, "
            f"{plural(len(authors), 'автор', 'автора', 'авторов')}.") in text
    top = ranking(facts, "messages", 5)
    assert listed(text) == top
    for cid in top:
        f = facts[cid]
        assert (f"{plural(f['messages'], 'сообщение', 'сообщения', 'сообщений')}, "
                f"{plural(len(f['authors']), 'автор', 'автора', 'авторов')}") in text
    assert f"…и ещё {plural(len(facts) - 5, 'чат', 'чата', 'чатов')}." in text

    # Reading stopped at the first page that crossed the week's start, and never hit a 429.
    requests = h.requests(mark)
    assert not [r for r in requests if r["status"] == 429]
    pages = Counter(int(parse_qs(r["query"])["chat_id"][0]) for r in requests
                    if r["method"] == "GET" and r["path"].endswith("/messages"))
    start_ms = int(WEEK.start.timestamp() * 1000)

    def needed(cid: int) -> int:
        ids = ws.store.chat_messages[cid]
        recent = sum(1 for (i,) in ids if ws.store.messages[i].created_ms >= start_ms)
        return min(recent // 50 + 1, max(1, math.ceil(len(ids) / 50)))

    assert dict(pages) == ws.call(lambda: {cid: needed(cid) for cid in pages})
    assert set(facts) <= set(pages)


async def test_filters_exclusions_and_other_orders(ws: WorkspaceServer, h: Harness) -> None:
    chat = report_chat(ws)
    everything = truth(ws, WEEK)
    by_size = ranking(everything, "messages", 3)
    dropped_id, dropped_name = by_size[0], everything[by_size[1]]["name"]
    pattern = re.escape(dropped_name[:6])

    for sort_by, key in (("authors", "authors"), ("last_message_at", "last")):
        write(h, chat, extra=f"""sort_by: {sort_by}
        include: {{channels: false}}
        exclude: {{ids: [{dropped_id}], names: ["^{pattern}"]}}""")
        outcome = await h.run("weekly-activity", at=T, dry_run=True)
        assert outcome.status == "succeeded", outcome.error
        facts = truth(ws, WEEK, channels=False, exclude=lambda c: c.id == dropped_id
                      or re.match(f"^{pattern}", c.name, re.IGNORECASE) is not None)
        shown = listed(outcome.report.messages[0])
        assert shown == ranking(facts, key, 5)
        assert dropped_id not in shown and by_size[1] not in shown
        assert not any(everything[c]["name"] and ws.store.chats[c].channel for c in shown)


async def test_an_empty_period_is_said_plainly_or_skipped(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat = report_chat(ws)
    old = "{start: 2020-01-01, end: 2020-01-31}"
    write(h, chat, period=old)
    said = await h.run("weekly-activity", at=T, dry_run=True)
    assert "ни в одном чате не писали" in said.report.messages[0]

    write(h, chat, period=old, extra="skip_if_empty: true")
    mark = h.mark()
    skipped = await h.run("weekly-activity", at=T)
    assert skipped.status == "succeeded" and skipped.report.counts["skipped:empty"] == 1
    assert h.writes(mark) == []



async def test_a_report_run_later_in_the_week_still_counts_every_active_chat(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # Thursday: most chats active last week were written to again since Monday. The
    # default counts them; `match: last_message` (the cheap narrow reading) leaves them out.
    thursday = T + timedelta(days=3)
    ws = fresh_workspace(start_time=thursday.isoformat(), short_page_rate=0.0, speed=SPEED,
                         **NO_THREADS)
    h = Harness(ws, tmp_path, overrides={"rate_limit_scale": SPEED, "token": ws.owner_token,
                                         "bot_user_id": ws.store.bot_id})
    chat = report_chat(ws)
    every, narrow = truth(ws, WEEK), truth(ws, WEEK, last_message_inside=True)
    assert len(every) > len(narrow), "the seed should write to some chats after the week"

    for extra, facts in (("", every), ("match: last_message", narrow)):
        write(h, chat, extra=extra)
        outcome = await h.run("weekly-activity", at=thursday, dry_run=True)
        assert outcome.status == "succeeded", outcome.error
        total = sum(f["messages"] for f in facts.values())
        assert (f"Всего {plural(len(facts), 'активный чат', 'активных чата', 'активных чатов')}, "
                f"{plural(total, 'сообщение', 'сообщения', 'сообщений')}") \
            in outcome.report.messages[0]
