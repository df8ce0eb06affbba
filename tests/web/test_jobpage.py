"""The page of one job, and the progress of a long run started from the console: it is
in the history while it goes, with how far it got and what it has done so far, and its
pages reload themselves until it ends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from runner import app
from runner.runtime import shifted_clock
from runner.server import RunnerServer
from runner.state.progress import PROGRESS
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.sweep_support import EMPTY, JOB, Sweep
from tests.waiting import eventually
from tests.web.conftest import (
    CATALOGUE,
    OPERATOR_PASSWORD,
    SECRET,
    VIEWER_PASSWORD,
    csrf_of,
    group_chat,
    log_in,
    quiet_sweep,
    sweep_console,
)

REFRESH = '<meta http-equiv="refresh"'
NEW_YEAR = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)
"""Russia's New Year holidays lie ahead: the job page marks the weekdays skipped."""


async def test_job_page_shows_the_job_its_runs_its_pause_and_its_actions(
        workspace: WorkspaceServer, tmp_path: Path, users: str) -> None:
    harness = Harness(workspace, tmp_path, env={"NOTICE_TAG": SECRET})
    harness.write_catalogue(CATALOGUE.replace("CHAT", str(group_chat(workspace))))
    settings = harness.settings(console=True, console_users=users)
    async with app.runtime(settings, harness.catalogue(), server=True,
                           clock=shifted_clock(NEW_YEAR)) as rt:
        server = rt.server
        assert isinstance(server, RunnerServer)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            await log_in(http, "anna", OPERATOR_PASSWORD)
            jobs = (await http.get("/console/jobs")).text
            assert 'href="/console/jobs/notice"' in jobs  # each name leads to its page
            page = (await http.get("/console/jobs/notice")).text
            assert "Уведомление для" in page and SECRET not in page
            assert "В 09:00 с понедельника по пятницу, только в рабочие дни (RU)" in page
            assert page.count('class="fire"') == 5
            assert "2027-01-01</s> пропуск: праздник" in page  # before the next fire
            assert "ещё не запускалось" in page and "Операторы с этим заданием" in page
            assert 'href="/console/preview/notice"' in page
            assert 'name="run"' in page and 'name="pause"' in page

            csrf = csrf_of(page)
            await http.post("/console/jobs/notice/pause", data={
                "csrf": csrf, "reason": "инвентаризация", "next": "/console/jobs/notice"})
            started = await http.post("/console/jobs/notice/run", data={"csrf": csrf})
            assert started.status_code == 303

            async def ran() -> str | None:
                # The action is recorded once the run ended; a page read in between may
                # list the run as still going, so wait for both.
                shown = (await http.get("/console/jobs/notice")).text
                return shown if "запустил(а)" in shown and "успешно" in shown else None

            page = await eventually(ran, "the run recorded on the job page")
            state_cell = page.split('id="state"', 1)[1].split("</dd>", 1)[0]
            assert "приостановлено: anna" in state_cell and "причина: инвентаризация" in state_cell
            assert 'name="resume"' in page and 'name="pause"' not in page
            [run] = await asyncio.to_thread(rt.state.sync.runs, "notice")
            assert f'data-run="{run.id}"' in page and "успешно" in page
            assert "anna</b> приостановил(а)" in page and ": инвентаризация" in page
            assert REFRESH not in page  # nothing runs: the page stays still

            assert (await http.get("/console/jobs/nope")).status_code == 404
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as viewer:
            await log_in(viewer, "boris", VIEWER_PASSWORD)
            page = (await viewer.get("/console/jobs/notice")).text
            assert "приостановлено: anna" in page and 'name="resume"' not in page


async def test_a_long_run_shows_its_progress_while_it_goes(
        fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path, users: str) -> None:
    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        chats = quiet_sweep(sw)
        async with sweep_console(sw, users) as rt:
            assert rt.server is not None
            async with httpx.AsyncClient(base_url=rt.server.url, timeout=30) as http:
                await log_in(http, "anna", OPERATOR_PASSWORD)
                csrf = csrf_of((await http.get(f"/console/jobs/{JOB}")).text)
                # The second archiving waits at Pachca's door until the test lets it in.
                sw.control("POST", "hold", json={"after_writes": 1})
                await http.post(f"/console/jobs/{JOB}/run", data={"csrf": csrf})
                held = await eventually(
                    lambda: asyncio.to_thread(lambda: sw.control("GET", "hold")["held"]),
                    "the second archiving held")
                assert held

                async def progressed() -> str | None:
                    shown = (await http.get("/console/runs", params={"job": JOB})).text
                    return shown if "архивация: 1 из 3" in shown else None

                history = await eventually(progressed, "the run's progress in the history")
                assert "идёт" in history and REFRESH in history
                assert 'data-effect="archived">архивировано чатов: 1' in history
                [run] = await asyncio.to_thread(rt.state.sync.runs, JOB)
                assert run.status == "running"
                page = (await http.get(f"/console/runs/{run.id}")).text
                assert REFRESH in page and 'id="progress"' in page
                assert page.count('data-action="archived"') == 1  # the chat done so far
                job_page = (await http.get(f"/console/jobs/{JOB}")).text
                assert REFRESH in job_page and "архивация: 1 из 3" in job_page

                sw.control("POST", "hold", json={"release": "pass"})

                async def ended() -> str | None:
                    shown = (await http.get(f"/console/runs/{run.id}")).text
                    return shown if "успешно" in shown else None

                page = await eventually(ended, "the run to end")
                assert REFRESH not in page and 'id="progress"' not in page
                assert page.count('data-action="archived"') == 3
                assert all(sw.archived(c) for c in chats)

                async def cleared() -> bool:
                    left = await asyncio.to_thread(rt.state.sync.get_value, JOB, PROGRESS + run.key)
                    return left is None

                await eventually(cleared, "the progress report removed")
    finally:
        sw.close()
