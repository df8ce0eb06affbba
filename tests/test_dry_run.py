"""A dry run is decided once, in ``execute``: whoever starts a job that says ``dry_run:
true`` (the daemon's fire, ``run-job``, a bot's retry) gets a read-only run with a
dry-run key, and the history shows it as a dry run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner import app
from runner.cli import main
from runner.scheduler import Daemon
from runner.workspace import WorkspaceServer
from tests.jobs.sweep_support import EMPTY, JOB, Sweep


@pytest.fixture
def sw(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Sweep]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield sweep
    sweep.close()


async def test_a_daemon_fire_of_a_dry_job_is_a_dry_run_in_history(sw: Sweep) -> None:
    quiet = sw.chat("Проект «Архив»")
    sw.advance(120)
    sw.job(dry_run=True, warn_days=0)
    catalogue = sw.h.catalogue()
    fire = datetime.now(UTC).replace(microsecond=0)  # a fire within its grace time
    mark = sw.mark()

    # The daemon's own path: APScheduler hands the fire to the daemon's executor, which
    # says nothing about dryness; a second replica seeing the same fire is refused.
    async with app.runtime(sw.h.settings(), catalogue) as rt:
        daemon = Daemon(rt)
        daemon.load(catalogue)
        daemon.scheduler.start()
        try:
            for _ in range(2):
                daemon._executor.submit_job(daemon.scheduler.get_job(JOB), [fire])
                daemon._pauses.submitted()  # as a wake-up does once its fires are submitted
                await daemon.finish_running()
        finally:
            daemon.stop()
            daemon.scheduler.shutdown(wait=False)
    first, again = daemon.outcomes

    assert first.status == "succeeded", first.error
    assert first.dry_run and "@dry-run:" in first.key
    assert first.report.counts["would_archive"] == 1  # it did decide: it only looked
    assert again.status == "skipped"  # a dry fire is still claimed once per fire
    assert sw.writes(mark) == [] and not sw.archived(quiet)
    store = sw.store()
    try:
        record = store.run_by_key(first.key)
    finally:
        store.close()
    assert record is not None and record.dry_run

    env = {"PACHCA_RUNNER_STATE_URL": f"sqlite:///{sw.h.tmp / 'state.db'}"}
    shown = CliRunner().invoke(main, ["history", JOB], env=env, catch_exceptions=False)
    assert "(dry run)" in shown.output


async def test_run_job_of_a_dry_job_says_dry_run_and_writes_nothing(sw: Sweep) -> None:
    sw.chat("Проект «Архив»")
    sw.advance(120)
    sw.job(dry_run=True, warn_days=0)
    mark = sw.mark()

    outcome = await sw.h.run(JOB)  # no --dry-run: the job itself says so

    assert outcome.status == "succeeded", outcome.error
    assert outcome.dry_run and "@dry-run:" in outcome.key
    assert sw.writes(mark) == []
