"""``StateStore``: the one object the runner uses to remember things."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from functools import cached_property
from typing import IO, Any, Self

from sqlalchemy import Column, Connection, Table, exc, select

from runner import words
from runner.errors import StateError
from runner.state.engine import Clock, Database
from runner.state.operator import OperatorMixin
from runner.state.progress import ProgressMixin
from runner.state.prune import PruneMixin
from runner.state.records import RecordsMixin
from runner.state.runs import RunsMixin
from runner.state.schema import SCHEMA_VERSION, migrate, replicas, run_rows, schema_version


class StateStore(RunsMixin, RecordsMixin, OperatorMixin, ProgressMixin, PruneMixin):
    """Runs, claims and per-job state in SQLite or PostgreSQL.

    Opening the store creates or migrates its schema. Every method is synchronous,
    short and thread-safe (each uses its own connection and transaction); async code
    uses it through ``runner.state.aio.Store``. ``clock`` returns wall time in seconds
    since the epoch (default ``time.time``) and stamps every time the store writes.

    ``reading``: the caller only reads the core tables (``history``): a store whose
    schema is current is used as it is, without the write transaction that checks
    for the kinds' tables (and without importing their ``table`` modules); a new or
    older one is migrated as usual.
    """

    def __init__(self, url: str, *, replica: str, clock: Clock | None = None,
                 reading: bool = False) -> None:
        if not replica:
            raise ValueError("replica must be a non-empty name")
        self.replica = replica
        self._replica_lock: IO[bytes] | None = None
        self._db = Database(url, clock)
        try:
            if not (reading and self._current()):
                from runner.kinds import registry  # the kinds' tables: not for a reader

                tables = registry.tables()
                run_rows(tables)  # a kind's table that pruning could not delete fails here
                with self._db.write() as conn:
                    migrate(conn, self._db.now(), tables)
        except BaseException:
            self._db.dispose()
            raise

    def _current(self) -> bool:
        """Whether the schema is at ``SCHEMA_VERSION`` (False for a new database)."""
        with self._db.read() as conn:
            try:
                found = conn.execute(select(schema_version.c.version)).scalar_one_or_none()
            except (exc.OperationalError, exc.ProgrammingError):  # a new database: no table
                return False
        return found == SCHEMA_VERSION

    @cached_property
    def _run_rows(self) -> list[tuple[Table, Column[Any], Column[Any]]]:
        """The kinds' tables whose rows belong to a run (pruning deletes them first)."""
        from runner.kinds import registry

        return run_rows(registry.tables())

    def write(self) -> AbstractContextManager[Connection]:
        """A connection in one transaction, committed on success: for a kind's own tables
        (``registry.tables``); the store's errors come out as ``StateError``."""
        return self._db.write()

    def insert(self, table: Table) -> Any:
        """An INSERT into a kind's table with this backend's ``on_conflict_do_*``."""
        return self._db.insert(table)

    def now(self) -> datetime:
        """The store's clock (aware UTC), which stamps every write."""
        return self._db.now()

    def read(self) -> AbstractContextManager[Connection]:
        """A connection for reads only, for a kind's own tables."""
        return self._db.read()

    @property
    def dialect(self) -> str:
        """``'sqlite'`` or ``'postgresql'``."""
        return self._db.dialect

    def close(self) -> None:
        """Release every connection (and the SQLite replica lock); do not use it afterwards."""
        if self._replica_lock is not None:
            self._replica_lock.close()  # closing the file releases the lock
            self._replica_lock = None
        self._db.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def heartbeat(self) -> None:
        """Record that this replica is alive now."""
        db = self._db
        now = db.now()
        statement = (
            db.insert(replicas)
            .values(replica=self.replica, last_seen=now)
            .on_conflict_do_update(index_elements=["replica"], set_={"last_seen": now})
        )
        with db.write() as conn:
            conn.execute(statement)

    def live_replicas(self, within: float) -> list[str]:
        """Names of replicas (this one included) with a heartbeat in the last ``within`` s."""
        since = self._db.now() - timedelta(seconds=within)
        query = (
            select(replicas.c.replica)
            .where(replicas.c.last_seen >= since)
            .order_by(replicas.c.replica)
        )
        with self._db.read() as conn:
            return list(conn.execute(query).scalars())

    def replicas_seen(self) -> list[tuple[str, datetime]]:
        """Every replica that ever beat, with its last heartbeat, the latest first."""
        query = select(replicas.c.replica, replicas.c.last_seen).order_by(
            replicas.c.last_seen.desc()).limit(100)
        with self._db.read() as conn:
            return [(name, seen) for name, seen in conn.execute(query)]

    def ensure_single_replica_allowed(self, within: float = 120.0) -> None:
        """Refuse to share a SQLite store with another running replica (StateError).

        An OS lock on ``<file>.lock``, held while this store is open, decides: the OS
        drops it the moment its process ends, so a replica restarted right after a
        crash is not refused, as it would be by a heartbeat that has not aged yet.
        (SQLite's WAL needs every process on one host, so a local lock sees them all.)
        Without ``fcntl`` (Windows) or for an in-memory database, heartbeats within
        ``within`` seconds decide instead. PostgreSQL: always allowed.
        """
        if self.dialect != "sqlite" or self._replica_lock is not None:
            return
        path = self._db.sqlite_file
        if path is not None and sys.platform != "win32":
            self._replica_lock = _exclusive_lock(f"{path}.lock")
            return
        if any(name != self.replica for name in self.live_replicas(within)):
            raise StateError(words.text("state.sqlite_shared"))


def _exclusive_lock(path: str) -> IO[bytes]:
    """The open lock file, locked by this process; StateError if another holds it."""
    import fcntl

    try:
        handle = open(path, "ab")  # noqa: SIM115 - held open for the store's lifetime
    except OSError as error:
        raise StateError(
            words.text("state.lock_failed", path=path, reason=error.strerror)) from error
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        handle.close()
        raise StateError(words.text("state.sqlite_held", path=path)) from error
    return handle
