"""The console in a real browser: headless Chromium from Debian's packages, driven by
Playwright for Python (never Playwright's own browser download). These tests also take
the screenshots the README shows: into each test's folder by default, and into docs/
with ``PACHCA_RUNNER_SCREENSHOTS=docs`` (how to refresh them: the README's console
section), so an ordinary test run never dirties the checkout."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from runner import app
from runner.catalogue.models import JOB_NAME_MAX
from runner.scheduler import Daemon
from runner.server import RunnerServer
from runner.workspace import WorkspaceServer
from tests.harness import REPO, Harness
from tests.jobs.sweep_support import EMPTY, Sweep
from tests.waiting import eventually
from tests.web.conftest import (
    OPERATOR_PASSWORD,
    SECRET,
    VIEWER_PASSWORD,
    Served,
    archived_by_a_sweep,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SCREENSHOTS_ENV = "PACHCA_RUNNER_SCREENSHOTS"
"""Set to ``docs`` to refresh the screenshots the README shows (docs/console-*.png)."""

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
    reason="no chromium (apt-get install chromium; .ci/run installs it)")


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: ``docs/`` when ``PACHCA_RUNNER_SCREENSHOTS=docs`` asks for
    fresh ones, else the test's own folder (a test run leaves the checkout clean)."""
    wanted = os.environ.get(SCREENSHOTS_ENV, "")
    if wanted not in ("", "docs"):
        raise pytest.UsageError(f"{SCREENSHOTS_ENV}={wanted!r}: set it to 'docs' or unset it")
    if wanted == "docs":
        return REPO / "docs"
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def no_secret(page: Any, *secrets: str) -> None:
    """The page's whole HTML holds none of ``secrets``."""
    html = await page.content()
    for secret in secrets:
        assert secret not in html, page.url


async def log_in(page: Any, base: str, name: str, password: str) -> None:
    await page.goto(base + "/console/jobs")
    assert "/console/login" in page.url  # sent to the login page
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", password)
    await page.click("form.login button")
    await page.wait_for_url("**/console/jobs")


async def test_jobs_page_lists_the_sample_catalogue(
        browser: Any, workspace: WorkspaceServer, tmp_path: Path, shots: Path) -> None:
    harness = Harness(workspace, tmp_path)
    harness.write_catalogue((REPO / "jobs.yaml").read_text(encoding="utf-8"))
    catalogue = harness.catalogue()
    settings = harness.settings(console=True)
    async with app.runtime(settings, catalogue, server=True) as rt:
        base = rt.server.url
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(base + "/")
        assert page.url.endswith("/console/jobs")
        for job in catalogue.jobs.values():
            row = page.locator(f'tr[data-job="{job.name}"]')
            assert await row.count() == 1, job.name
            fires = await row.locator(".fire").count()
            assert (fires == 3) is job.enabled, job.name
        assert await page.locator("text=только чтение").count() == 1
        await no_secret(page, workspace.bot_token, workspace.owner_token)
        await page.screenshot(path=str(shots / "console-jobs.png"), full_page=True)
        phone = await browser.new_page(viewport={"width": 390, "height": 844})
        await phone.goto(base + "/console/jobs")
        await phone.screenshot(path=str(shots / "console-phone.png"))
        await phone.click("#lang")  # the English switch
        assert await phone.locator("text=never ran").count() > 0


