"""The Catalogue page (health of the file, check a draft without writing it) and the
Health page (replicas, alerts chat, API calls, the token's user and scopes)."""

from __future__ import annotations

import asyncio

import pytest

from tests.web.conftest import SECRET, Served, csrf_of


async def test_catalogue_page_and_a_draft_checked_without_writing(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTICE_TAG", SECRET)  # as the daemon's environment has it
    http = served.http
    page = (await http.get("/console/catalogue")).text
    assert 'id="health"' in page and "в порядке" in page
    path = served.rt.catalogue.path
    before = path.read_text(encoding="utf-8")
    token = csrf_of(page)

    broken = before.replace('schedule: "0 9 1 1 *"', 'schedule: "0 25 * * *"')
    checked = await http.post("/console/catalogue/check", data={"csrf": token, "draft": broken})
    assert checked.status_code == 200
    assert "jobs.yaml (черновик):" in checked.text and "jobs.quiet.schedule" in checked.text

    changed = before.replace('schedule: "0 9 * * 1-5"', 'schedule: "0 10 * * 1-5"')
    checked = await http.post("/console/catalogue/check", data={"csrf": token, "draft": changed})
    assert 'id="diff"' in checked.text and "notice" in checked.text
    assert SECRET not in checked.text
    assert path.read_text(encoding="utf-8") == before  # the console never writes jobs.yaml

    refused = await http.post("/console/catalogue/check", data={"draft": changed})
    assert refused.status_code == 403


async def test_catalogue_page_shows_problems_of_the_file_on_disk(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTICE_TAG", SECRET)
    path = served.rt.catalogue.path
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("kind: message\n    description", "kind: mesage\n    description"),
                    encoding="utf-8")
    page = (await served.http.get("/console/catalogue")).text
    assert "ошибок: 1" in page and f"{path}:" in page  # file:line of the problem


async def test_health_page(served: Served) -> None:
    await asyncio.to_thread(served.rt.state.sync.heartbeat)
    await served.harness.run("notice")
    page = (await served.http.get("/console/health")).text
    assert 'data-replica="test"' in page and "работает" in page
    info = served.harness.workspace
    assert str(await served.rt.bot_user.get()) in page
    assert "messages:create" in page  # the token's scopes
    assert info.bot_token not in page
