"""The export kind's records in the state store: one row per chunk of days.

Registered with the async store as ``Store.records(ExportRecords)``; each method is one
transaction of the synchronous store (``table``), run on the store's threads. The
record type imports without SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from runner.state.aio import KindRecords
from runner.state.models import FromRow

STATUSES = ("pending", "requested", "ready", "downloaded")


@dataclass(frozen=True)
class ExportChunk(FromRow):
    """One date range of a chat export job and how far it got."""

    job: str
    start: date
    end: date
    status: str  # pending | requested | ready | downloaded
    export_id: int | None = None
    requested_at: datetime | None = None
    ready_at: datetime | None = None
    file: str | None = None
    sha256: str | None = None
    size: int | None = None


FIELDS = frozenset(f.name for f in fields(ExportChunk)) - {"job", "start", "end"}


class ExportRecords(KindRecords):
    """Each chunk's progress: requested, ready, downloaded (with its file and hash)."""

    async def chunks(self, job: str | None = None, *, status: str | None = None
                     ) -> list[ExportChunk]:
        """The chunks of ``job`` (of every job if None), by start date; of one ``status``."""
        from runner.kinds.export.table import export_chunks

        return await self.call(export_chunks, self.engine, job, status=status)

    async def upsert(self, job: str, start: date, end: date, **fields: Any) -> ExportChunk:
        """Create or update the chunk (``job``, ``start``); the new record."""
        from runner.kinds.export.table import upsert_export_chunk

        return await self.call(upsert_export_chunk, self.engine, job, start, end, **fields)

    async def by_export_id(self, export_id: int) -> ExportChunk | None:
        """The chunk that requested export ``export_id``, or None."""
        from runner.kinds.export.table import find_chunk_by_export_id

        return await self.call(find_chunk_by_export_id, self.engine, export_id)
