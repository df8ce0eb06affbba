"""A digest's attached files in the console: the preview shows the chart and the CSV it
would attach (name, size, the file itself), and a run's page lists each posted message's
files with links that lead to the files in Pachca."""

from __future__ import annotations

import base64
import csv
import io
import re
from zoneinfo import ZoneInfo

import httpx
import pytest

from runner import app
from runner.attachments import chart_png
from runner.server import RunnerServer
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.test_digest import T, bot_chats, bot_messages, catalogue, someone
from tests.jobs.test_digest_attachments import ATTACH, CHART, ROWS, SOURCES
from tests.jobs.test_digest_attachments import h as sales_harness
from tests.jobs.test_digest_attachments import ws as sales_workspace

ws = pytest.fixture(name="ws")(sales_workspace.__wrapped__)
h = pytest.fixture(name="h")(sales_harness.__wrapped__)

ZONE = ZoneInfo("Europe/Moscow")
PNG = chart_png(CHART, [{"day": d, "revenue": r} for d, r in ROWS], ZONE)
TABLE = [["day", "revenue"]] + [[d, str(r)] for d, r in ROWS]


def _files(page: str) -> dict[str, tuple[str, str]]:
    """Each listed file: name -> (link, size as shown)."""
    found = re.findall(r'<li data-file="([^"]+)">📎 <a href="([^"]+)"[^>]*>[^<]*</a>'
                       r' <span class="muted">\(([^)]+)\)</span>', page)
    return {name: (href.replace("&amp;", "&"), size) for name, href, size in found}


async def test_preview_shows_the_files_a_digest_would_attach(
        ws: WorkspaceServer, h: Harness) -> None:
    h.write_catalogue(catalogue(bot_chats(ws)[0], someone(ws), sources=SOURCES, extra=ATTACH))
    mark = h.mark()
    async with app.runtime(h.settings(console=True), h.catalogue(), server=True) as rt:
        server = rt.server
        assert isinstance(server, RunnerServer)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            page = (await http.get("/console/preview/morning-digest")).text
    assert h.writes(mark) == []  # a dry run: nothing uploaded, nothing posted
    assert page.count('data-file="sales.png"') == 2  # one message for each recipient
    files = _files(page)
    png_href, png_size = files["sales.png"]
    assert png_href.startswith("data:image/png;base64,")
    assert base64.b64decode(png_href.split(",", 1)[1]) == PNG
    assert png_size == f"{len(PNG) / 1024:.1f} кБ".replace(".", ",")
    csv_href, _ = files["sales.csv"]
    data = base64.b64decode(csv_href.split(",", 1)[1]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(data))) == TABLE
    assert '<img class="attached"' in page  # the chart is shown, as Pachca shows a picture


async def test_run_page_lists_each_messages_files_with_links_to_them(
        ws: WorkspaceServer, h: Harness) -> None:
    chat = bot_chats(ws)[0]
    h.write_catalogue(catalogue(chat, someone(ws), sources=SOURCES, extra=ATTACH))
    outcome = await h.run("morning-digest", at=T)
    assert outcome.status == "succeeded", outcome.error
    [message] = bot_messages(ws, chat)
    async with app.runtime(h.settings(console=True), h.catalogue(), server=True) as rt:
        server = rt.server
        assert isinstance(server, RunnerServer)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            page = (await http.get(f"/console/runs/{outcome.run_id}")).text
            item = page.split(f'data-message="{message.id}"', 1)[1].split("</li></ul>", 1)[0]
            files = _files(item)
            assert list(files) == ["sales.png", "sales.csv"]
            assert files["sales.png"][1] == f"{len(PNG) / 1024:.1f} кБ".replace(".", ",")
            assert page.count('data-file="sales.png"') == 2  # the person's message too
            link = files["sales.png"][0]
            assert link == (f"/console/runs/{outcome.run_id}/messages/{message.id}/files/0")
            assert await fetched(http, link) == PNG  # the file itself, from storage
            table = await fetched(http, files["sales.csv"][0])
            assert list(csv.reader(io.StringIO(table.decode("utf-8-sig")))) == TABLE
            # Only a message of this run, and only a file it has.
            other = f"/console/runs/{outcome.run_id}/messages/{message.id + 999}/files/0"
            assert (await http.get(other)).status_code == 404
            assert (await http.get(link[:-1] + "2")).status_code == 404


async def fetched(http: httpx.AsyncClient, link: str) -> bytes:
    """Follow a console file link to the file's bytes in storage."""
    went = await http.get(link)
    assert went.status_code == 303
    async with httpx.AsyncClient() as outside:
        return (await outside.get(went.headers["location"])).content

