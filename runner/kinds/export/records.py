"""The export kind's records in the state store: one row per chunk of days.

Registered with the async store as ``Store.records(ExportRecords)``; each method is one
transaction of the synchronous store (``table``), run on the store's threads. The
record type imports without SQLAlchemy.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from runner.kinds.export.rows import FIELDS, STATUSES, ExportChunk
from runner.state.aio import KindRecords

__all__ = ["FIELDS", "STATUSES", "ExportChunk", "ExportRecords"]


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