async def test_an_operator_pauses_resumes_and_runs_a_job(browser: Any, secured: Served,
                                                         shots: Path) -> None:
    rt, base = secured.rt, secured.server.url
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await log_in(page, base, "anna", OPERATOR_PASSWORD)
    row = page.locator('tr[data-job="notice"]')
    await row.locator("input[name=reason]").fill("инвентаризация")
    await row.locator("button[name=pause]").click()
    await page.wait_for_load_state()
    assert "приостановлено: anna" in await row.inner_text()

    # The daemon's fire is skipped while paused, and runs again once resumed.
    daemon = Daemon(rt)
    daemon.load(rt.catalogue)
    zone = ZoneInfo("Europe/Moscow")
    await daemon._fire("notice", datetime(2026, 12, 7, 9, 0, tzinfo=zone))
    assert await asyncio.to_thread(rt.state.sync.runs, "notice") == []
    await row.locator("button[name=resume]").click()
    await page.wait_for_load_state()
    assert "приостановлено" not in await row.inner_text()
    await daemon._fire("notice", datetime(2026, 12, 8, 9, 0, tzinfo=zone))
    [fired] = await asyncio.to_thread(rt.state.sync.runs, "notice")
    assert fired.status == "succeeded"

    # Run now: the new run shows in the history.
    await row.locator("button[name=run]").click()
    await page.click("form.confirm button[name=run]")  # asked first: yes
    await page.wait_for_url("**/console/runs?job=notice")

    async def two_rows() -> bool:
        await page.reload()
        return await page.locator("tr[data-run]").count() == 2

    await eventually(two_rows, "the new run in the history", timeout=60)
    await no_secret(page, SECRET, secured.harness.workspace.bot_token)
    await page.screenshot(path=str(shots / "console-runs.png"), full_page=True)
    await page.locator("tr[data-run] a").first.click()
    await page.wait_for_url("**/console/runs/*")
    assert "anna" in await page.inner_text("#audit")
    await no_secret(page, SECRET, secured.harness.workspace.bot_token)


async def test_a_viewer_cannot_act_and_a_form_without_its_token_is_refused(
        browser: Any, secured: Served) -> None:
    base, state = secured.server.url, secured.rt.state.sync
    viewer = await (await browser.new_context()).new_page()
    await log_in(viewer, base, "boris", VIEWER_PASSWORD)
    assert await viewer.locator("button[name=pause]").count() == 0
    assert await viewer.locator("button[name=run]").count() == 0

    operator = await (await browser.new_context()).new_page()
    await log_in(operator, base, "anna", OPERATOR_PASSWORD)
    form = operator.locator('tr[data-job="notice"] form[action$="/pause"]')
    await form.locator("input[name=csrf]").evaluate("e => e.remove()")
    await form.locator("button[name=pause]").click()
    await operator.wait_for_load_state()
    assert "Действие отклонено" in await operator.inner_text("main")
    assert await asyncio.to_thread(state.paused) == {}
    await no_secret(operator, SECRET, secured.harness.workspace.bot_token)


