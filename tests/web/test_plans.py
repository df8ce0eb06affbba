"""Sweep plans in the console: the plan with its reasons, approval by an operator, and
the next run applying exactly the approved plan (a chat that changed since is skipped
with the reason); ``require_approval`` keeps an unapproved sweep from changing anything."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from runner import app
from runner.server import RunnerServer
from runner.workspace import WorkspaceServer
from tests.jobs.sweep_support import EMPTY, JOB, Sweep
from tests.web.conftest import OPERATOR_PASSWORD, VIEWER_PASSWORD, csrf_of, log_in


@asynccontextmanager
async def console_of(sw: Sweep, users: str) -> AsyncIterator[httpx.AsyncClient]:
    from runner.runtime import shifted_clock

    settings = sw.h.settings(console=True, console_users=users)
    # The console scans as of the workspace's clock, as the sweep's runs here do.
    async with app.runtime(settings, sw.h.catalogue(), server=True,
                           clock=shifted_clock(sw.now())) as rt:
        server = rt.server
        assert isinstance(server, RunnerServer)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            yield http


MSK = ZoneInfo("Europe/Moscow")


def quiet_chats(sw: Sweep, n: int) -> list[int]:
    chats = [sw.chat(f"Старый проект {i}") for i in range(n)]
    sw.advance(100)
    return chats


async def test_an_approved_plan_is_applied_exactly(
        fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path, users: str) -> None:
    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        busy = sw.chat("Живой чат")
        planned = quiet_chats(sw, 3)
        sw.say(busy)
        sw.job(warn_days=0, closing_message=False, require_approval=True)
        async with console_of(sw, users) as http:
            await log_in(http, "anna", OPERATOR_PASSWORD)
            page = (await http.get(f"/console/plans/{JOB}")).text
            for chat in planned:
                assert f'data-chat="{chat}" data-verb="archive"' in page
            assert "require_approval" in page
            made = page.split('name="made" value="', 1)[1].split('"', 1)[0]
            before = datetime.now(MSK)
            approved = await http.post(f"/console/plans/{JOB}/approve",
                                       data={"csrf": csrf_of(page), "made": made})
            after = datetime.now(MSK)
            assert approved.status_code == 303
            page = (await http.get(f"/console/plans/{JOB}")).text
            assert 'id="approval"' in page and "anna" in page
            # when it was approved, on the job's wall clock (Moscow), not UTC's
            line = page.split('id="approval"', 1)[1].split("</p>", 1)[0]
            assert any(f"{t:%Y-%m-%d %H:%M}" in line for t in (before, after)), line
            listed = (await http.get("/console/plans")).text
            assert any(f"{t:%Y-%m-%d %H:%M}" in listed for t in (before, after)), listed
            assert f'data-chat="{busy}"' not in page  # active when the plan was made
        # After the approval: someone writes in one planned chat, and time passes until
        # the busy chat is quiet too, due now but never in the plan.
        sw.advance(100)
        sw.say(planned[0])
        late = busy
        outcome = await sw.run()
        assert outcome.status == "succeeded", outcome.error
        assert not sw.archived(planned[0])  # changed since the plan: skipped
        assert sw.archived(planned[1]) and sw.archived(planned[2])
        assert not sw.archived(late)
        assert any("changed since the plan" in line for line in outcome.report.lines)
        # The approval was for one run: the next one, unapproved, changes nothing.
        sw.advance(100)
        again = await sw.run()
        assert again.status == "succeeded" and not sw.archived(late)
        assert any("require_approval" in line for line in again.report.lines)
    finally:
        sw.close()


async def test_approval_needs_an_operator_the_token_and_the_plan_read(
        fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path, users: str) -> None:
    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        quiet_chats(sw, 1)
        sw.job(warn_days=0, closing_message=False)
        async with console_of(sw, users) as http:
            await log_in(http, "boris", VIEWER_PASSWORD)
            page = (await http.get(f"/console/plans/{JOB}")).text
            assert 'name="approve"' not in page
            viewer = await http.post(f"/console/plans/{JOB}/approve",
                                     data={"csrf": csrf_of(page), "made": ""})
            assert viewer.status_code == 403
            http.cookies.clear()
            await log_in(http, "anna", OPERATOR_PASSWORD)
            page = (await http.get(f"/console/plans/{JOB}")).text
            assert (await http.post(f"/console/plans/{JOB}/approve",
                                    data={"made": "x"})).status_code == 403
            stale = await http.post(f"/console/plans/{JOB}/approve",
                                    data={"csrf": csrf_of(page), "made": "2020-01-01T00:00:00"})
            assert stale.status_code == 409
        with sw.store() as store:
            assert store.get_value(JOB, "approved_plan") is None
    finally:
        sw.close()


