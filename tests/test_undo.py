"""``pachca-runner undo RUN_ID``: a sweep's archiving undone over HTTP, recorded once,
refused when there is nothing (more) to undo, and respected by the next sweep."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from runner.cli import main
from runner.state import StateStore
from runner.workspace import WorkspaceServer
from tests.jobs.sweep_support import EMPTY, Sweep


def _undo(sw: Sweep, *args: str, answer: str | None = None) -> Result:
    env = {
        "PACHCA_TOKEN": sw.ws.bot_token,
        "PACHCA_BASE_URL": sw.ws.base_url,
        "PACHCA_RUNNER_STATE_URL": f"sqlite:///{sw.h.tmp / 'state.db'}",
        "PACHCA_RUNNER_CATALOGUE": str(sw.h.tmp / "jobs.yaml"),
    }
    return CliRunner().invoke(main, ["undo", *args], env=env, input=answer,
                              catch_exceptions=False)


def test_undo_brings_back_what_a_sweep_archived_once(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        chats = [sw.chat(f"Старый проект {i}") for i in range(3)]
        busy = sw.chat("Живой чат")
        sw.advance(100)
        sw.say(busy)
        sw.job(warn_days=0, closing_message=False)
        swept = asyncio.run(sw.run())
        assert swept.report.counts["archived"] == 3 and all(sw.archived(c) for c in chats)
        assert swept.run_id is not None
        run = str(swept.run_id)

        # It shows what it would bring back and asks; "no" changes nothing.
        mark = sw.mark()
        declined = _undo(sw, run, answer="n\n")
        assert declined.exit_code == 1
        for i in range(3):
            assert f"«Старый проект {i}»" in declined.output
        assert "«Живой чат»" not in declined.output
        assert "Nothing was changed." in declined.output
        assert all(sw.archived(c) for c in chats) and sw.writes(mark) == []

        done = _undo(sw, run, "--yes")
        assert done.exit_code == 0, done.output
        assert "3 chat(s) unarchived" in done.output
        assert "leaves these chats alone for 90 days (its inactive_days)" in done.output
        assert "may archive them again without a warning (warn_days is 0)" in done.output
        assert not any(sw.archived(c) for c in chats)
        assert sorted(sw.writes(mark)) == sorted(("PUT", f"/chats/{c}/unarchive") for c in chats)
        assert sw.actions("unarchived") == {c: 1 for c in chats}
        assert all(sw.chat_state(c).unarchived_at is not None for c in chats)  # type: ignore[union-attr]

        # Again: refused, nothing sent, nothing recorded twice.
        mark = sw.mark()
        again = _undo(sw, run, "--yes")
        assert again.exit_code == 2
        assert f"error: run {run} was already undone: 3 chat(s) unarchived on" in again.output
        assert sw.writes(mark) == [] and sw.actions("unarchived") == {c: 1 for c in chats}

        # The next sweep leaves the chats it was told it got wrong alone.
        sw.advance(1)
        mark = sw.mark()
        later = asyncio.run(sw.run())
        assert later.status == "succeeded", later.error
        assert later.report.counts["skipped:unarchived"] == 3
        assert sw.archive_puts(mark) == {}

        # A run that archived nothing, a run of another kind, a run that does not exist.
        nothing = _undo(sw, str(later.run_id), "--yes")
        assert nothing.exit_code == 2
        assert "archived no chat: nothing to undo" in nothing.output
        with StateStore(f"sqlite:///{tmp_path / 'state.db'}", replica="probe") as store:
            handle = store.claim("reminder", "reminder@manual:1", kind="message",
                                 scheduled_for=None, lease=30)
            assert handle is not None
            store.finish(handle, "succeeded", counts={"posted": 1}, lines=[], error=None)
        other = _undo(sw, str(handle.run_id), "--yes")
        assert other.exit_code == 2
        assert "is a message run of 'reminder', not a sweep" in other.output
        missing = _undo(sw, "9999", "--yes")
        assert missing.exit_code == 2 and "no run 9999 in the history" in missing.output
    finally:
        sw.close()
