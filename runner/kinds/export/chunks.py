"""One export chunk's way to a file: request, wait for Pachca's webhook, download.

Everything a step does is written to the state store first, so whichever run comes
next (after a crash, a restart, or at the next fire) continues from the same place.
The leading underscore keeps the registry from taking this module for a kind.
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import os
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner import words
from runner.durations import format_duration
from runner.errors import (
    ForeignExport,
    JobError,
    NotFound,
    PachcaError,
    PermissionDenied,
    TransportError,
    ValidationFailed,
)
from runner.kinds.export.records import ExportRecords
from runner.offload import blocking
from runner.sizes import size_text

if TYPE_CHECKING:
    from runner.kinds.base import JobContext
    from runner.kinds.export.hub import ExportHub
    from runner.kinds.export.kind import ExportParams
    from runner.kinds.export.records import ExportChunk
    from runner.pachca.client import PachcaClient
    from runner.server import RunnerServer

_POLL = 1.0  # seconds between looks at the state store: the webhook may reach another replica
_PASSES = 3  # requests (each followed by a download) before a chunk is given up as lost


def span_text(start: date, end: date) -> str:
    """``2026-10-01–2026-10-31`` (one day: just the day)."""
    return start.isoformat() if start == end else f"{start.isoformat()}–{end.isoformat()}"


def _sha256(path: Path) -> str | None:
    """The file's SHA-256, or None when it cannot be read (missing: download again)."""
    try:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def _fsync(path: Path) -> None:
    # The rename must not publish a file whose bytes are still only in the page cache.
    with path.open("rb+") as f:
        os.fsync(f.fileno())


def _hub(server: RunnerServer) -> ExportHub:
    """The server's export hub. Imported here, not at the top: the hub brings the
    runner's HTTP server (uvicorn, half a second of imports) into every run-job."""
    from runner.kinds.export.hub import hub_of

    return hub_of(server)


@dataclass
class Chunk:
    """One request-sized part of the period and the file it goes to."""

    start: date
    end: date
    path: Path

    @property
    def span(self) -> str:
        """The chunk's days as operators read them: ``2026-10-01–2026-10-31``."""
        return span_text(self.start, self.end)


