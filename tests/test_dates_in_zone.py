"""What people read is dated in the job's zone: the report posted to a chat, and what
``history`` and ``undo`` print for the operator (as ``jobs`` and ``plan`` do)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from runner.cli import main
from runner.workspace import WorkspaceServer
from tests.jobs.sweep_support import EMPTY, Sweep

# 21:26 UTC on 4 December is 00:26 on 5 December in Moscow.
LATE = "2026-12-04T21:26:00+00:00"


def test_a_sweep_just_after_midnight_is_dated_the_new_day_everywhere(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    sw = Sweep.make(fresh_workspace(**{**EMPTY, "start_time": LATE}), tmp_path)
    try:
        old = sw.chat("Старый проект")
        reports = sw.chat("Отчёты уборки")
        sw.advance(91)  # the same wall time, 91 days on: 00:26 MSK on 6 March
        sw.say(reports)
        sw.job(warn_days=0, closing_message=False, report_chat_id=reports)

        swept = asyncio.run(sw.run())

        assert swept.status == "succeeded", swept.error
        assert sw.archived(old)
        [report] = [m.content for m in sw.bot_messages(reports)]
        assert "(6 марта 2027)" in report

        env = {"PACHCA_TOKEN": sw.ws.bot_token, "PACHCA_BASE_URL": sw.ws.base_url,
               "PACHCA_RUNNER_STATE_URL": f"sqlite:///{sw.h.tmp / 'state.db'}",
               "PACHCA_RUNNER_CATALOGUE": str(sw.h.tmp / "jobs.yaml")}
        history = CliRunner().invoke(main, ["history"], env=env, catch_exceptions=False)
        # The fire the run stands for (the workspace clock runs on, hence no seconds).
        assert re.search(r"2027-03-06 00:2\d:\d\d MSK", history.output), history.output
        assert "UTC" not in history.output

        undo = CliRunner().invoke(main, ["undo", str(swept.run_id)], env=env, input="n\n",
                                  catch_exceptions=False)
        assert "MSK)" in undo.output and "UTC" not in undo.output
    finally:
        sw.close()


def test_a_sweeps_own_lines_date_a_warning_just_after_midnight_the_new_day(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    sw = Sweep.make(fresh_workspace(**{**EMPTY, "start_time": LATE}), tmp_path)
    try:
        sw.chat("Старый проект")
        sw.advance(91)  # 00:26 MSK on 6 March 2027, 21:26 UTC on 5 March
        sw.job(warn_days=7, closing_message=False)

        warned = asyncio.run(sw.run())
        assert warned.status == "succeeded", warned.error
        assert warned.report.counts["warned"] == 1
        looked = asyncio.run(sw.run(dry_run=True))  # what the operator reads next

        assert ("waiting «Старый проект»: warned on 2027-03-06, archive due on 2027-03-13"
                in looked.report.lines), looked.report.lines
    finally:
        sw.close()
