"""The console's rules over a real socket: login, the failed-login limit, roles, CSRF,
and each action (pause/resume, run now, dry run, undo) recorded with who did it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from runner import app
from runner.runtime import Runtime
from runner.server import RunnerServer
from runner.web.auth import LOCKOUT, MAX_FAILURES
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.sweep_support import EMPTY, JOB, Sweep
from tests.waiting import eventually
from tests.web.conftest import (
    CATALOGUE,
    OPERATOR_PASSWORD,
    SECRET,
    VIEWER_PASSWORD,
    Served,
    archived_by_a_sweep,
    csrf_of,
    group_chat,
    log_in,
)


async def test_pages_need_a_login_once_accounts_exist(secured: Served) -> None:
    answer = await secured.http.get("/console/jobs")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=/console/jobs"
    assert (await secured.http.get("/console/runs/1")).status_code == 303
    logged = await log_in(secured.http, "anna", OPERATOR_PASSWORD)
    assert logged.status_code == 303 and logged.headers["location"] == "/console/jobs"
    page = (await secured.http.get("/console/jobs")).text
    assert 'id="me">anna' in page and 'name="pause"' in page and 'name="run"' in page
    token = secured.harness.workspace.bot_token
    assert SECRET not in page and token not in page


async def test_a_login_form_without_its_token_is_refused(secured: Served) -> None:
    answer = await secured.http.post("/console/login", data={
        "name": "anna", "password": OPERATOR_PASSWORD})
    assert answer.status_code == 403
    assert "console_session" not in answer.cookies


async def test_wrong_passwords_lock_the_name(secured: Served) -> None:
    for _ in range(MAX_FAILURES):
        wrong = await log_in(secured.http, "anna", "guess")
        assert wrong.status_code == 401 and "Неверное имя или пароль" in wrong.text
    locked = await log_in(secured.http, "anna", OPERATOR_PASSWORD)
    assert locked.status_code == 429 and "console_session" not in locked.cookies
    # Another name is not locked by anna's failures.
    assert (await log_in(secured.http, "boris", VIEWER_PASSWORD)).status_code == 303


async def test_the_failed_login_limit_outlives_a_restart(
        workspace: WorkspaceServer, tmp_path: Path, users: str) -> None:
    """Failures are counted in the state store: a restarted runner (or another replica
    sharing the store) goes on counting where the last left off."""
    harness = Harness(workspace, tmp_path, env={"NOTICE_TAG": SECRET})
    harness.write_catalogue(CATALOGUE.replace("CHAT", str(group_chat(workspace))))
    settings = harness.settings(console=True, console_users=users)
    first, rest = MAX_FAILURES // 2, MAX_FAILURES - MAX_FAILURES // 2
    for tries in (first, rest):
        async with app.runtime(settings, harness.catalogue(), server=True) as rt, \
                httpx.AsyncClient(base_url=rt.server.url) as http:
            for _ in range(tries):
                assert (await log_in(http, "anna", "guess")).status_code == 401
    async with app.runtime(settings, harness.catalogue(), server=True) as rt:
        async with httpx.AsyncClient(base_url=rt.server.url) as http:
            assert (await log_in(http, "anna", OPERATOR_PASSWORD)).status_code == 429
            assert (await log_in(http, "boris", VIEWER_PASSWORD)).status_code == 303
        # A failure drops those (of any name) older than its window; a success clears.
        state = rt.state.sync
        window = state.login_window(LOCKOUT)
        as_if_later = state.login_window(-LOCKOUT)  # anna's failures all fall out
        await asyncio.to_thread(state.login_failed, "someone", as_if_later)
        assert await asyncio.to_thread(state.login_failures, "anna", window) == 0
        assert await asyncio.to_thread(state.login_failures, "someone", window) == 1
        await asyncio.to_thread(state.login_succeeded, "someone")
        assert await asyncio.to_thread(state.login_failures, "someone", window) == 0


async def test_a_forged_session_cookie_is_not_a_session(secured: Served) -> None:
    secured.http.cookies.set("console_session", '{"u": "anna", "r": "operator"}')
    assert (await secured.http.get("/console/jobs")).status_code == 303


async def test_pause_and_resume_from_the_console_are_recorded(secured: Served) -> None:
    http, state = secured.http, secured.rt.state.sync
    await log_in(http, "anna", OPERATOR_PASSWORD)
    csrf = csrf_of((await http.get("/console/jobs")).text)
    done = await http.post("/console/jobs/notice/pause",
                           data={"csrf": csrf, "reason": "праздники", "next": "/console/jobs"})
    assert done.status_code == 303
    assert (await asyncio.to_thread(state.paused))["notice"].by == "anna"
    page = (await http.get("/console/jobs")).text
    assert "приостановлено: anna" in page and "праздники" in page
    assert 'name="resume"' in page
    history = (await http.get("/console/runs", params={"job": "notice"})).text
    assert "anna</b> приостановил(а)" in history
    await http.post("/console/jobs/notice/resume", data={"csrf": csrf})
    assert await asyncio.to_thread(state.paused) == {}
    assert [e.what for e in await asyncio.to_thread(state.audit, "notice")] == [
        "resume", "pause"]


async def test_an_action_without_the_csrf_token_is_refused(secured: Served) -> None:
    http, state = secured.http, secured.rt.state.sync
    await log_in(http, "anna", OPERATOR_PASSWORD)
    for data in ({}, {"csrf": "forged-token"}):
        refused = await http.post("/console/jobs/notice/pause", data=data)
        assert refused.status_code == 403
        assert "Действие отклонено" in refused.text
    refused = await http.post("/console/jobs/notice/run", data={})
    assert refused.status_code == 403
    assert await asyncio.to_thread(state.paused) == {}
    assert await asyncio.to_thread(state.runs, "notice") == []


async def test_a_viewer_cannot_act(secured: Served) -> None:
    http, state = secured.http, secured.rt.state.sync
    await log_in(http, "boris", VIEWER_PASSWORD)
    page = (await http.get("/console/jobs")).text
    assert 'id="me">boris' in page and 'name="pause"' not in page and 'name="run"' not in page
    csrf = csrf_of(page)  # the logout form's: a viewer has a session token too
    for action in ("pause", "run"):
        refused = await http.post(f"/console/jobs/notice/{action}", data={"csrf": csrf})
        assert refused.status_code == 403 and "только на просмотр" in refused.text
    assert (await http.post("/console/runs/1/undo", data={"csrf": csrf})).status_code == 403
    assert await asyncio.to_thread(state.paused) == {}
    assert await asyncio.to_thread(state.runs, "notice") == []


async def test_run_now_and_dry_run_show_in_the_history(secured: Served) -> None:
    http, state = secured.http, secured.rt.state.sync
    await log_in(http, "anna", OPERATOR_PASSWORD)
    csrf = csrf_of((await http.get("/console/jobs")).text)
    for dry in ("1", "0"):
        started = await http.post("/console/jobs/notice/run", data={"csrf": csrf, "dry": dry})
        assert started.status_code == 303
        assert started.headers["location"] == "/console/runs?job=notice"

    async def finished() -> list[object]:
        audit = await asyncio.to_thread(state.audit, "notice")
        return audit if len(audit) == 2 else []

    await eventually(finished, "both runs to finish", timeout=60)
    runs = await asyncio.to_thread(state.runs, "notice")
    assert sorted(r.dry_run for r in runs) == [False, True]
    assert all(r.status == "succeeded" for r in runs)
    real = next(r for r in runs if not r.dry_run)
    page = (await http.get(f"/console/runs/{real.id}")).text
    assert "anna</b> запустил(а)" in page
    listed = (await http.get("/console/runs", params={"job": "notice"})).text
    assert f'data-run="{real.id}"' in listed and "пробный" in listed


@asynccontextmanager
async def _console(sw: Sweep, users: str) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    """The console over the sweep's catalogue, anna (an operator) logged in."""
    settings = sw.h.settings(console=True, console_users=users)
    async with app.runtime(settings, sw.h.catalogue(), server=True) as rt:
        server = rt.server
        assert isinstance(server, RunnerServer)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            await log_in(http, "anna", OPERATOR_PASSWORD)
            yield rt, http


