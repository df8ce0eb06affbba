"""Tables of the state store and the migrations that build them.

``MIGRATIONS[n - 1]`` turns schema version ``n - 1`` into ``n``; version 1 creates
everything. A later change adds a step with explicit DDL (never edits step 1), so a
database at any older version can be brought forward. A database whose version is
newer than ``SCHEMA_VERSION`` belongs to a newer runner and is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    inspect,
    select,
    text,
)

from runner import words
from runner.errors import StateError


def aware_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is refused, since its zone is a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: pass an aware datetime")
    return value.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; naive values are taken as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        # SQLite keeps text without an offset: store UTC wall time so text order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JsonText(TypeDecorator[Any]):
    """A JSON value kept as text, the same on every backend."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


# Autoincrement ids: BIGINT on PostgreSQL, the rowid alias (INTEGER) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

RUN_STATUSES = ("running", "succeeded", "failed", "skipped", "abandoned")
TARGET_STATUSES = ("started", "done")


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``values`` (a kind's tables use it too)."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"ck_%(table_name)s_{column}")


metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

replicas = Table(
    "replicas",
    metadata,
    Column("replica", String, primary_key=True),
    Column("last_seen", UtcDateTime, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String, nullable=False, unique=True),
    Column("job", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("scheduled_for", UtcDateTime),
    Column("replica", String, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("lease_until", UtcDateTime, nullable=False),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("counts", JsonText),
    Column("error", Text),
    Column("lines", JsonText),
    # How each earlier attempt of a resumed run ended: [{attempt, status, error}]
    # (schema version 2); counts and lines add up over the attempts.
    Column("earlier_attempts", JsonText),
    # ``lines`` and ``error`` as said: message ids and values (``runner.words.phrase``),
    # so each reader has them in their language; ``lines`` and ``error`` keep the text
    # as written, which rows made before (schema version 5) have alone.
    Column("said_lines", JsonText),
    Column("said_error", JsonText),
    one_of("status", RUN_STATUSES),
    Index("ix_runs_job_started", "job", "started_at"),
    Index("ix_runs_job_scheduled", "job", "scheduled_for"),
    # ``history`` without a job lists the newest runs of all: without this index, a
    # million-run history is read whole and sorted for twenty lines (schema version 3).
    Index("ix_runs_started", "started_at", "id"),
    # ``history --failed`` and the console's outcome filter (of all jobs, of one): the
    # newest runs of an outcome as an index range, not a scan of the whole history in
    # search of a rare outcome (schema version 4).
    Index("ix_runs_status_started", "status", "started_at", "id"),
    Index("ix_runs_job_status_started", "job", "status", "started_at", "id"),
)

targets = Table(
    "targets",
    metadata,
    Column("run_key", String, primary_key=True),
    Column("target", String, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("detail", JsonText),
    Column("updated_at", UtcDateTime, nullable=False),
    # The message a done post made: a lost answer is never matched with a message
    # already recorded (schema version 2).
    Column("message_id", BigInteger),
    one_of("status", TARGET_STATUSES),
    Index("ix_targets_message_id", "message_id"),
)

events = Table(
    "events",
    metadata,
    Column("event_id", String, primary_key=True),
    Column("handled_at", UtcDateTime, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("job", String, primary_key=True),
    Column("failing_since", UtcDateTime),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_alert_at", UtcDateTime),
    Column("last_error", Text),
)

job_values = Table(
    "job_values",
    metadata,
    Column("job", String, primary_key=True),
    Column("name", String, primary_key=True),
    Column("value", JsonText),
)


def run_rows(tables: Sequence[Table]) -> list[tuple[Table, Column[Any], Column[Any]]]:
    """The kinds' tables whose rows belong to a run: (table, the column pointing at
    ``runs.id``, the one-column primary key pruning deletes them by)."""
    found = []
    for table in tables:
        for fk in table.foreign_keys:
            if fk.references(runs) and fk.column is runs.c.id:
                keys = list(table.primary_key.columns)
                if len(keys) != 1:
                    raise StateError(f"table {table.name} points at runs: give it a "
                                     f"one-column primary key, so pruning can delete its rows")
                found.append((table, fk.parent, keys[0]))
    return found


def _v1(conn: Connection) -> None:
    """The core tables. The tables version 1 also made for job kinds are the kinds' now
    (``registry.tables``): ``migrate`` creates them in the same transaction, the same."""
    tables = [replicas, runs, targets, events, alerts, job_values]
    metadata.create_all(conn, tables=tables)


def _v2(conn: Connection) -> None:
    """``targets.message_id`` (filled from the JSON detail of the posts already done) and
    ``runs.earlier_attempts``.

    Step 1 builds tables from the current definitions, so a database created by it
    already has the columns: this step adds only what is missing.
    """
    found = inspect(conn)
    if "message_id" not in {c["name"] for c in found.get_columns("targets")}:
        conn.execute(text("ALTER TABLE targets ADD COLUMN message_id BIGINT"))
    if "earlier_attempts" not in {c["name"] for c in found.get_columns("runs")}:
        conn.execute(text("ALTER TABLE runs ADD COLUMN earlier_attempts TEXT"))
    for index in targets.indexes:
        index.create(conn, checkfirst=True)
    done = conn.execute(
        select(targets.c.run_key, targets.c.target, targets.c.detail)
        .where(targets.c.status == "done", targets.c.message_id.is_(None))
    ).all()
    for run_key, target, detail in done:
        message_id = (detail or {}).get("message_id")
        if isinstance(message_id, int):
            conn.execute(
                targets.update()
                .where(targets.c.run_key == run_key, targets.c.target == target)
                .values(message_id=message_id)
            )


def _runs_indexes(conn: Connection) -> None:
    """The indexes of ``runs`` a store lacks: ``ix_runs_started`` (version 3: the newest
    runs of every job without a sort of the whole table), ``ix_runs_status_started`` and
    ``ix_runs_job_status_started`` (version 4: the newest runs of an outcome).

    A SQLite store someone analysed (``ANALYZE``: sqlite_stat1) has each new index
    analysed too: with figures for the old indexes and none for a new one, the planner
    took ``ix_runs_job_status_started`` for ``history JOB`` and sorted all of the job's
    runs."""
    names = {i["name"] for i in inspect(conn).get_indexes("runs")}
    analysed = conn.dialect.name == "sqlite" and inspect(conn).has_table("sqlite_stat1")
    for index in runs.indexes:
        if index.name not in names:
            index.create(conn)
            if analysed:
                conn.execute(text(f"ANALYZE {index.name}"))


def _v5(conn: Connection) -> None:
    """``runs.said_lines`` and ``runs.said_error``; the rows already there keep their
    text alone (history is never rewritten), which is what readers show for them."""
    found = {c["name"] for c in inspect(conn).get_columns("runs")}
    for column in ("said_lines", "said_error"):
        if column not in found:
            conn.execute(text(f"ALTER TABLE runs ADD COLUMN {column} TEXT"))


# Versions 3 and 4 each added indexes of ``runs``: either step creates what is missing.
MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _runs_indexes, _runs_indexes,
                                                  _v5]
SCHEMA_VERSION = len(MIGRATIONS)
_MIGRATION_LOCK = 0x70616368  # "pach": one runner migrates at a time on PostgreSQL


def migrate(conn: Connection, now: datetime, kinds_tables: Sequence[Table] = ()) -> int:
    """Bring the schema to ``SCHEMA_VERSION`` inside the caller's transaction, and create
    the job kinds' own tables (``runner.kinds.registry.tables``) that are missing.

    Returns the version found before migrating (0 for a new database).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
    schema_version.create(conn, checkfirst=True)
    found = conn.execute(select(schema_version.c.version)).scalar_one_or_none()
    current = found or 0
    if current > SCHEMA_VERSION:
        raise StateError(
            words.text("state.newer_schema", found=current, known=SCHEMA_VERSION))
    for step in MIGRATIONS[current:]:
        step(conn)
    for table in kinds_tables:  # a kind versions its tables itself: new ones only
        table.create(conn, checkfirst=True)
    if found is None:
        conn.execute(schema_version.insert().values(id=1, version=SCHEMA_VERSION, updated_at=now))
    elif current < SCHEMA_VERSION:
        conn.execute(schema_version.update().values(version=SCHEMA_VERSION, updated_at=now))
    return current
