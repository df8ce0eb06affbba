"""The period's edges in an activity report: ``[start, end)``, to the millisecond.

The workspace clock is frozen at each edge while a message is written there, so every
count is known exactly: a message at the period's first instant counts, one at its last
millisecond counts, one at the instant it ends belongs to the next period. Comments in a
thread obey the same edges.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.test_activity_report import SPEED, WEEK, T, report_chat
from tests.jobs.test_activity_threads import _counts, _people, _write
from tests.threads_support import NO_THREADS, comment, post, thread


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    start = WEEK.start.astimezone(UTC) - timedelta(hours=1)
    return fresh_workspace(start_time=start.isoformat(), short_page_rate=0.0, speed=SPEED,
                           **NO_THREADS)


@pytest.fixture
def h(ws: WorkspaceServer, tmp_path: Path) -> Harness:
    return Harness(ws, tmp_path, overrides={"rate_limit_scale": SPEED, "token": ws.owner_token,
                                            "bot_user_id": ws.store.bot_id})


def _at(h: Harness, when: datetime) -> None:
    h.control("POST", "clock", json={"now": when.astimezone(UTC).isoformat(), "freeze": True})


async def test_a_message_at_each_edge_of_the_period(ws: WorkspaceServer, h: Harness) -> None:
    store, target = ws.store, report_chat(ws)
    quiet = ws.call(lambda: min(c.id for c in store.chats.values()
                                if not c.personal and not c.archived and c.thread_id is None
                                and store.is_member(c, store.owner_id)
                                and c.id != target))
    a, b = _people(ws, quiet)
    last_ms = WEEK.end - timedelta(milliseconds=1)
    _at(h, WEEK.start - timedelta(milliseconds=1))
    talk = thread(ws, a, post(ws, quiet, a))  # before the period: not counted
    comment(ws, talk["id"], b)  # not counted
    _at(h, WEEK.start)
    post(ws, quiet, a)  # counted
    comment(ws, talk["id"], a)  # counted
    _at(h, last_ms)
    post(ws, quiet, b)  # counted
    comment(ws, talk["id"], b)  # counted
    _at(h, WEEK.end)
    post(ws, quiet, a)  # the next period's
    comment(ws, talk["id"], a)  # the next period's
    h.control("POST", "clock", json={"now": T.isoformat(), "freeze": False})
    _write(h, target)

    outcome = await h.run("weekly-activity", at=T, dry_run=True)

    assert outcome.status == "succeeded", outcome.error
    assert _counts(outcome.report.messages[0]).get(quiet) == (4, 2)
