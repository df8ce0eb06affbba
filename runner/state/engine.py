"""The database behind the state store: URL handling, engine setup, transactions.

SQLite gets WAL (readers never block the writer), a busy timeout and foreign keys,
and every write transaction starts with ``BEGIN IMMEDIATE``: a deferred transaction
that reads and then writes can fail at once with SQLITE_BUSY instead of waiting.
Threads of one process take turns at SQLite writes through a lock (see ``write``).
PostgreSQL always goes through the psycopg 3 driver.

SQLAlchemy errors are translated here, once, into ``StateError``.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from runner import words
from runner.errors import StateError

Clock = Callable[[], float]
"""Wall time in seconds since the epoch, like ``time.time``."""

SQLITE_BUSY_TIMEOUT_MS = 15_000
SQLITE_AUTOCHECKPOINT = 1000
"""WAL pages after which a commit checkpoints (SQLite's default), for every write but a
``bulk_write``."""
PG_CONNECT_TIMEOUT_S = 10
_READ_ONLY = "pachca_runner_read_only"
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (works on unparsable URLs too)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return _PASSWORD_IN_URL.sub(r"\1***@", url)


def _one_line(error: BaseException, secret: str | None) -> str:
    orig = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    text = lines[0] if lines else type(orig).__name__
    if secret:
        text = text.replace(secret, "***")
    return text


def parse_url(url: str) -> URL:
    """The state URL with its driver chosen; StateError (in words) if it is not one."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise StateError(words.text("state.invalid_url", url=mask_url(url))) from error
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    raise StateError(words.text("state.unsupported_url", url=mask_url(url)))


class Database:
    """One Engine plus short transactions; safe to share between threads."""

    def __init__(self, url: str, clock: Clock | None = None) -> None:
        self._url = parse_url(url)
        self._shown = mask_url(url)
        self._secret = self._url.password if isinstance(self._url.password, str) else None
        self._clock = clock or time.time
        self.dialect = self._url.get_backend_name()
        # SQLite admits one writer; a waiting one sleeps in SQLite's busy handler, in
        # steps of up to 100 ms. Threads of this process queue on this lock instead and
        # start the moment the previous write commits (a kind may write from many threads).
        # Other processes still meet the busy timeout.
        self._write_turn: AbstractContextManager[Any] = (
            threading.RLock() if self.dialect == "sqlite" else nullcontext()
        )
        try:
            self.engine = self._create_engine()
        except (exc.ArgumentError, ImportError, TypeError, ValueError) as error:
            raise StateError(
                words.text("state.bad_url", url=self._shown, error=error)) from error

    def _create_engine(self) -> Engine:
        if self.dialect == "postgresql":
            connect_args: dict[str, Any] = {}
            if "connect_timeout" not in self._url.query:
                connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
            return create_engine(self._url, connect_args=connect_args, pool_pre_ping=True)
        in_memory = self._url.database in (None, "", ":memory:")
        engine = create_engine(
            self._url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            # An in-memory database lives in one connection: share it (one thread only).
            **({"poolclass": StaticPool} if in_memory else {}),
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    @property
    def sqlite_file(self) -> str | None:
        """The SQLite database file, or None (PostgreSQL, or SQLite in memory)."""
        if self.dialect != "sqlite" or self._url.database in (None, "", ":memory:"):
            return None
        return str(self._url.database)

    def now(self) -> datetime:
        """The store's clock as an aware UTC datetime."""
        return datetime.fromtimestamp(self._clock(), UTC)

    def insert(self, table: Table) -> Any:
        """A dialect-specific INSERT supporting ``on_conflict_do_*``."""
        # Imported here: a command on SQLite need not load PostgreSQL's dialect, and back.
        if self.dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection inside one transaction, committed on success."""
        with self._write_turn, self._translated(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def bulk_write(self) -> Iterator[Connection]:
        """``write`` for a transaction of many pages (a pruning step), whose commit does not
        checkpoint the WAL: call ``checkpoint`` after it, outside the write turn.

        SQLite checkpoints inside the commit that takes the WAL past 1,000 pages, and that
        commit returns only once the pages are copied back and the file synced: on a
        million-run store that held the write turn 70-740 ms while its statements took
        a few. A bulk writer crosses the mark every few commits.
        """
        if self.dialect != "sqlite":
            with self.write() as conn:
                yield conn
            return
        with self._translated(), self.engine.connect() as conn:
            raw = _outside_transactions(conn)
            raw.execute("PRAGMA wal_autocheckpoint = 0")
            try:
                with self._write_turn, conn.begin():
                    yield conn
            finally:
                try:  # the pooled connection checkpoints again like every other
                    raw.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_AUTOCHECKPOINT}")
                except sqlite3.Error:
                    conn.invalidate()  # never back to the pool without it

    def checkpoint(self) -> None:
        """Copy the WAL's committed pages back into the database file (SQLite), without
        waiting for readers or writers: what a ``bulk_write`` commit left to do. Other
        threads' writes go on meanwhile (it takes no write turn)."""
        if self.dialect != "sqlite":
            return
        with self._translated(), self.engine.connect() as conn:
            _outside_transactions(conn).execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads only (a deferred transaction on SQLite)."""
        with self._translated(), self.engine.connect() as conn:
            conn.execution_options(**{_READ_ONLY: True})
            yield conn

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except exc.DBAPIError as error:
            folder = self._missing_folder()
            if folder is not None:  # SQLite's own words only say it cannot open the file
                raise StateError(words.text(
                    "state.no_folder", url=self._shown, folder=folder)) from error
            if error.connection_invalidated or isinstance(error, exc.OperationalError):
                raise StateError(words.text(
                    "state.unusable", url=self._shown, error=_one_line(error, self._secret)
                )) from error
            raise StateError(
                words.text("state.error", error=_one_line(error, self._secret))) from error
        except exc.SQLAlchemyError as error:
            raise StateError(
                words.text("state.error", error=_one_line(error, self._secret))) from error

    def _missing_folder(self) -> str | None:
        """The folder of the SQLite file when it does not exist (SQLite creates the
        file, never its folder); None otherwise."""
        name = self._url.database
        if self.dialect != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
            return None
        folder = os.path.dirname(os.path.abspath(name))
        return None if os.path.isdir(folder) else folder

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _outside_transactions(conn: Connection) -> Any:
    """The SQLite connection itself, for a PRAGMA run outside any transaction (through
    SQLAlchemy, the first statement would begin one)."""
    raw = conn.connection.driver_connection
    if raw is None:
        raise StateError(words.text("state.error", error="connection closed"))
    return raw


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transactions out of pysqlite's hands so that _sqlite_on_begin decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Put the file in WAL mode, waiting out other connections like the busy timeout does.

    WAL is a property of the file, so most connections find it set and change nothing.
    Changing it, and reading it while another process closes the file's last connection
    (which checkpoints and removes the WAL), can fail with "database is locked" at once:
    SQLite does not call the busy handler there. Seen when a crashed run's rerun opened
    the store as a reader closed it. So retry until the busy timeout is spent.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _sqlite_on_begin(conn: Connection) -> None:
    read_only = conn.get_execution_options().get(_READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
