"""No fire lost without a word around a reload or a start: a job whose schedule did not
change keeps its pending fire over a reload (one due while the loop was busy parsing the
catalogue on SIGHUP still runs), and on start the fires missed while the runner was down
are caught up (the latest, within ``catchup``) or said."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from runner import app
from runner.logs import EVENTS
from runner.runtime import shifted_clock
from runner.scheduler import Daemon
from runner.state import RunRecord
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.web.conftest import group_chat

MSK = ZoneInfo("Europe/Moscow")
CATALOGUE = """
timezone: Europe/Moscow
jobs:
  note:
    kind: message
    schedule: "SCHEDULE"
    to: {chats: [CHAT]}
    text: Заметка
"""


def _write(harness: Harness, workspace: WorkspaceServer, schedule: str) -> None:
    harness.write_catalogue(CATALOGUE.replace("CHAT", str(group_chat(workspace)))
                            .replace("SCHEDULE", schedule))


async def test_a_fire_due_but_not_yet_processed_survives_a_reload(
        workspace: WorkspaceServer, tmp_path: Path) -> None:
    harness = Harness(workspace, tmp_path)
    _write(harness, workspace, "0 10 * * *")
    async with app.runtime(harness.settings(), harness.catalogue()) as rt:
        daemon = Daemon(rt, reload=harness.catalogue)
        daemon.load(rt.catalogue)
        # Paused: nothing is processed, so the job's pending fire stays as set here, as it
        # does while the loop is busy when the fire comes due.
        daemon.scheduler.start(paused=True)
        try:
            due = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
            daemon.scheduler.modify_job("note", next_run_time=due)

            daemon.reload()  # the same catalogue: the due fire is kept
            assert daemon.scheduler.get_job("note").next_run_time == due

            _write(harness, workspace, "30 10 * * *")
            daemon.reload()  # a new schedule counts from the reload, as before
            kept = daemon.scheduler.get_job("note").next_run_time
            assert kept is not None and kept > due and kept.minute == 30
        finally:
            daemon.scheduler.shutdown(wait=False)


async def _started_at(harness: Harness, start: datetime) -> list[RunRecord]:
    """The daemon's catch-up as on a start at ``start``; the job's runs after it."""
    async with app.runtime(harness.settings(), harness.catalogue(),
                           clock=shifted_clock(start)) as rt:
        daemon = Daemon(rt)
        await daemon.catch_up()
        await daemon.finish_running()
        return await asyncio.to_thread(rt.state.sync.runs, "note")


async def test_fires_missed_while_down_and_outside_the_catchup_are_not_run(
        workspace: WorkspaceServer, tmp_path: Path) -> None:
    harness = Harness(workspace, tmp_path)
    _write(harness, workspace, "0 10 * * *")  # misfire_grace and so catchup: 10 minutes
    ran = datetime(2026, 12, 7, 10, 0, tzinfo=MSK)
    async with app.runtime(harness.settings(), harness.catalogue()) as rt:
        daemon = Daemon(rt)
        await daemon._fire("note", ran)
    # Down over the next two fires; started half an hour after the later one.
    [run] = await _started_at(harness, datetime(2026, 12, 9, 10, 30, tzinfo=MSK))
    assert run.scheduled_for == ran  # nothing caught up: both fires are too old


async def test_a_missed_fire_inside_the_catchup_runs_once_and_says_nothing_more(
        workspace: WorkspaceServer, tmp_path: Path, caplog) -> None:
    harness = Harness(workspace, tmp_path)
    _write(harness, workspace, "0 10 * * *")
    async with app.runtime(harness.settings(), harness.catalogue()) as rt:
        await Daemon(rt)._fire("note", datetime(2026, 12, 8, 10, 0, tzinfo=MSK))
    caplog.set_level(logging.INFO, logger=EVENTS)
    start = datetime(2026, 12, 9, 10, 5, tzinfo=MSK)
    await _started_at(harness, start)
    runs = await _started_at(harness, start)  # a second start runs nothing again
    assert sorted(r.scheduled_for for r in runs) == [
        datetime(2026, 12, 8, 10, 0, tzinfo=MSK), datetime(2026, 12, 9, 10, 0, tzinfo=MSK)]
    assert [r for r in caplog.records if getattr(r, "event", "") == "skip"] == []
