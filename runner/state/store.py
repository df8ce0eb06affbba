"""``StateStore``: the one object the runner uses to remember things."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from runner.errors import StateError
from runner.state.engine import Clock, Database
from runner.state.records import RecordsMixin
from runner.state.runs import RunsMixin
from runner.state.schema import migrate, replicas

SQLITE_SHARED = (
    "SQLite state cannot be shared by several replicas: "
    "set PACHCA_RUNNER_STATE_URL to a PostgreSQL URL"
)


class StateStore(RunsMixin, RecordsMixin):
    """Runs, claims and per-job state in SQLite or PostgreSQL.

    Opening the store creates or migrates its schema. Every method is synchronous,
    short and thread-safe (each uses its own connection and transaction); wrap calls
    in ``asyncio.to_thread`` from async code. ``clock`` returns wall time in seconds
    since the epoch (default ``time.time``) and stamps every time the store writes.
    """

    def __init__(self, url: str, *, replica: str, clock: Clock | None = None) -> None:
        if not replica:
            raise ValueError("replica must be a non-empty name")
        self.replica = replica
        self._db = Database(url, clock)
        try:
            with self._db.write() as conn:
                migrate(conn, self._db.now())
        except BaseException:
            self._db.dispose()
            raise

    @property
    def dialect(self) -> str:
        """``'sqlite'`` or ``'postgresql'``."""
        return self._db.dialect

    def close(self) -> None:
        """Release every connection; the store must not be used afterwards."""
        self._db.dispose()

    def __enter__(self) -> StateStore:
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

    def ensure_single_replica_allowed(self, within: float = 120.0) -> None:
        """Refuse to share a SQLite store: StateError if another replica is alive."""
        if self.dialect != "sqlite":
            return
        if any(name != self.replica for name in self.live_replicas(within)):
            raise StateError(SQLITE_SHARED)