async def test_undo_from_a_run_page(fresh_workspace: Callable[..., WorkspaceServer],
                                    tmp_path: Path, users: str) -> None:
    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        swept, chats = await archived_by_a_sweep(sw)
        async with _console(sw, users) as (_, http):
            page = (await http.get(f"/console/runs/{swept.run_id}")).text
            assert 'name="undo"' in page and 'data-action="archived"' in page
            undone = await http.post(f"/console/runs/{swept.run_id}/undo",
                                     data={"csrf": csrf_of(page)})
            assert undone.status_code == 303
            assert not any(sw.archived(c) for c in chats)
            page = (await http.get(f"/console/runs/{swept.run_id}")).text
            assert 'data-action="unarchived"' in page
            assert "anna</b> отменил(а) архивацию" in page
            again = await http.post(f"/console/runs/{swept.run_id}/undo",
                                    data={"csrf": csrf_of(page)})
            assert again.status_code == 409 and "уже отменён" in again.text
        with sw.store() as store:
            assert [e.what for e in store.audit(JOB)] == ["undo"]
    finally:
        sw.close()


async def test_run_now_of_a_job_that_says_dry_run_is_a_dry_run(
        fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path, users: str) -> None:
    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        quiet = sw.chat("Старый проект")
        sw.advance(100)
        sw.job(warn_days=0, closing_message=False, dry_run=True)
        mark = sw.mark()
        async with _console(sw, users) as (rt, http):
            csrf = csrf_of((await http.get("/console/jobs")).text)
            # «Run now», not «Dry run»: the job itself says dry_run: true
            started = await http.post(f"/console/jobs/{JOB}/run",
                                      data={"csrf": csrf, "dry": "0"})
            assert started.status_code == 303

            async def finished() -> list[object]:
                runs = await asyncio.to_thread(rt.state.sync.runs, JOB)
                return [r for r in runs if r.status != "running"]

            [run] = await eventually(finished, "the run to finish", timeout=60)
            listed = (await http.get("/console/runs", params={"job": JOB})).text
        assert run.dry_run and "@dry-run:" in run.key and run.status == "succeeded"
        assert run.counts.get("would_archive") == 1
        assert sw.writes(mark) == [] and not sw.archived(quiet)
        assert f'data-run="{run.id}"' in listed and "пробный" in listed
    finally:
        sw.close()


def test_hash_password_prints_an_argon2_hash_the_console_accepts() -> None:
    from click.testing import CliRunner

    from runner.cli import main
    from runner.web.auth import verify

    printed = CliRunner().invoke(main, ["hash-password"], input="s3cret-pw\ns3cret-pw\n")
    assert printed.exit_code == 0, printed.output
    hashed = printed.output.strip().splitlines()[-1]
    assert hashed.startswith("$argon2id$") and verify(hashed, "s3cret-pw")
    assert not verify(hashed, "other")


def test_a_bad_account_entry_is_named() -> None:
    import pytest

    from runner.errors import SettingsError
    from runner.settings import Settings
    from runner.web.auth import accounts

    for entry, said in (("anna:boss:$argon2id$x", "role 'boss'"),
                        ("anna:operator:plain", "not an argon2 or bcrypt hash"),
                        ("anna", "is not name:role:hash")):
        with pytest.raises(SettingsError, match=said):
            accounts(Settings(console_users=entry))
    both = Settings(console_users="admin:viewer:$argon2id$x", console_password="pw")
    with pytest.raises(SettingsError, match="keep one of them"):
        accounts(both)
