"""The console as a non-developer reads it: every word in the page's language (texts
made for the page too, not only its labels), no raw keys where words are expected, and
the error pages of the console's own, over a real socket."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from runner import app
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.sweep_support import EMPTY, JOB, Sweep
from tests.web.conftest import (
    CATALOGUE,
    OPERATOR_PASSWORD,
    Served,
    archived_by_a_sweep,
    group_chat,
    log_in,
)
from tests.web.test_plans import console_of, quiet_chats


def reasons(page: str) -> list[str]:
    """The plan's reasons column, cell by cell."""
    rows = page.split('id="plan"', 1)[1].split("</table>", 1)[0]
    cells = rows.split('data-label="Почему">' if "Почему" in rows else 'data-label="Why">')
    return [cell.split("</td>", 1)[0] for cell in cells[1:]]


async def test_a_plan_gives_its_reasons_in_the_readers_language(
        fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path, users: str) -> None:
    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        quiet_chats(sw, 2)
        sw.job(warn_days=0, closing_message=False)
        async with console_of(sw, users) as http:
            await log_in(http, "anna", OPERATOR_PASSWORD)
            russian = reasons((await http.get(f"/console/plans/{JOB}")).text)
            assert len(russian) == 2
            assert all("сообщений нет" in why for why in russian), russian
            http.cookies.set("console_lang", "en")
            english = reasons((await http.get(f"/console/plans/{JOB}")).text)
            assert all("no messages for" in why for why in english), english
    finally:
        sw.close()


def section(page: str, heading: str) -> str:
    """The list that follows the heading ``heading``."""
    return page.split(f"<h2>{heading}</h2>", 1)[1].split("</ul>", 1)[0]


async def test_a_preview_tells_what_it_did_in_the_readers_language(served: Served) -> None:
    russian = section((await served.http.get("/console/preview/notice")).text, "Что сделано")
    served.http.cookies.set("console_lang", "en")
    english = section((await served.http.get("/console/preview/notice")).text, "What it did")
    assert "было бы отправлено" in russian and "would post to" not in russian, russian
    assert "would post to" in english, english


async def test_the_header_names_the_readers_role_in_words(secured: Served) -> None:
    await log_in(secured.http, "anna", OPERATOR_PASSWORD)
    russian = (await secured.http.get("/console/jobs")).text
    me = russian.split('id="me"', 1)[1].split("</span></span>", 1)[0]
    assert "оператор" in me and "operator" not in me, me
    secured.http.cookies.set("console_lang", "en")
    english = (await secured.http.get("/console/jobs")).text
    assert "operator" in english.split('id="me"', 1)[1].split("</span></span>", 1)[0]


