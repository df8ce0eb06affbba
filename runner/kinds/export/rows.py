"""The export kind's record type: one chunk of days and how far it got.

A plain dataclass (no SQLAlchemy), shared by ``records`` (the async face) and ``table``
(the synchronous queries).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

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
