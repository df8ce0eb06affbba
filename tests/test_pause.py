"""Pausing a job: the CLI's pause/resume, what `jobs` shows, and the daemon's fires
skipping a paused job (asked at each fire, so a pause from elsewhere needs no reload)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from runner import app
from runner.cli import main
from runner.scheduler import Daemon
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.web.conftest import group_chat

CATALOGUE = """
timezone: Europe/Moscow
jobs:
  note:
    kind: message
    schedule: "0 10 * * *"
    to: {chats: [CHAT]}
    text: Заметка
"""


def harness_for(workspace: WorkspaceServer, tmp_path: Path) -> Harness:
    harness = Harness(workspace, tmp_path)
    harness.write_catalogue(CATALOGUE.replace("CHAT", str(group_chat(workspace))))
    return harness


def cli_env(harness: Harness) -> dict[str, str]:
    settings = harness.settings()
    return {"PACHCA_RUNNER_CATALOGUE": str(settings.catalogue),
            "PACHCA_RUNNER_STATE_URL": settings.state_url, "PACHCA_RUNNER_LANG": "en"}


def test_pause_and_resume_from_the_cli(workspace: WorkspaceServer, tmp_path: Path) -> None:
    harness = harness_for(workspace, tmp_path)
    env = cli_env(harness)
    runner = CliRunner()
    listed = runner.invoke(main, ["jobs"], env=env)
    assert listed.exit_code == 0 and "paused" not in listed.output
    assert not (tmp_path / "state.db").exists()  # listing jobs creates no store
    paused = runner.invoke(main, ["pause", "note", "--reason", "отпуск"], env=env)
    assert paused.exit_code == 0, paused.output
    listed = runner.invoke(main, ["jobs"], env=env)
    assert "paused by" in listed.output and "отпуск" in listed.output
    state = app.open_state(harness.settings())
    try:
        [entry] = state.audit("note")
        assert entry.what == "pause" and entry.detail == "отпуск" and "@" in entry.who
    finally:
        state.close()
    assert runner.invoke(main, ["resume", "note"], env=env).exit_code == 0
    assert "paused" not in runner.invoke(main, ["jobs"], env=env).output
    again = runner.invoke(main, ["resume", "note"], env=env)
    assert again.exit_code == 1 and "was not paused" in again.output
    unknown = runner.invoke(main, ["pause", "nope"], env=env)
    assert unknown.exit_code == 2


async def test_a_paused_job_is_not_fired_and_resume_brings_it_back(
        workspace: WorkspaceServer, tmp_path: Path) -> None:
    harness = harness_for(workspace, tmp_path)
    settings = harness.settings()
    fire = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    later = datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    async with app.runtime(settings, harness.catalogue()) as rt:
        daemon = Daemon(rt)
        daemon.load(rt.catalogue)
        # Paused from outside the daemon (the CLI, another replica): no reload needed.
        await asyncio.to_thread(app.set_paused, settings, "note", paused=True, who="anna")
        await daemon._fire("note", fire)
        assert await asyncio.to_thread(rt.state.sync.runs, "note") == []
        await asyncio.to_thread(app.set_paused, settings, "note", paused=False, who="anna")
        await daemon._fire("note", later)
        [run] = await asyncio.to_thread(rt.state.sync.runs, "note")
        assert run.status == "succeeded" and run.scheduled_for == later
