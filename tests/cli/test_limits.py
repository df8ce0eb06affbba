"""The largest values ``validate`` accepts work at run time: every bound it enforces is
one the rest of the runner can live with (no overflow, no run that always fails)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.catalogue import validate
from runner.cli import main
from runner.schedule import next_fire_times
from runner.scheduler import latest_fire
from tests.cli.test_cli import chat_id, env  # noqa: F401 - fixtures

REPO = Path(__file__).resolve().parents[2]

EDGES = """\
timezone: Europe/Moscow
defaults: {misfire_grace: 366d, catchup: 366d, timeout: 7d, jitter: 1d}
alerts: {chat_id: 2147483647, repeat_every: 366d}
bot: {events: poll, poll_every: 1d}
jobs:
  notice:
    kind: message
    schedule: {every: 366d}
    to: {chats: [CHAT]}
    text: "{{ 'Длинное напоминание. ' * 4000 }}"
  report:
    kind: activity_report
    schedule: "0 9 * * 1"
    period: last_3650_days
    to: {chats: [CHAT]}
  sweep:
    kind: sweep
    schedule: "0 10 * * 1"
    inactive_days: 3650
    warn_days: 365
    snooze_days: 3650
    dry_run: true
  export:
    kind: export
    schedule: "0 3 1 * *"
    period: {start: 2000-01-01, end: 2099-12-31}
    chat_ids: [CHAT]
"""


def write(folder: Path, chat: int) -> Path:
    """jobs.yaml with the edges, and the sample templates beside it."""
    shutil.copytree(REPO / "templates", folder / "templates")
    path = folder / "jobs.yaml"
    path.write_text(EDGES.replace("CHAT", str(chat)), encoding="utf-8")
    return path


def test_the_edges_validate_and_schedule(tmp_path: Path) -> None:
    path = write(tmp_path, 1)
    catalogue = validate(path)
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    for job in catalogue.jobs.values():
        assert next_fire_times(job, count=3, now=now), job.name
        latest_fire(job, now, job.catchup)  # what the daemon does at start: no overflow
    result = CliRunner().invoke(main, ["jobs"], env={"PACHCA_RUNNER_CATALOGUE": str(path)})
    assert result.exit_code == 0, result.output
    assert "notice" in result.output


@pytest.mark.parametrize("job", ["notice", "report", "sweep"])
def test_the_edges_run(env, tmp_path: Path, chat_id: int, job: str) -> None:  # noqa: F811
    write(tmp_path, chat_id)
    result = CliRunner().invoke(main, ["run-job", job, "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
