"""A reload keeps the fires that came due before it: a job whose schedule did not change
keeps its pending fire time, so a fire due while the loop was busy (a big catalogue being
parsed on SIGHUP) still runs instead of being skipped without a word."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from runner import app
from runner.scheduler import Daemon
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.web.conftest import group_chat

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
