"""Ready webhooks kept while a chunk's archive is being checked, for that chunk.

Pachca may deliver the webhook of an earlier request late; the hub matches it to the
pending chunk, whose run then finds other days in the archive and gives it back. If the
chunk's own webhook arrives in between (no chunk is ``requested``, one is ``ready``), it
is kept here, tied to the chunks being checked, and matched when one of them is given
back: Pachca sends each webhook once. Several may be kept for one chunk: they are tried
newest first, one each time the chunk is given back, before it waits for another. Kept
in the state store (another replica may have
received it) under one value, at most ``KEEP_AT_MOST`` entries for ``KEEP_FOR`` at most:
junk cannot grow it. A chunk whose archive proves its own forgets what was kept for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from runner.server.secret import SERVER_JOB

if TYPE_CHECKING:
    from runner.kinds.export.records import ExportChunk
    from runner.state.concerns import ValuesApi

NAME = "kept_exports"
"""The value (of the server's job) holding ``[[export_id, at, [[job, start], ...]], ...]``."""
KEEP_AT_MOST = 8
"""A bound on what is kept: Pachca runs one export at a time, so more is junk."""
KEEP_FOR = timedelta(days=1)
"""How long a kept webhook waits for its chunk to be given back."""

Key = tuple[str, str]


def key(chunk: ExportChunk) -> Key:
    """How a kept webhook names a chunk: its job and first day."""
    return chunk.job, chunk.start.isoformat()


@dataclass(frozen=True)
class Kept:
    """One kept webhook: the export, when it came, the chunks then being checked."""

    export_id: int
    at: datetime
    chunks: frozenset[Key]


class KeptWebhooks:
    """The kept webhooks in the state store. Callers serialise changes (the hub's lock)."""

    def __init__(self, values: ValuesApi) -> None:
        self._values = values

    async def any(self) -> bool:
        """Whether anything is kept (one read: the common answer is no)."""
        return bool(await self._values.get(SERVER_JOB, NAME))

    async def _load(self) -> list[Kept]:
        now = datetime.now(UTC)  # not the runtime clock: a rerun's clock starts in the past
        kept = []
        for export_id, at, chunks in await self._values.get(SERVER_JOB, NAME, []):
            entry = Kept(int(export_id), datetime.fromisoformat(at),
                         frozenset((job, start) for job, start in chunks))
            if now - entry.at <= KEEP_FOR:
                kept.append(entry)
        return kept

    async def _save(self, kept: list[Kept]) -> None:
        rows = [[k.export_id, k.at.isoformat(), sorted(map(list, k.chunks))]
                for k in kept[-KEEP_AT_MOST:] if k.chunks]
        await self._values.set(SERVER_JOB, NAME, rows)

    async def keep(self, export_id: int, checking: list[ExportChunk]) -> None:
        """Keep ``export_id`` for the chunks being checked."""
        kept = [k for k in await self._load() if k.export_id != export_id]
        await self._save([*kept, Kept(export_id, datetime.now(UTC),
                                      frozenset(map(key, checking)))])

    async def take_newest(self, chunk: ExportChunk) -> int | None:
        """The newest export kept for ``chunk``, no longer kept for it; the older ones stay
        kept, to be tried should this one's archive prove stale too. None if none."""
        kept = await self._load()
        mine = [k for k in kept if key(chunk) in k.chunks]
        if not mine:
            return None
        newest = mine[-1]
        await self._save([Kept(k.export_id, k.at, k.chunks - {key(chunk)}) if k is newest
                          else k for k in kept])
        return newest.export_id

    async def drop(self, chunk: ExportChunk) -> None:
        """Keep nothing more for ``chunk``."""
        kept = await self._load()
        if any(key(chunk) in k.chunks for k in kept):
            await self._save([Kept(k.export_id, k.at, k.chunks - {key(chunk)}) for k in kept])
