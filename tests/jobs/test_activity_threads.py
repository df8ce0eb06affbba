"""Thread comments in activity reports and digests: they count toward the chat the thread
was started in, unless ``include_threads: false``.

The workspace's seed has no threads here; the test starts its own (control API) on the
Saturday of the reported week, so every count is known exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runner.render import plural
from runner.workspace import WorkspaceServer
from runner.workspace.scopes import scopes_for
from tests.harness import Harness
from tests.jobs.test_activity_report import MSK, SPEED, WEEK, T, report_chat
from tests.threads_support import NO_THREADS, comment, post, thread

SATURDAY = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # inside the week the report covers
_LINE = re.compile(r"\[[^\]]*\]\(https://app\.pachca\.com/chats/(\d+)\)(?: 📢)? — (\d+) "
                   r"сообщени\w*( \(в тредах — (\d+)\))?")


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    return fresh_workspace(start_time=SATURDAY.isoformat(), short_page_rate=0.0, speed=SPEED,
                           **NO_THREADS)


@pytest.fixture
def h(ws: WorkspaceServer, tmp_path: Path) -> Harness:
    return Harness(ws, tmp_path, overrides={"rate_limit_scale": SPEED, "token": ws.owner_token,
                                            "bot_user_id": ws.store.bot_id})


def _window_ms() -> tuple[int, int]:
    return int(WEEK.start.timestamp() * 1000), int(WEEK.end.timestamp() * 1000)


def _chats(ws: WorkspaceServer) -> tuple[int, int, int]:
    """(a chat quiet all week on top, a chat written to on top this week, its top count)."""
    store = ws.store
    start, end = _window_ms()

    def pick() -> tuple[int, int, int]:
        mine = sorted((c for c in store.chats.values()
                       if not c.personal and not c.archived and c.thread_id is None
                       and store.is_member(c, store.owner_id) and store.chat_messages[c.id]),
                      key=lambda c: c.id)
        quiet = next(c for c in mine if c.last_message_ms < start)
        busy = next(c for c in mine if start <= c.last_message_ms < end)
        top = sum(1 for (i,) in store.chat_messages[busy.id]
                  if start <= store.messages[i].created_ms < end
                  and store.messages[i].user_id != store.bot_id)
        return quiet.id, busy.id, top

    return ws.call(pick)


def _people(ws: WorkspaceServer, chat_id: int) -> list[int]:
    store = ws.store
    return ws.call(lambda: [u for u in store.chats[chat_id].member_ids
                            if u not in (store.bot_id, store.owner_id)][:2])


def _counts(text: str) -> dict[int, tuple[int, int]]:
    """chat id -> (messages, of them in threads) as the report lists them."""
    return {int(m[1]): (int(m[2]), int(m[4] or 0)) for m in _LINE.finditer(text)}


def _write(h: Harness, chat: int, extra: str = "") -> None:
    h.write_catalogue(f"""
    timezone: Europe/Moscow
    jobs:
      weekly-activity:
        kind: activity_report
        description: Активные чаты за неделю
        schedule: "0 9 * * 1"
        period: previous_week
        top: 200
        to: {{chats: [{chat}]}}
        {extra}
    """)


async def test_thread_comments_count_toward_their_chat_unless_turned_off(
    ws: WorkspaceServer, h: Harness
) -> None:
    assert WEEK.start < SATURDAY < WEEK.end and T.astimezone(MSK).weekday() == 0
    quiet, busy, top = _chats(ws)
    a, b = _people(ws, quiet)
    quiet_thread = thread(ws, a, ws.call(lambda: ws.store.chat_messages[quiet][-1][0]))
    for author in (a, b, a):
        comment(ws, quiet_thread["id"], author)
    busy_thread = thread(ws, _people(ws, busy)[0], post(ws, busy, _people(ws, busy)[0]))
    comment(ws, busy_thread["id"], _people(ws, busy)[0])
    comment(ws, busy_thread["id"], ws.store.bot_id)  # the bot's own: not activity
    comment(ws, thread(ws, a)["id"], a)  # a standalone thread belongs to no chat
    before = ws.call(lambda: ws.store.chats[quiet].last_message_ms)
    assert before < _window_ms()[0], "the comments leave the chat quiet on top"
    chat = report_chat(ws)

    _write(h, chat)
    counted = await h.run("weekly-activity", at=T, dry_run=True)
    _write(h, chat, extra="include_threads: false")
    plain = await h.run("weekly-activity", at=T, dry_run=True)

    assert counted.status == plain.status == "succeeded", counted.error or plain.error
    with_threads = _counts(counted.report.messages[0])
    without = _counts(plain.report.messages[0])
    assert with_threads[quiet] == (3, 3)
    assert quiet not in without
    assert with_threads[busy] == (top + 2, 1)  # the new top-level message and one comment
    assert without[busy] == (top + 1, 0)
    assert {c: n for c, n in with_threads.items() if c not in (quiet, busy)} == {
        c: n for c, n in without.items() if c != busy}
    total = sum(n for n, _ in with_threads.values())
    assert plural(total, "сообщение", "сообщения", "сообщений") in counted.report.messages[0]
    assert total == sum(n for n, _ in without.values()) + 4


async def test_the_digest_counts_comments_too(ws: WorkspaceServer, h: Harness) -> None:
    quiet, _, _ = _chats(ws)
    a, _ = _people(ws, quiet)
    talk = thread(ws, a, ws.call(lambda: ws.store.chat_messages[quiet][-1][0]))
    comment(ws, talk["id"], a, "Созвон в пятницу")
    template = {"digest.md.j2": "{% for c in activity.top %}{{ c.id }}={{ c.messages }};"
                                "{% endfor %}"}

    async def digest(extra: str) -> str:
        h.write_catalogue(f"""
        timezone: Europe/Moscow
        jobs:
          morning-digest:
            kind: digest
            description: Сводка
            schedule: "0 9 * * *"
            to: {{chats: [{report_chat(ws)}]}}
            sources:
              activity: {{type: pachca_activity, top: 50{extra}}}
        """, templates=template)
        outcome = await h.run("morning-digest", at=SATURDAY + timedelta(minutes=2),
                              dry_run=True)
        assert outcome.status == "succeeded", outcome.error
        return outcome.report.messages[0] if outcome.report.messages else ""

    assert f"{quiet}=1;" in await digest("")
    assert f"{quiet}=" not in await digest(", include_threads: false")


async def test_a_token_that_may_not_list_threads_is_told_what_to_grant(
    ws: WorkspaceServer, h: Harness
) -> None:
    scopes = sorted(scopes_for("owner") - {"threads:read"})
    token = h.control("POST", "tokens", json={"kind": "owner", "scopes": scopes})["token"]
    _write(h, report_chat(ws))

    refused = await h.run("weekly-activity", at=T, dry_run=True, token=token)
    _write(h, report_chat(ws), extra="include_threads: false")
    plain = await h.run("weekly-activity", at=T, dry_run=True, token=token)

    assert refused.status == "failed"
    assert "threads:read" in (refused.error or "") and "include_threads" in (refused.error or "")
    assert plain.status == "succeeded", plain.error


async def test_match_last_message_counts_a_chat_found_through_its_threads_whole(
    ws: WorkspaceServer, h: Harness
) -> None:
    """A chat talked to in the period, on top and in a thread, then written to again after it.

    ``match: last_message`` leaves it out of Pachca's listing, but its thread brings it back;
    the report then shows it with every message of the period, not only the comment.
    """
    quiet, _, _ = _chats(ws)
    a, b = _people(ws, quiet)
    talk = thread(ws, a, post(ws, quiet, a))  # Saturday: one top-level message...
    comment(ws, talk["id"], b)  # ...and one comment
    after = WEEK.end.astimezone(UTC) + timedelta(hours=3)
    assert after < T
    h.control("POST", "clock", json={"now": after.isoformat()})
    post(ws, quiet, b)  # Monday morning: after the period
    _write(h, report_chat(ws), extra="match: last_message")

    outcome = await h.run("weekly-activity", at=T, dry_run=True)

    assert outcome.status == "succeeded", outcome.error
    assert _counts(outcome.report.messages[0]).get(quiet) == (2, 1)
