"""The console's read-only pages over a real socket: jobs, runs with filters, a run's
page, the language switch, who may see them, and that no secret is ever shown."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from runner import app
from runner.catalogue import Catalogue, validate
from runner.web.views import next_fires
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.web.conftest import SECRET, Served

MSK = ZoneInfo("Europe/Moscow")


async def test_console_is_off_by_default(workspace: WorkspaceServer, tmp_path: Path) -> None:
    harness = Harness(workspace, tmp_path)
    harness.write_catalogue(
        "jobs:\n  j: {kind: message, schedule: '0 9 1 1 *', to: {chats: [1]}, text: x}\n")
    async with (app.runtime(harness.settings(), harness.catalogue(), server=True) as rt,
                httpx.AsyncClient(base_url=rt.server.url) as http):
        assert (await http.get("/")).status_code == 404
        assert (await http.get("/console/jobs")).status_code == 404


async def test_front_page_leads_to_the_jobs(served: Served) -> None:
    answer = await served.http.get("/", follow_redirects=True)
    assert answer.status_code == 200
    assert answer.url.path == "/console/jobs"


async def test_jobs_page_shows_every_job_in_russian(served: Served) -> None:
    page = (await served.http.get("/console/jobs")).text
    assert 'data-job="notice"' in page and 'data-job="quiet"' in page
    assert "только в рабочие дни (RU)" in page  # the schedule in words, Russian by default
    assert "выключено" in page  # quiet is disabled
    assert "ещё не запускалось" in page
    notice = page.split('data-job="notice"', 1)[1].split("</tr>", 1)[0]
    assert notice.count('class="fire"') == 3  # the next three fires


def test_next_runs_mark_the_holidays_skipped() -> None:
    catalogue = validate_text()
    job = catalogue.jobs["notice"]
    fires = next_fires(job, datetime(2026, 12, 30, 12, 0, tzinfo=MSK))
    # 31 December and the New Year holidays are days off in Russia: the next runs are
    # after them, and the skipped working-pattern days show in between.
    fired = [f.when.date() for f in fires if isinstance(f.when, datetime) and not f.skipped]
    skipped = [f.when for f in fires if f.skipped]
    assert fired[0] == date(2027, 1, 11)
    assert date(2026, 12, 31) in skipped and date(2027, 1, 4) in skipped


def test_next_fires_are_kept_until_the_first_passes() -> None:
    from datetime import timedelta

    from runner.web.views import ScheduleCache

    catalogue = validate_text()
    job = catalogue.jobs["notice"]
    cache = ScheduleCache()
    now = datetime(2026, 12, 7, 8, 0, tzinfo=MSK)  # a Monday, before the 09:00 fire
    first = cache.fires(catalogue, job, now)
    assert first[0].when == datetime(2026, 12, 7, 9, 0, tzinfo=MSK)
    assert cache.fires(catalogue, job, now + timedelta(minutes=59)) is first
    later = cache.fires(catalogue, job, now + timedelta(minutes=61))
    assert later[0].when == datetime(2026, 12, 8, 9, 0, tzinfo=MSK)
    assert cache.fires(validate_text(), job, now)[0].when == first[0].when


async def test_the_jobs_page_comes_a_page_at_a_time(workspace: WorkspaceServer,
                                                    tmp_path: Path) -> None:
    from runner.web.views import JOBS_PAGE

    harness = Harness(workspace, tmp_path)
    count = JOBS_PAGE + 3
    harness.write_catalogue("jobs:\n" + "".join(
        f"  j{i:03}: {{kind: message, schedule: '0 9 1 1 *', to: {{chats: [1]}}, text: x}}\n"
        for i in range(count)))
    async with (app.runtime(harness.settings(console=True), harness.catalogue(),
                            server=True) as rt,
                httpx.AsyncClient(base_url=rt.server.url) as http):
        first = await http.get("/console/jobs")
        assert first.text.count("<tr data-job=") == JOBS_PAGE
        assert 'rel="next" href="/console/jobs?page=1"' in first.text
        assert "страница 1 из 2" in first.text
        # The server says how long it spent on the page (developer tools show it).
        assert first.headers["server-timing"].startswith("app;dur=")
        second = (await http.get("/console/jobs", params={"page": "1"})).text
        assert second.count("<tr data-job=") == 3 and 'data-job="j052"' in second
        assert 'rel="prev"' in second and 'rel="next"' not in second
        beyond = (await http.get("/console/jobs", params={"page": "9"})).text
        assert beyond.count("<tr data-job=") == 3  # past the end: the last page


def validate_text() -> Catalogue:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "jobs.yaml"
        path.write_text(
            "timezone: Europe/Moscow\njobs:\n  notice:\n    kind: message\n"
            "    schedule: '0 9 * * 1-5'\n    workdays: RU\n    to: {chats: [1]}\n"
            "    text: x\n", encoding="utf-8")
        return validate(path)


async def test_runs_page_filters_and_run_page_shows_effects(served: Served) -> None:
    outcome = await served.harness.run("notice")
    assert outcome.status == "succeeded"
    runs = (await served.http.get("/console/runs")).text
    assert f'data-run="{outcome.run_id}"' in runs
    for query, shown in (({"job": "notice"}, True), ({"job": "quiet"}, False),
                         ({"outcome": "failed"}, False), ({"outcome": "succeeded"}, True),
                         ({"period": "day"}, True), ({"job": "no-such-job"}, True)):
        page = (await served.http.get("/console/runs", params=query)).text
        assert (f'data-run="{outcome.run_id}"' in page) is shown, query
    page = (await served.http.get(f"/console/runs/{outcome.run_id}")).text
    assert "успешно" in page and "test" in page  # outcome, replica
    assert f"https://app.pachca.com/chats/{served.chat}?message=" in page
    jobs = (await served.http.get("/console/jobs")).text
    assert f'/console/runs/{outcome.run_id}"' in jobs  # the last run, linked
    missing = await served.http.get("/console/runs/999999")
    assert missing.status_code == 404 and "999999" in missing.text


async def test_english_switch(served: Served) -> None:
    switched = await served.http.get("/console/lang/en", params={"next": "/console/runs"})
    assert switched.status_code == 303 and switched.headers["location"] == "/console/runs"
    page = (await served.http.get("/console/jobs")).text
    assert "on working days (RU)" in page and "never ran" in page
    away = await served.http.get("/console/lang/ru", params={"next": "https://evil.example"})
    assert away.headers["location"] == "/console/jobs"  # never an open redirect


async def test_no_secret_in_any_page(served: Served) -> None:
    outcome = await served.harness.run("notice")
    token = served.harness.workspace.bot_token
    for path in ("/console/jobs", "/console/jobs/notice", "/console/runs",
                 f"/console/runs/{outcome.run_id}",
                 "/console/nothing", "/console/plans", "/console/catalogue",
                 "/console/health", "/console/preview/notice"):
        page = (await served.http.get(path)).text
        assert SECRET not in page and token not in page, path
    assert "${NOTICE_TAG}" in (await served.http.get("/console/jobs")).text


@pytest.mark.parametrize(("client", "status"), [("127.0.0.1", 200), ("10.1.2.3", 403)])
async def test_without_credentials_only_this_computer_sees_pages(
        served: Served, client: str, status: int) -> None:
    # The peer address comes from the socket; ASGITransport stands in for another host.
    from runner.web import console_app

    console = console_app(served.rt.server.settings, served.rt)
    transport = httpx.ASGITransport(app=console, client=(client, 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://runner") as http:
        assert (await http.get("/jobs")).status_code == status


async def test_console_names_jobs_and_sweeps_as_the_command_line_does(served: Served) -> None:
    """`jobs`, `pause` and the guide say «задание» and «уборка»; so do the pages (a job
    is not a Pachca task, «задача», which digests list from pachca_tasks)."""
    pages = {path: (await served.http.get(path)).text for path in (
        "/console/jobs", "/console/runs", "/console/plans", "/console/catalogue",
        "/console/jobs/notice")}
    for path, page in pages.items():
        words = re.sub(r"<[^>]+>", " ", page).lower()
        assert "задач" not in words and "чистк" not in words, path
    assert "Задания" in pages["/console/jobs"]
    assert "Задание notice" in pages["/console/jobs/notice"]
    assert "В каталоге нет заданий уборки" in pages["/console/plans"]
