"""The digest's ``sql`` source against a real PostgreSQL (started by the suite) and SQLite.

The database URL comes from ``${VAR}``; the digest is run with ``at=T`` against the
workspace over HTTP and the text that reached Pachca is read back from its store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.test_digest import T, bot_chats, bot_messages, catalogue, someone
from tests.threads_support import NO_THREADS

ROWS = [  # (region, amount, sold_at): two inside the 24 h window, one before it, one after
    ("Москва", 1200, T - timedelta(hours=3)),
    ("O'Brien & Co", 700, T - timedelta(hours=2)),
    ("Москва", 999, T - timedelta(days=2)),
    ("Москва", 555, T + timedelta(hours=1)),
]
QUERY = ("SELECT region, SUM(amount) AS total FROM sales"
         " WHERE sold_at >= :start AND sold_at < :end AND region <> :skip"
         " GROUP BY region ORDER BY region")


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    return fresh_workspace(start_time=(T - timedelta(hours=1)).isoformat(), speed=4.0,
                           **NO_THREADS)


@pytest.fixture
def h(ws: WorkspaceServer, tmp_path: Path) -> Harness:
    return Harness(ws, tmp_path, overrides={"rate_limit_scale": 4.0})


@pytest.fixture
def pg(pg_store_url: str) -> str:
    with psycopg.connect(pg_store_url.replace("postgresql://", "postgresql://", 1)) as conn:
        conn.execute("CREATE TABLE sales (id serial PRIMARY KEY, region text, amount numeric,"
                     " sold_at timestamptz)")
        for region, amount, at in ROWS:
            conn.execute("INSERT INTO sales (region, amount, sold_at) VALUES (%s, %s, %s)",
                         (region, amount, at))
    return pg_store_url


@pytest.fixture
def lite(tmp_path: Path) -> str:
    path = tmp_path / "sales.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, amount INTEGER,"
                     " sold_at TEXT)")
        # Stored as SQLAlchemy stores a UTC time in SQLite: 'YYYY-MM-DD HH:MM:SS'.
        conn.executemany("INSERT INTO sales (region, amount, sold_at) VALUES (?, ?, ?)",
                         [(r, a, t.replace(tzinfo=None).isoformat(" ")) for r, a, t in ROWS])
    conn.close()
    return f"sqlite:///{path}"


def _sql(query: str, timeout: str = "30s", params: str = "{skip: nobody}") -> str:
    return f"""
          sales: {{type: sql, url: "${{DB_URL}}", timeout: {timeout}, params: {params},
                  query: "{query}"}}"""


def _count(url: str) -> int:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return int(conn.execute("SELECT count(*) FROM sales").fetchone()[0])
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM sales").fetchone()
        assert row is not None
        return int(row[0])


@pytest.mark.parametrize("db", ["pg", "lite"])
async def test_reads_the_windows_rows_with_bound_parameters(
    ws: WorkspaceServer, h: Harness, db: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(db)
    chat = bot_chats(ws)[0]
    h.env = {"DB_URL": url}
    h.write_catalogue(catalogue(chat, someone(ws), sources=_sql(QUERY)))

    outcome = await h.run("morning-digest", at=T)

    assert outcome.status == "succeeded", outcome.error
    text = bot_messages(ws, chat)[0].content
    # Only the window's rows; a quote in a value is harmless because values are bound.
    assert "region: Москва · total: 1\xa0200" in text, text
    assert "region: O'Brien & Co · total: 700" in text
    assert "999" not in text and "555" not in text


@pytest.mark.parametrize("db", ["pg", "lite"])
async def test_a_bound_value_is_never_sql(
    ws: WorkspaceServer, h: Harness, db: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(db)
    h.env = {"DB_URL": url}
    h.write_catalogue(catalogue(bot_chats(ws)[0], someone(ws), sources=_sql(
        QUERY, params="{skip: \"x' OR 1=1 --\"}")))
    outcome = await h.run("morning-digest", at=T, dry_run=True)
    assert outcome.status == "succeeded", outcome.error
    assert "O'Brien & Co" in outcome.report.messages[0]
    assert "999" not in outcome.report.messages[0]


@pytest.mark.parametrize("db", ["pg", "lite"])
# `validate` refuses a query whose first word is not SELECT or WITH; these begin with WITH,
# get past it, and must be stopped by the read-only session.
@pytest.mark.parametrize("statement", [
    "WITH one AS (SELECT 1) INSERT INTO sales (region, amount) VALUES ('x', 1) RETURNING id",
    "WITH one AS (SELECT 1) DELETE FROM sales WHERE amount > 0 RETURNING id",
])
async def test_a_writing_statement_is_refused(
    ws: WorkspaceServer, h: Harness, db: str, statement: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(db)
    h.env = {"DB_URL": url}
    h.write_catalogue(catalogue(bot_chats(ws)[0], someone(ws), sources=_sql(statement)))

    outcome = await h.run("morning-digest", at=T)

    assert outcome.status == "failed"
    said = str(outcome.error)
    assert said.startswith("source 'sales' failed: the database refused to write"), said
    assert url not in said
    assert _count(url) == len(ROWS)


# Queries that never finish by themselves (SQLite's counts on without end), so the
# statement timeout is the only way they end, however fast the machine.
ENDLESS = {"pg": "SELECT pg_sleep(600)",
           "lite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
                   " SELECT max(x) FROM c"}


@pytest.mark.parametrize("db", ["pg", "lite"])
async def test_a_timed_out_query_is_a_named_source_error(
    ws: WorkspaceServer, h: Harness, db: str, request: pytest.FixtureRequest
) -> None:
    chat = bot_chats(ws)[0]
    pg = request.getfixturevalue(db)
    h.env = {"DB_URL": pg}
    h.write_catalogue(catalogue(chat, someone(ws), extra="on_source_error: mention\n        skip_if_empty: false",
                                sources=_sql(ENDLESS[db], timeout="1s")
                                + "\n          activity: {type: pachca_activity}"))

    outcome = await h.run("morning-digest", at=T, dry_run=True)

    assert outcome.status == "succeeded", outcome.error
    said = " ".join(outcome.report.lines)
    assert "source 'sales' failed (the query did not finish within 1s)" in said, said
    assert "Не удалось получить данные: «sales»" in outcome.report.messages[0]
    assert pg not in said

    h.write_catalogue(catalogue(chat, someone(ws), sources=_sql(ENDLESS[db], timeout="1s")))
    failed = await h.run("morning-digest", at=T)
    assert failed.status == "failed"
    assert str(failed.error) == "source 'sales' failed: the query did not finish within 1s"


@pytest.mark.parametrize("db", ["pg", "lite"])
async def test_rows_past_the_cap_are_cut_off_and_said(
    ws: WorkspaceServer, h: Harness, db: str, request: pytest.FixtureRequest
) -> None:
    h.env = {"DB_URL": request.getfixturevalue(db)}
    h.write_catalogue(catalogue(bot_chats(ws)[0], someone(ws), sources="""
          sales: {type: sql, url: "${DB_URL}", max_rows: 2,
                  query: "SELECT id, amount FROM sales ORDER BY id"}""",
        extra="template: rows.md.j2"), templates={"rows.md.j2": """\
            {{ sales.count }} {{ sales.truncated }} {{ sales.rows | map(attribute='id') | list }}
            """})
    outcome = await h.run("morning-digest", at=T, dry_run=True)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.report.messages[0].strip() == "2 True [1, 2]"


@pytest.mark.parametrize(("line", "expected"), [
    ('{type: sql, url: "${DB_URL}", query: "SELECT 1", timeout: soon}', "timeout"),
    ('{type: sql, url: "${DB_URL}", query: "SELECT 1", params: {start: 1}}',
     "parameter 'start' is the window's bound"),
    ('{type: sql, url: "${DB_URL}", qeury: "SELECT 1"}', "did you mean 'query'"),
    ('{type: sql, url: "${DB_URL}", query: "SELECT 1", max_rows: 0}', "max_rows"),
])
def test_a_broken_source_definition_is_one_line_at_file_line(
    tmp_path: Path, line: str, expected: str
) -> None:
    from runner.catalogue import validate
    from runner.errors import CatalogueError

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.md.j2").write_text("{{ title }}", encoding="utf-8")
    path = tmp_path / "jobs.yaml"
    path.write_text("jobs:\n  d:\n    kind: digest\n    schedule: '0 9 * * *'\n"
                    f"    to: {{chats: [1]}}\n    sources:\n      db: {line}\n", encoding="utf-8")
    secret = "postgresql://reader:pa55word-very-secret@db.internal/sales"
    with pytest.raises(CatalogueError) as info:
        validate(path, env={"DB_URL": secret})
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:7:"), problems[0]
    assert expected in problems[0] and "\n" not in problems[0]
    assert "pa55word" not in problems[0]
