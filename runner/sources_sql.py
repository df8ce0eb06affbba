"""The ``sql`` source of a digest: one read-only query against a company database.

The database is named by a SQLAlchemy URL (usually from ``${VAR}``: it holds a password).
The query's parameters are always bound (``:start``, ``:end`` and the source's ``params``),
never formatted into the SQL. The session is read-only where the database allows it
(PostgreSQL: ``SET TRANSACTION READ ONLY``; SQLite: the file opened with ``mode=ro``), and
for any other dialect the transaction is rolled back, never committed. A statement
timeout and a row cap keep a digest from hanging on, or drowning in, a report query.

A failure is a ``SourceError`` whose reason never quotes the URL nor the bound values.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from runner import words
from runner.catalogue.fields import ru
from runner.durations import Duration, format_duration
from runner.errors import SourceError
from runner.offload import blocking
from runner.periods import Window
from runner.source_base import DataSource

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine

_RESERVED_PARAMS = {"start", "end"}
_REASON_MAX = 200
"""A database's error message is cut here: it names the problem, not the whole query."""
_LEAD = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/|\()*", re.DOTALL)
"""What may come before a query's first word: space, comments, opening brackets."""
_READS = {"select", "with", "values", "table"}
"""The first words of a query that only reads."""


class SqlSource(DataSource):
    """``{type: sql, url: ${DB_URL}, query: ...}``: rows of a read-only query."""

    type: Literal["sql"] = Field(
        description="Rows of a read-only SQL query.", examples=["sql"],
        json_schema_extra=ru("Строки SQL-запроса только на чтение."),
    )
    url: str = Field(
        description="SQLAlchemy database URL, from ${VAR} (it holds a password); "
        "PostgreSQL, SQLite or any dialect whose driver is installed.",
        examples=["${SALES_DB_URL}"],
        json_schema_extra=ru("Адрес базы в формате SQLAlchemy, из ${VAR} (в нём пароль);"
                             " PostgreSQL, SQLite или любая база с установленным драйвером."),
    )
    query: str = Field(
        min_length=1,
        description="One SELECT; `:start` and `:end` are the window's bounds (UTC), "
        "`:name` any value of `params`. Values are bound, never pasted into the SQL.",
        examples=["SELECT day, revenue FROM sales WHERE day >= :start AND day < :end"],
        json_schema_extra=ru("Один SELECT; `:start` и `:end` — границы окна (UTC), `:имя` —"
                             " значение из `params`. Значения передаются параметрами и"
                             " никогда не вставляются в текст SQL."),
    )
    params: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="More values bound to `:name` in the query.",
        examples=[{"region": "Москва"}],
        json_schema_extra=ru("Другие значения, подставляемые параметрами `:имя` в запрос."),
    )
    timeout: Duration = Field(
        default=30.0, gt=0, le=3600, description="Statement timeout.", examples=["30s"],
        json_schema_extra=ru("Сколько может выполняться запрос."),
    )
    max_rows: int = Field(
        default=1000, ge=1, le=100_000, description="Rows read at most (more are cut off, "
        "and `truncated` tells the template).", examples=[1000],
        json_schema_extra=ru("Сколько строк читать самое большее (остальные отбрасываются,"
                             " шаблон узнает об этом из `truncated`)."),
    )

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        from sqlalchemy.engine import make_url  # the parser only; no driver is loaded
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            url = _driver_url(make_url(v))
        except ArgumentError:
            raise ValueError(words.text("source.sql_url")) from None
        try:
            # Every run would fail on a dialect or driver this install lacks: say so now.
            url.get_dialect().import_dbapi()
        except (ImportError, NoSuchModuleError):
            raise ValueError(words.text("source.sql_driver", name=url.drivername)) from None
        if url.get_backend_name() == "sqlite" and (url.database or "") in ("", ":memory:"):
            raise ValueError(words.text("source.sql_file"))
        return v

    @field_validator("query")
    @classmethod
    def _query(cls, v: str) -> str:
        # The session is read-only only where the database allows it: a query that is not
        # a SELECT is refused here, before any run, rather than by the database mid-run.
        first = re.match(r"\w*", v[_LEAD.match(v).end():])[0]  # type: ignore[union-attr,index]
        if first.lower() not in _READS:
            raise ValueError(words.text("source.sql_select", word=first or v.strip()[:20]))
        return v

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, Any]) -> dict[str, Any]:
        for name in v:
            if name in _RESERVED_PARAMS:
                raise ValueError(words.text("source.sql_param", name=name))
        return v


