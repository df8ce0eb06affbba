"""Digest attachments (``chart``, ``csv``) over real HTTP: Pachca's upload flow
(``POST /uploads``, then the signed form to storage), files on the message, once per
recipient even across a crash and a rerun.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr

from runner.attachments import ChartAttachment, chart_png
from runner.pachca.client import PachcaClient
from runner.state import StateStore
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.test_digest import (
    KEY,
    T,
    _crash,
    bot_chats,
    bot_messages,
    catalogue,
    direct_chat,
    someone,
)
from tests.threads_support import NO_THREADS

ROWS = [("2026-11-17", 1200), ("2026-11-18", 700), ("2026-11-19", 1500)]
SOURCES = """
          sales: {type: sql, url: "${DB_URL}", query: "SELECT day, revenue FROM sales ORDER BY day"}"""
ATTACH = ('attachments: [{type: chart, source: sales, x: day, y: [revenue], chart: bar,'
          ' title: "Выручка по дням", x_label: День, y_label: "₽", file: sales.png},'
          ' {type: csv, source: sales, file: sales.csv}]')
CHART = ChartAttachment(type="chart", source="sales", x="day", y=["revenue"], chart="bar",
                        title="Выручка по дням", x_label="День", y_label="₽", file="sales.png")


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    return fresh_workspace(start_time=(T - timedelta(hours=1)).isoformat(), speed=4.0,
                           **NO_THREADS)


@pytest.fixture
def h(ws: WorkspaceServer, tmp_path: Path) -> Harness:
    path = tmp_path / "sales.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE sales (day TEXT, revenue INTEGER)")
        conn.executemany("INSERT INTO sales VALUES (?, ?)", ROWS)
    conn.close()
    return Harness(ws, tmp_path, env={"DB_URL": f"sqlite:///{path}"},
                   overrides={"rate_limit_scale": 4.0})


def _uploads(h: Harness, since: int) -> int:
    return sum(1 for r in h.requests(since) if r["method"] == "POST"
               and r["path"].endswith("/uploads"))


def _download(url: str) -> bytes:
    response = httpx.get(url)
    response.raise_for_status()
    return response.content


async def test_a_chart_and_a_csv_are_uploaded_and_attached_once_per_recipient(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat, user = bot_chats(ws)[0], someone(ws)
    h.write_catalogue(catalogue(chat, user, sources=SOURCES, extra=ATTACH))
    mark = h.mark()

    outcome = await h.run("morning-digest", at=T)

    assert outcome.status == "succeeded", outcome.error
    assert _uploads(h, mark) == 4  # two files for each of two recipients
    keys = []
    for where in (chat, direct_chat(ws, user)):
        [message] = bot_messages(ws, where)
        files = message.files
        assert [(f["name"], f["file_type"]) for f in files] == [("sales.png", "image"),
                                                               ("sales.csv", "file")]
        keys += [f["key"] for f in files]
        png, table = _download(files[0]["url"]), _download(files[1]["url"])
        # The data behind the picture: the same rows draw the same bytes.
        rows = [{"day": d, "revenue": r} for d, r in ROWS]
        assert png == chart_png(CHART, rows, ZoneInfo("Europe/Moscow"))
        assert png.startswith(b"\x89PNG") and files[0]["width"] == 800
        parsed = list(csv.reader(io.StringIO(table.decode("utf-8-sig"))))
        assert parsed == [["day", "revenue"]] + [[d, str(r)] for d, r in ROWS]
    assert len(set(keys)) == 4

    again = h.mark()
    assert (await h.run("morning-digest", at=T)).status == "skipped"
    assert _uploads(h, again) == 0


def test_the_same_rows_draw_the_same_png() -> None:
    rows = [{"day": d, "revenue": r} for d, r in ROWS]
    zone = ZoneInfo("Europe/Moscow")
    first = chart_png(CHART, rows, zone)
    assert first == chart_png(CHART, rows, zone)
    assert first != chart_png(CHART, rows[:2], zone)


async def test_a_rerun_after_a_crash_attaches_what_was_uploaded_and_uploads_nothing_again(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat, user = bot_chats(ws)[0], someone(ws)
    h.write_catalogue(catalogue(chat, user, sources=SOURCES, extra=ATTACH))
    # An attempt claimed the run, uploaded the chat's files, and died before posting.
    state = StateStore(h.settings().state_url, replica="dead")
    assert state.claim("morning-digest", KEY, kind="digest", scheduled_for=T, lease=60)
    client = PachcaClient(ws.base_url, SecretStr(ws.bot_token))
    uploaded = {}
    for name, kind in (("sales.png", "image/png"), ("sales.csv", "text/csv")):
        uploaded[name] = await client.upload_file(name, b"made before the crash", kind)
        state.start_target(KEY, f"chat:{chat}/file:{name}", {"name": name})
        state.finish_target(KEY, f"chat:{chat}/file:{name}", {"file_key": uploaded[name],
                                                               "name": name})
    await client.aclose()
    state.close()
    _crash(h, KEY, started=[])
    mark = h.mark()

    retry = await h.run("morning-digest", at=T)

    assert retry.status == "succeeded", retry.error
    assert retry.report.counts["already_uploaded"] == 2
    assert _uploads(h, mark) == 2  # only the person's files
    [message] = bot_messages(ws, chat)
    assert [f["key"] for f in message.files] == [uploaded["sales.png"], uploaded["sales.csv"]]
    assert len(bot_messages(ws, direct_chat(ws, user))) == 1

    # The post went through, then the process died before recording it: nothing again.
    _crash(h, KEY, started=[f"chat:{chat}", f"user:{user}"])
    mark = h.mark()
    third = await h.run("morning-digest", at=T)
    assert third.status == "succeeded", third.error
    assert h.writes(mark) == []
    assert len(bot_messages(ws, chat)) == 1


async def test_dry_run_names_the_attachments_and_uploads_nothing(
    ws: WorkspaceServer, h: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    h.write_catalogue(catalogue(bot_chats(ws)[0], someone(ws), sources=SOURCES, extra=ATTACH))
    mark = h.mark()
    outcome = await h.run("morning-digest", at=T, dry_run=True)
    assert outcome.status == "succeeded", outcome.error
    assert h.writes(mark) == []
    assert any(line.endswith("with attached sales.png, sales.csv")
               for line in outcome.report.lines), outcome.report.lines
    assert outcome.report.files == {0: ["sales.png", "sales.csv"],
                                    1: ["sales.png", "sales.csv"]}
    from runner.console import print_preview

    print_preview(outcome)
    shown = capsys.readouterr().out
    assert shown.count("📎 sales.png") == 2 and shown.count("📎 sales.csv") == 2


def test_an_attachment_of_an_unknown_source_is_one_line_at_file_line(h: Harness) -> None:
    from runner.catalogue import validate
    from runner.errors import CatalogueError

    path = h.write_catalogue(catalogue(1, 2, sources=SOURCES,
                                       extra="attachments: [{type: csv, source: salse}]"))
    with pytest.raises(CatalogueError) as info:
        validate(path, env=h.env)
    [problem] = [str(p) for p in info.value.problems]
    assert problem.startswith(f"{path}:") and "'salse'" in problem and "sales" in problem


async def test_a_failed_source_is_named_and_attaches_nothing(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat = bot_chats(ws)[0]
    h.write_catalogue(catalogue(chat, someone(ws), sources="""
          sales: {type: sql, url: "${DB_URL}", query: "SELECT day, revenue FROM nowhere"}""",
        extra=ATTACH + "\n        on_source_error: mention\n        skip_if_empty: false"))
    mark = h.mark()
    outcome = await h.run("morning-digest", at=T)
    assert outcome.status == "succeeded", outcome.error
    assert _uploads(h, mark) == 0
    [message] = bot_messages(ws, chat)
    assert not message.files and "Не удалось получить данные: «sales»" in message.content
    assert any("source 'sales' failed" in line for line in outcome.report.lines)