class ChunkExporter:
    """One run's work on its chunks: request, wait, download, with the state store."""

    def __init__(
        self, ctx: JobContext, params: ExportParams, client: PachcaClient, server: RunnerServer
    ) -> None:
        self.ctx = ctx
        self.params = params
        self.client = client
        self.server = server
        self.job = ctx.job.name
        self.records = ctx.state.records(ExportRecords)

    async def _get(self, chunk: Chunk) -> ExportChunk | None:
        for rec in await self.records.chunks(self.job):
            if rec.start == chunk.start:
                return rec
        return None

    async def _set(self, chunk: Chunk, **fields: Any) -> ExportChunk:
        return await self.records.upsert(self.job, chunk.start, chunk.end, **fields)

    async def _reset(self, chunk: Chunk) -> ExportChunk:
        return await self._set(chunk, status="pending", export_id=None, requested_at=None,
                               ready_at=None, file=None, sha256=None, size=None)

    async def chunk(self, chunk: Chunk) -> ExportChunk:
        """Bring one chunk to ``downloaded``, from wherever an earlier run left it."""
        rec = await self._get(chunk)
        if rec is not None and rec.end != chunk.end:
            # Another period began the same day: its progress says nothing about this one.
            rec = await self._reset(chunk)
        # Each pass asks Pachca (unless the chunk is ready, or its request is still live)
        # and then always collects what that brought: a pass ends with the file, or with
        # the export lost (gone, a stale archive, a changed file). Three lost: give up.
        for _ in range(_PASSES):
            if rec is None or rec.status != "downloaded" and (
                    rec.status != "ready" or rec.export_id is None):
                rec = await self._request_and_wait(chunk)
            done, rec = await self._collect(chunk, rec)
            if done:
                return rec
        raise JobError(words.text("export.lost", span=chunk.span))

    async def _collect(self, chunk: Chunk, rec: ExportChunk) -> tuple[bool, ExportChunk]:
        """Check or download a ready chunk: (True, downloaded), or (False, the chunk set
        back) when the export is lost."""
        say = self.ctx.report.say
        if rec.status == "downloaded":
            if await blocking(_sha256, chunk.path) == rec.sha256:
                say(words.text("export.downloaded_before", span=chunk.span, file=chunk.path.name))
                self.ctx.report.count("skipped:downloaded")
                return True, rec
            say(words.text("export.file_changed", file=chunk.path.name))
            if rec.export_id is None:
                return False, await self._reset(chunk)
            rec = await self._set(chunk, status="ready")
        export_id = rec.export_id
        if export_id is None:  # nothing to download: ask again
            return False, rec
        try:
            done = await self._download(chunk, export_id)
        except NotFound:
            say(words.text("export.gone", id=export_id, span=chunk.span))
            return False, await self._reset(chunk)
        except ForeignExport as exc:
            # A late webhook of a request given up on (stale, or refused with a 5xx it had
            # in fact taken) was matched to this chunk's request. The chunk's own webhook
            # may have come meanwhile: the hub kept it and matches it now.
            say(words.text("export.other_span", id=export_id, held=exc, span=chunk.span))
            return False, await _hub(self.server).give_back(rec)
        await _hub(self.server).forget(done)
        return True, done

    async def _request_and_wait(self, chunk: Chunk) -> ExportChunk:
        """Request the chunk (unless a live request is pending) and wait until it is ready."""
        hub = _hub(self.server)
        async with hub.turn:  # this runner's export jobs take turns, as Pachca requires
            rec = await self._get(chunk)
            if rec is not None and rec.status in ("ready", "downloaded"):
                return rec  # the webhook came while we queued for our turn
            if rec is not None and rec.status == "requested" and not self._stale(rec):
                self.ctx.report.say(words.text("export.waiting", span=chunk.span))
            else:
                await self._request(chunk, rec)
            return await self._wait(chunk)

    def _stale(self, rec: ExportChunk) -> bool:
        """A request never confirmed (crash while sending) or too old to be answered."""
        if rec.requested_at is None:
            return True
        return _wall_clock() - rec.requested_at > timedelta(seconds=self.params.rerequest_after)

    async def _request(self, chunk: Chunk, before: ExportChunk | None) -> None:
        """Ask Pachca for the chunk, recording 'requested' first so a quick webhook finds it."""
        from runner.kinds.export.hub import webhook_url

        url = await webhook_url(self.server)
        await self._set(chunk, status="requested", export_id=None, requested_at=None,
                        ready_at=None)
        try:
            await self.client.request_export(
                chunk.start, chunk.end, url, chat_ids=self.params.chat_ids or None,
                skip_chats_file=self.params.skip_chats_file,
            )
        except TransportError as exc:
            if not exc.reached_server:
                await self._undo_request(chunk, before)
            raise
        except PachcaError as exc:
            await self._undo_request(chunk, before)
            detail = getattr(exc, "detail", str(exc))
            if isinstance(exc, ValidationFailed):
                raise JobError(words.text("export.refused", span=chunk.span, detail=detail)) from None
            if isinstance(exc, PermissionDenied):
                raise JobError(words.text("export.owner_only", span=chunk.span,
                                          detail=detail)) from None
            raise
        # Set alone: the webhook may already have marked the chunk ready meanwhile.
        await self._set(chunk, requested_at=_wall_clock())
        self.ctx.report.count("requested")
        self.ctx.report.say(words.text("export.requested", span=chunk.span))

    async def _undo_request(self, chunk: Chunk, before: ExportChunk | None) -> None:
        """Put the chunk back as it was: Pachca did not take the request."""
        now = await self._get(chunk)
        if now is None or now.status != "requested" or now.export_id is not None:
            return
        if before is not None and before.status == "requested":
            await self._set(chunk, requested_at=before.requested_at)
        else:
            await self._set(chunk, status="pending", requested_at=None)

    async def _wait(self, chunk: Chunk) -> ExportChunk:
        """The chunk once the webhook marked it ready; JobError after ``webhook_timeout``."""
        hub = _hub(self.server)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.params.webhook_timeout
        while True:
            rec = await self._get(chunk)
            if rec is not None and rec.status in ("ready", "downloaded") and rec.export_id:
                return rec
            if rec is not None and rec.status == "requested":
                await hub.adopt(rec)  # kept by another replica just as this one gave it back
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise JobError(
                    f"Pachca did not report the export of {chunk.span} as ready within"
                    f" {_minutes(self.params.webhook_timeout)}; the request stays pending and"
                    " the next run resumes it"
                )
            await hub.wait_changed(min(_POLL, remaining))

    async def _download(self, chunk: Chunk, export_id: int) -> ExportChunk:
        """Stream the archive to a temporary file beside the target, then rename it over."""
        path = chunk.path
        # A runner killed mid-download (SIGKILL, power loss) never reached its cleanup:
        # its partial file would stay beside the archive for good.
        for stale in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
            stale.unlink(missing_ok=True)
        part = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            size, sha256 = await self.client.download_export(export_id, part)
            outside = await blocking(_outside, part, chunk, self.params.chat_ids)
            if outside is not None:
                raise ForeignExport(outside)
            await blocking(_fsync, part)
            os.replace(part, path)
        except OSError as exc:
            raise JobError(words.text("export.cannot_write", path=path,
                                      reason=exc.strerror or exc)) from None
        except NotFound:
            raise  # the export is gone from Pachca: the caller requests it again
        except PachcaError as exc:
            raise JobError(words.text("export.download_failed", id=export_id, span=chunk.span,
                                      error=exc)) from None
        finally:
            part.unlink(missing_ok=True)  # after a failure or cancellation: no partial file
        rec = await self._set(chunk, status="downloaded", export_id=export_id, file=str(path),
                              sha256=sha256, size=size)
        self.ctx.report.count("downloaded")
        self.ctx.report.count("bytes", size)
        self.ctx.report.say(words.text("export.downloaded", span=chunk.span, file=path.name,
                                       size=size_text(size, words.lang())))
        return rec