async def read_sql(name: str, source: SqlSource, window: Window, zone: ZoneInfo) -> dict[str, Any]:
    """``{columns, rows, count, truncated}`` of the query over ``window``."""
    return await blocking(_read, name, source, window, zone)


def _read(name: str, source: SqlSource, window: Window, zone: ZoneInfo) -> dict[str, Any]:
    from sqlalchemy import exc, text

    took = format_duration(source.timeout)
    try:
        engine = _engine(name, source)
    except (exc.ArgumentError, exc.NoSuchModuleError):
        raise SourceError(name, "the database URL is not valid or its driver is not installed"
                          ) from None
    except ImportError as error:
        raise SourceError(name, f"the database driver is not installed ({error.name})") from None
    bounds: dict[str, Any] = {"start": window.start.astimezone(dt.UTC),
                              "end": window.end.astimezone(dt.UTC)}
    if engine.dialect.name == "sqlite":
        # SQLite has no time type: compare with the text SQLAlchemy itself stores.
        bounds = {k: v.replace(tzinfo=None).isoformat(" ") for k, v in bounds.items()}
    values = {**source.params, **bounds}
    try:
        with engine.connect() as conn:
            try:
                _read_only(conn, engine, source.timeout)
                result = conn.execute(text(source.query), values)
                if not result.returns_rows:
                    raise SourceError(name, "the query returns no rows (it must be a SELECT)")
                columns = list(result.keys())
                rows = result.fetchmany(source.max_rows + 1)
            finally:
                conn.rollback()  # never commit: whatever the statement did is undone
    except exc.OperationalError as error:
        raise SourceError(name, _reason(error, took)) from None
    except exc.DBAPIError as error:
        raise SourceError(name, _reason(error, took)) from None
    except exc.StatementError as error:  # a :name the query uses but nobody gave
        raise SourceError(name, f"the query cannot be run ({type(error.orig).__name__})"
                          ) from None
    finally:
        engine.dispose()
    truncated = len(rows) > source.max_rows
    out = [{c: _plain(v, zone) for c, v in zip(columns, row, strict=True)}
           for row in rows[:source.max_rows]]
    return {"columns": columns, "rows": out, "count": len(out), "truncated": truncated}


def _engine(name: str, source: SqlSource) -> Engine:
    import sqlite3

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = _driver_url(make_url(source.url))
    if url.get_backend_name() != "sqlite":
        return create_engine(url, poolclass=NullPool)
    path = url.database or ""
    if path in ("", ":memory:"):
        raise SourceError(name, words.text("source.sql_file"))
    deadline = source.timeout

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        started = time.monotonic()
        # SQLite has no statement timeout: a progress handler interrupts a long query.
        conn.set_progress_handler(lambda: int(time.monotonic() - started > deadline), 10_000)
        return conn

    return create_engine("sqlite://", creator=connect, poolclass=NullPool)


def _driver_url(url: URL) -> URL:
    """``url`` with the driver this package ships with for a bare ``postgresql://``."""
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    return url


def _read_only(conn: Connection, engine: Engine, timeout: float) -> None:
    """Make the open transaction read-only and bounded in time, where the database can."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        conn.execute(text("SET TRANSACTION READ ONLY"))
        conn.execute(text(f"SET LOCAL statement_timeout = {int(timeout * 1000)}"))


def _reason(error: Exception, took: str) -> str:
    """A short reason for a database error, without the SQL's bound values or the URL."""
    orig = getattr(error, "orig", None)
    kind = type(orig or error).__name__
    first = str(orig or "").strip().splitlines()[0] if str(orig or "").strip() else ""
    low = first.lower()
    if "statement timeout" in low or "interrupted" in low:
        return f"the query did not finish within {took}"
    if "read-only" in low or "readonly" in low or "read only" in low:
        return f"the database refused to write: the source is read-only ({first[:_REASON_MAX]})"
    if getattr(error, "connection_invalidated", False) or "connect" in low:
        return f"cannot connect to the database ({kind})"
    return f"the database refused the query ({kind}: {first[:_REASON_MAX]})"


def _plain(value: Any, zone: ZoneInfo) -> Any:
    """A column value as templates take it: numbers as numbers, times in the job's zone."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(zone)
    return value