async def test_health_names_the_kinds_of_api_call_in_words(served: Served) -> None:
    page = (await served.http.get("/console/health")).text
    api = page.split('id="api"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>other</dt>" not in api and "<dt>прочие</dt>" in api, api
    token = page.split('id="token"', 1)[1].split("</dl>", 1)[0]
    assert ">bot<" not in token and ">бот<" in token, token


async def test_a_job_kind_is_named_in_words(served: Served) -> None:
    page = (await served.http.get("/console/jobs")).text
    row = page.split('data-job="notice"', 1)[1].split("</tr>", 1)[0]
    kind = row.split('data-label="Вид">', 1)[1].split("</td>", 1)[0]
    assert "сообщение" in kind, kind  # and the catalogue's word beside it, to find it there
    job = (await served.http.get("/console/jobs/notice")).text
    assert "сообщение" in job.split("<dt>Вид</dt>", 1)[1].split("</dd>", 1)[0]


async def test_a_wrong_method_gets_the_consoles_own_page(served: Served) -> None:
    answer = await served.http.post("/console/jobs")
    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("text/html")
    assert "Method Not Allowed" not in answer.text
    assert "Так эту страницу открыть нельзя" in answer.text
    served.http.cookies.set("console_lang", "en")
    english = await served.http.delete("/console/runs")
    assert english.status_code == 405 and "cannot be opened that way" in english.text


async def test_every_time_says_its_zone(served: Served) -> None:
    jobs = (await served.http.get("/console/jobs")).text
    fires = jobs.split('data-job="notice"', 1)[1].split("</tr>", 1)[0].split('class="fire">')[1:]
    assert len(fires) == 3
    assert all(fire.split("</div>", 1)[0].endswith(" MSK") for fire in fires), fires
    catalogue = (await served.http.get("/console/catalogue")).text
    loaded = catalogue.split("<dd", 2)[2].split("</dd>", 1)[0]
    assert loaded.endswith(" UTC") and loaded.count("UTC") == 1, loaded


async def test_the_pages_speak_the_runners_language_until_the_reader_switches(
        workspace: WorkspaceServer, tmp_path: Path) -> None:
    harness = Harness(workspace, tmp_path, env={"NOTICE_TAG": "x"})
    harness.write_catalogue(CATALOGUE.replace("CHAT", str(group_chat(workspace))))
    settings = harness.settings(console=True, lang="en")  # PACHCA_RUNNER_LANG=en
    async with (app.runtime(settings, harness.catalogue(), server=True) as rt,
                httpx.AsyncClient(base_url=rt.server.url) as http):
        page = (await http.get("/console/jobs")).text
        assert "never ran" in page and "ещё не запускалось" not in page
        switched = await http.get("/console/lang/ru", params={"next": "/console/jobs"})
        http.cookies.update(switched.cookies)
        assert "ещё не запускалось" in (await http.get("/console/jobs")).text


async def test_numbers_too_big_for_the_store_are_not_found_not_a_crash(served: Served) -> None:
    huge = "9" * 23
    run = await served.http.get(f"/console/runs/{huge}")
    assert run.status_code == 404 and "Нет запуска с номером" in run.text
    page = await served.http.get("/console/runs", params={"page": huge})
    assert page.status_code == 200 and "Запусков нет" in page.text
    jobs = await served.http.get("/console/jobs", params={"page": huge})
    assert jobs.status_code == 200 and 'data-job="notice"' in jobs.text


async def test_an_undo_not_done_says_why_in_the_operators_language(secured: Served) -> None:
    from tests.web.conftest import csrf_of

    await log_in(secured.http, "anna", OPERATOR_PASSWORD)
    token = csrf_of((await secured.http.get("/console/jobs")).text)
    refused = await secured.http.post("/console/runs/4242/undo", data={"csrf": token})
    assert refused.status_code == 409
    why = refused.text.split('class="problem">', 1)[1].split("</p>", 1)[0]
    assert "Не получилось" in why and "4242" in why and "no run" not in why, why


async def test_a_drafts_problems_and_changes_come_in_the_readers_language(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.web.conftest import SECRET, csrf_of

    monkeypatch.setenv("NOTICE_TAG", SECRET)  # as the daemon's environment has it
    http = served.http
    token = csrf_of((await http.get("/console/catalogue")).text)
    before = served.rt.catalogue.path.read_text(encoding="utf-8")
    broken = before.replace("kind: message", "kind: mesage", 1)
    checked = (await http.post("/console/catalogue/check",
                               data={"csrf": token, "draft": broken})).text
    problems = checked.split('id="result"', 1)[1]
    assert "jobs.yaml (черновик):5:11" in problems, problems
    assert "неизвестный вид задания &#39;mesage&#39;" in problems, problems
    changed = before.replace('schedule: "0 9 * * 1-5"', 'schedule: "0 10 * * 1-5"')
    diff = (await http.post("/console/catalogue/check",
                            data={"csrf": token, "draft": changed})).text
    diff = diff.split('id="diff">', 1)[1].split("</pre>", 1)[0]
    assert "notice" in diff and "Изменены задания" in diff, diff


async def test_a_runs_progress_is_named_in_the_readers_language(
        fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path, users: str) -> None:
    import asyncio

    from tests.waiting import eventually
    from tests.web.conftest import csrf_of

    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        first, second = sw.chats(["Планёрка", "Отдел продаж"])
        sw.h.write_catalogue(
            "timezone: Europe/Moscow\njobs:\n  notice:\n    kind: message\n"
            f"    schedule: '0 9 * * 1'\n    to: {{chats: [{first}, {second}]}}\n"
            "    text: Доброе утро\n")
        async with console_of(sw, users) as http:
            await log_in(http, "anna", OPERATOR_PASSWORD)
            csrf = csrf_of((await http.get("/console/jobs/notice")).text)
            # The second post waits at Pachca's door until the test lets it in.
            sw.control("POST", "hold", json={"after_writes": 1})
            try:
                await http.post("/console/jobs/notice/run", data={"csrf": csrf})
                await eventually(lambda: asyncio.to_thread(
                    lambda: sw.control("GET", "hold")["held"]), "the second post held")

                async def progressed() -> str | None:
                    shown = (await http.get("/console/runs", params={"job": "notice"})).text
                    return shown if 'class="progress"' in shown and "1 из 2" in shown else None

                history = await eventually(progressed, "the run's progress in the history")
                told = history.split('class="progress">', 1)[1].split("<progress", 1)[0]
                assert "отправка: 1 из 2" in told, told
                http.cookies.set("console_lang", "en")
                english = (await http.get("/console/runs", params={"job": "notice"})).text
                told = english.split('class="progress">', 1)[1].split("<progress", 1)[0]
                assert "posting: 1 of 2" in told, told
            finally:
                sw.control("POST", "hold", json={"release": "pass"})
    finally:
        sw.close()


async def test_an_older_page_of_the_history_leads_back_to_newer_runs(served: Served) -> None:
    page = (await served.http.get("/console/runs", params={"job": "notice", "page": "2"})).text
    assert 'rel="prev"' in page and "page=1" in page.split('rel="prev"', 1)[1].split(">", 1)[0]
    assert "Новее" in page
    first = (await served.http.get("/console/runs", params={"job": "notice"})).text
    assert 'rel="prev"' not in first


async def test_run_now_asks_first_and_a_dry_run_does_not(secured: Served) -> None:
    from tests.web.conftest import csrf_of

    http = secured.http
    await log_in(http, "anna", OPERATOR_PASSWORD)
    row = (await http.get("/console/jobs")).text.split('data-job="notice"', 1)[1]
    row = row.split("</tr>", 1)[0]
    run_now = row.split('name="run"', 1)[0].rsplit("<form", 1)[1]
    assert 'method="get"' in run_now, run_now  # a click opens the question, runs nothing
    asked = await http.get("/console/jobs/notice/run")
    assert asked.status_code == 200
    assert "Запустить задание notice сейчас?" in asked.text
    assert "чат" in asked.text.split('id="confirm"', 1)[1]  # where its messages go
    assert secured.rt.state.sync.runs("notice") == []  # asking ran nothing
    form = asked.text.split('id="confirm"', 1)[1].split("</form>", 1)[0]
    assert 'method="post"' in form and 'name="run"' in form and csrf_of(asked.text) in form
    dry = row.split('name="dry-run"', 1)[0].rsplit("<form", 1)[1]
    assert 'method="post"' in dry  # a dry run posts nothing: no question


async def test_run_now_is_asked_of_operators_only(secured: Served) -> None:
    from tests.web.conftest import VIEWER_PASSWORD

    await log_in(secured.http, "boris", VIEWER_PASSWORD)
    refused = await secured.http.get("/console/jobs/notice/run")
    assert refused.status_code == 403 and "только на просмотр" in refused.text


async def test_undo_lists_the_chats_it_would_bring_back_before_it_does(
        fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path, users: str) -> None:
    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        swept, chats = await archived_by_a_sweep(sw)
        async with console_of(sw, users) as http:
            await log_in(http, "anna", OPERATOR_PASSWORD)
            page = (await http.get(f"/console/runs/{swept.run_id}")).text
            undo = page.split('name="undo"', 1)[0].rsplit("<form", 1)[1]
            assert 'method="get"' in undo, undo
            asked = (await http.get(f"/console/runs/{swept.run_id}/undo")).text
            listed = asked.split('id="confirm"', 1)[1]
            assert all(f"«Старый проект {i}» ({chats[i]})" in listed for i in range(2)), listed
            assert all(sw.archived(c) for c in chats)  # asking changed nothing
    finally:
        sw.close()


async def test_an_error_page_still_shows_who_is_logged_in(secured: Served) -> None:
    await log_in(secured.http, "anna", OPERATOR_PASSWORD)
    for answer in (await secured.http.get("/console/no-such-page"),
                   await secured.http.post("/console/runs")):
        assert answer.status_code in (404, 405)
        assert 'id="me"' in answer.text and "Выйти" in answer.text  # not logged out