def _outside(path: Path, chunk: Chunk, chat_ids: Sequence[int]) -> str | None:
    """What in the archive at ``path`` lies outside ``chunk`` (a day, a chat), or None.

    Pachca's webhook says only which export is ready, not what it holds; the archive's
    ``<chat>_<id>/<day>.json`` names do.
    """
    first, last = chunk.start.isoformat(), chunk.end.isoformat()
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None  # not for this check to judge: the file is kept as Pachca sent it
    for name in names:
        folder, _, file = name.rpartition("/")
        day = file.removesuffix(".json")
        if folder and len(day) == 10 and not first <= day <= last:
            return f"messages of {day}"
        chat = folder.rsplit("_", 1)[-1]
        if folder and chat_ids and chat.isdigit() and int(chat) not in chat_ids:
            return f"chat {chat}"
    return None


def _wall_clock() -> datetime:
    """Now, for when Pachca was asked. Not ``ctx.now()``: a ``run-job --at`` rerun starts
    its clock at the fire time again, so a lost webhook's request would never look stale
    and the chunk would wait for it on every rerun, forever."""
    return datetime.now(UTC)


def _minutes(seconds: float) -> str:
    """``30 min`` for whole minutes, else the short duration form (``90s``, ``1h30m``)."""
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds % 60 == 0 and seconds < 3600 * 3:
        return f"{int(seconds // 60)} min"
    return format_duration(seconds)