async def test_undo_from_a_run_page_in_the_browser(
        browser: Any, fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path,
        users: str, shots: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")  # a Russian team's runner: its run lines
    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        swept, chats = await archived_by_a_sweep(sw)
        settings = sw.h.settings(console=True, console_users=users)
        async with app.runtime(settings, sw.h.catalogue(), server=True) as rt:
            server = rt.server
            assert isinstance(server, RunnerServer)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await log_in(page, server.url, "anna", OPERATOR_PASSWORD)
            await page.goto(f"{server.url}/console/runs/{swept.run_id}")
            await page.click("button[name=undo]")
            await page.click("form.confirm button[name=undo]")  # asked first: yes
            await page.wait_for_url(f"**/console/runs/{swept.run_id}")
            assert not any(sw.archived(c) for c in chats)
            assert await page.locator('tr[data-action="unarchived"]').count() == 2
            # Undone: no second undo offered, and everything on the page in Russian.
            assert await page.locator("button[name=undo]").count() == 0
            main = await page.inner_text("main")
            assert "заархивировано: 2" in main and "archived:" not in main
            assert f"«Старый проект 0» ({chats[0]})" in main
            assert "возвращено из архива чатов: 2" in main, main
            await page.screenshot(path=str(shots / "console-run.png"), full_page=True)
            await no_secret(page, sw.ws.bot_token)
            async with httpx.AsyncClient() as http:  # the server is still the one answering
                assert (await http.get(server.url + "/healthz")).status_code == 200
    finally:
        sw.close()


async def test_a_plan_approved_in_the_browser_archives_exactly_the_planned_chats(
        browser: Any, fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path,
        users: str, shots: Path) -> None:
    from runner.runtime import shifted_clock

    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        busy = sw.chat("Живой чат")
        planned = [sw.chat(f"Старый проект {i}") for i in range(2)]
        sw.advance(100)
        sw.say(busy)
        sw.job(warn_days=0, closing_message=False, require_approval=True)
        settings = sw.h.settings(console=True, console_users=users)
        async with app.runtime(settings, sw.h.catalogue(), server=True,
                               clock=shifted_clock(sw.now())) as rt:
            server = rt.server
            assert isinstance(server, RunnerServer)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await log_in(page, server.url, "anna", OPERATOR_PASSWORD)
            await page.click("text=Планы уборки")
            await page.click("#sweeps a")
            rows = page.locator('tr[data-verb="archive"]')
            assert sorted([int(await rows.nth(i).get_attribute("data-chat"))
                           for i in range(await rows.count())]) == sorted(planned)
            await page.screenshot(path=str(shots / "console-plan.png"), full_page=True)
            await page.click("button[name=approve]")
            await page.wait_for_selector("#approval")
        sw.advance(100)  # the busy chat is quiet now too, but it is not in the plan
        outcome = await sw.run()
        assert outcome.status == "succeeded", outcome.error
        assert all(sw.archived(c) for c in planned) and not sw.archived(busy)
    finally:
        sw.close()


async def test_no_secret_in_any_page_an_operator_can_reach(
        browser: Any, workspace: WorkspaceServer, tmp_path: Path, users: str) -> None:
    """Every console page linked from the Jobs page, and from those pages in turn, after
    a run and a dry run, and a draft checked that holds the secret too."""
    from tests.web.conftest import CATALOGUE, group_chat

    webhook_secret = "whsec-console-5519"
    harness = Harness(workspace, tmp_path, env={"NOTICE_TAG": SECRET})
    harness.write_catalogue(CATALOGUE.replace("CHAT", str(group_chat(workspace))))
    settings = harness.settings(console=True, console_users=users,
                                webhook_secret=webhook_secret)
    secrets = (SECRET, webhook_secret, workspace.bot_token, workspace.owner_token,
               OPERATOR_PASSWORD)
    async with app.runtime(settings, harness.catalogue(), server=True) as rt:
        base = rt.server.url
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await log_in(page, base, "anna", OPERATOR_PASSWORD)
        row = page.locator('tr[data-job="notice"]')
        await row.locator("button[name=dry-run]").click()
        await page.wait_for_url("**/console/runs?job=notice")
        await page.goto(base + "/console/jobs")
        await row.locator("button[name=run]").click()
        await page.click("form.confirm button[name=run]")  # asked first: yes
        await page.wait_for_url("**/console/runs?job=notice")

        async def both_ran() -> bool:
            runs = await asyncio.to_thread(rt.state.sync.runs, "notice")
            return len(runs) == 2 and all(r.status != "running" for r in runs)

        await eventually(both_ran, "the run and the dry run to end")
        seen: set[str] = set()
        todo = ["/console/jobs"]
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            await page.goto(base + path)
            await no_secret(page, *secrets)
            for href in await page.eval_on_selector_all(
                    "a[href^='/console/']", "links => links.map(a => a.getAttribute('href'))"):
                if "/lang/" not in href and "/files/" not in href:
                    todo.append(href)
        assert {"/console/jobs/notice", "/console/preview/notice", "/console/health",
                "/console/catalogue", "/console/plans"} <= seen
        # Both runs, and the dry runs the preview made on the way.
        assert sum(p.startswith("/console/runs/") for p in seen) >= 2
        await page.goto(base + "/console/catalogue")
        await page.fill("textarea[name=draft]", (tmp_path / "jobs.yaml").read_text(
            encoding="utf-8").replace("Уведомление", "Новое уведомление"))
        await page.click("button[name=check]")
        await page.wait_for_selector("#result")
        await no_secret(page, *secrets)


async def test_a_running_run_shows_its_progress_and_its_page_reloads_itself(
        browser: Any, fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path,
        users: str, shots: Path) -> None:
    """Run now from the job's page; while the sweep is held mid-way its run page shows
    how far it got, and it reloads itself (no script) until the run has ended."""
    from tests.jobs.sweep_support import JOB
    from tests.web.conftest import quiet_sweep, sweep_console

    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        chats = quiet_sweep(sw)
        async with sweep_console(sw, users) as rt:
            assert rt.server is not None
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await log_in(page, rt.server.url, "anna", OPERATOR_PASSWORD)
            await page.click(f'tr[data-job="{JOB}"] a.job')
            await page.wait_for_url(f"**/console/jobs/{JOB}")
            await page.screenshot(path=str(shots / "console-job.png"), full_page=True)
            sw.control("POST", "hold", json={"after_writes": 1})  # the second archiving waits
            await page.click("button[name=run]")
            await page.click("form.confirm button[name=run]")  # asked first: yes
            await page.wait_for_url(f"**/console/runs?job={JOB}")
            await eventually(
                lambda: asyncio.to_thread(lambda: sw.control("GET", "hold")["held"]),
                "the second archiving held")
            run = page.locator("tr[data-run] a").first
            await run.click()
            await page.wait_for_url("**/console/runs/*")
            await page.wait_for_selector("#progress >> text=архивация: 1 из 3")
            assert await page.locator('tr[data-action="archived"]').count() == 1
            await page.screenshot(path=str(shots / "console-progress.png"), full_page=True)
            sw.control("POST", "hold", json={"release": "pass"})
            # No reload by the test: the page's own refresh brings the end.
            await page.wait_for_selector("#outcome >> text=успешно", timeout=60_000)
            assert await page.locator("#progress").count() == 0
            assert await page.locator('tr[data-action="archived"]').count() == 3
            assert all(sw.archived(c) for c in chats)
    finally:
        sw.close()


# The longest name a catalogue may give a job.
LONG_NAME = ("a-very-long-job-name-" + "that-goes-on-" * 8)[:JOB_NAME_MAX - 3] + "end"
NARROW_CATALOGUE = f"""
timezone: Europe/Moscow
jobs:
  {LONG_NAME}:
    kind: message
    description: "Описание без пробелов: {'а' * 120}"
    schedule: "0 9 * * 1-5"
    to: {{chats: [CHAT]}}
    text: "Доброе утро"
"""


async def test_long_names_and_words_fit_a_phone(
        browser: Any, workspace: WorkspaceServer, tmp_path: Path) -> None:
    from tests.web.conftest import group_chat

    harness = Harness(workspace, tmp_path)
    harness.write_catalogue(NARROW_CATALOGUE.replace("CHAT", str(group_chat(workspace))))
    async with app.runtime(harness.settings(console=True), harness.catalogue(),
                           server=True) as rt:
        phone = await browser.new_page(viewport={"width": 390, "height": 844})
        for path in ("/console/jobs", "/console/runs", f"/console/jobs/{LONG_NAME}"):
            await phone.goto(rt.server.url + path)
            wide = await phone.evaluate("document.documentElement.scrollWidth")
            assert wide <= 390, (path, wide)  # no sideways scrolling on a phone
        laptop = await browser.new_page(viewport={"width": 1280, "height": 900})
        await laptop.goto(rt.server.url + "/console/jobs")
        hidden = await laptop.evaluate(
            "(() => { const s = document.querySelector('.scroll');"
            " return s.scrollWidth - s.clientWidth; })()")
        assert hidden <= 0, hidden  # every column in sight, the state's buttons too
