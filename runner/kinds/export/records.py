"""The export kind's records in the state store: one row per chunk of days.

Registered with the async store as ``Store.records(ExportRecords)``; each method is one
transaction of the synchronous engine, run on the store's threads.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from runner.state.aio import KindRecords

if TYPE_CHECKING:
    from runner.state import ExportChunk


class ExportRecords(KindRecords):
    """Each chunk's progress: requested, ready, downloaded (with its file and hash)."""

    async def chunks(self, job: str | None = None, *, status: str | None = None
                     ) -> list[ExportChunk]:
        """The chunks of ``job`` (of every job if None), by start date; of one ``status``."""
        return await self.call(self.engine.export_chunks, job, status=status)

    async def upsert(self, job: str, start: date, end: date, **fields: Any) -> ExportChunk:
        """Create or update the chunk (``job``, ``start``); the new record."""
        return await self.call(self.engine.upsert_export_chunk, job, start, end, **fields)

    async def by_export_id(self, export_id: int) -> ExportChunk | None:
        """The chunk that requested export ``export_id``, or None."""
        return await self.call(self.engine.find_chunk_by_export_id, export_id)
