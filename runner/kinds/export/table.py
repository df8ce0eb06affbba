"""The export kind's table: one row per chunk of days and how far it got.

Defined on the store's ``metadata`` and created with the store's own (``TABLES``, which
the registry reads without importing the kind): name, columns and index are those
schema version 1 created, so older stores keep theirs.
Each function is one transaction of the synchronous store; async code reaches them
through ``ExportRecords``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Column, Date, Index, String, Table, Text, select

from runner.kinds.export.rows import FIELDS, STATUSES, ExportChunk
from runner.state.records import checked_fields
from runner.state.schema import UtcDateTime, metadata, one_of

if TYPE_CHECKING:
    from runner.state import StateStore

exports = Table(
    "exports",
    metadata,
    Column("job", String, primary_key=True),
    Column("start", Date, primary_key=True),
    Column("end", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("export_id", BigInteger),
    Column("requested_at", UtcDateTime),
    Column("ready_at", UtcDateTime),
    Column("file", Text),
    Column("sha256", String(64)),
    Column("size", BigInteger),
    one_of("status", STATUSES),
    Index("ix_exports_export_id", "export_id"),
)

TABLES = (exports,)
"""The export's own table, created and migrated with the store's."""


def export_chunks(store: StateStore, job: str | None = None, *, status: str | None = None
                  ) -> list[ExportChunk]:
    """Every chunk of an export job (of every job if None), by start date.

    ``status`` keeps only chunks in that state: the webhook looks for the ``requested``
    ones of whichever job asked.
    """
    query = select(exports).order_by(exports.c.start)
    if job is not None:
        query = query.where(exports.c.job == job)
    if status is not None:
        query = query.where(exports.c.status == status)
    with store.read() as conn:
        return [ExportChunk.from_row(r) for r in conn.execute(query).mappings()]


def upsert_export_chunk(store: StateStore, job: str, start: date, end: date,
                        **fields: Any) -> ExportChunk:
    """Create or update the chunk (``job``, ``start``); a new chunk starts 'pending'."""
    values = checked_fields(fields, FIELDS, "export chunk")
    if values.get("status", "pending") not in STATUSES:
        raise ValueError(f"unknown export status {values['status']!r}")
    statement = (
        store.insert(exports)
        .values(job=job, start=start, end=end, **{"status": "pending", **values})
        .on_conflict_do_update(index_elements=["job", "start"], set_={"end": end, **values})
    )
    key = (exports.c.job == job, exports.c.start == start)
    with store.write() as conn:
        conn.execute(statement)
        row = conn.execute(select(exports).where(*key)).mappings().one()
    return ExportChunk.from_row(row)


def find_chunk_by_export_id(store: StateStore, export_id: int) -> ExportChunk | None:
    """The chunk that requested export ``export_id`` (from Pachca's webhook), or None."""
    query = select(exports).where(exports.c.export_id == export_id).limit(1)
    with store.read() as conn:
        row = conn.execute(query).mappings().first()
    return ExportChunk.from_row(row) if row else None
