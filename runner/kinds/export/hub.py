"""The export-ready webhook: match Pachca's ``ready`` to the pending request, wake waiters.

Pachca answers an export request with 204 and no id; the id arrives later in a webhook
``{"type": "export", "event": "ready", "export_id": N}``. Pachca runs one export at a
time per workspace, so a ready webhook belongs to the chunk (of any export job) whose
request is in flight: the one in status ``requested``. The receiver records the id in
the state store, which is the single source of truth: a job waiting on another replica
sees it there (it polls every second), and a job on this replica is woken at once.

A ready webhook that comes while no chunk is ``requested`` but one is ``ready`` (its
archive being downloaded and checked) is kept for that chunk (``kept``): should the
archive prove to answer an earlier request, it may be the chunk's own.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from runner import words
from runner.errors import BodyTooLarge
from runner.kinds.export.kept import KeptWebhooks
from runner.kinds.export.records import ExportRecords
from runner.pachca.models import ExportReady
from runner.server.guard import parse_json
from runner.server.secret import SERVER_JOB, SecretPath, read_body

if TYPE_CHECKING:
    from runner.kinds.export.records import ExportChunk
    from runner.server import RunnerServer
    from runner.state.aio import Store

log = logging.getLogger("runner.kinds.export.hub")

PREFIX = "/hooks/export/"
"""Where the export-ready webhook is served: this, then the secret path segment."""


def _foreign(export_id: int) -> str:
    return f"foreign_export:{export_id}"


def pick_request(chunks: list[ExportChunk]) -> ExportChunk | None:
    """The requested chunk a ready webhook belongs to.

    Pachca accepts a request only when no export is running, so the newest accepted
    request (``requested_at`` set after the 204) is the one Pachca is working on; an
    older ``requested`` chunk is one whose webhook was lost. A chunk whose request is
    still being sent (``requested_at`` not yet set) comes next: the webhook can beat
    our own bookkeeping when Pachca is quick.
    """
    accepted = [c for c in chunks if c.requested_at is not None]
    if accepted:
        return max(accepted, key=lambda c: c.requested_at)  # type: ignore[arg-type,return-value]
    return chunks[0] if chunks else None


class ExportHub:
    """Receives export webhooks and lets export jobs wait for them."""

    def __init__(self, state: Store, clock: Callable[[], datetime]) -> None:
        self._state = state
        self._clock = clock
        self.path = SecretPath(state, "export_path")
        self.counts: Counter[str] = Counter()
        self._changed = asyncio.Event()
        self._match = asyncio.Lock()
        self._kept = KeptWebhooks(state.values)
        self.turn = asyncio.Lock()
        """Held by an export job from request to download: Pachca runs one at a time."""

    def notify(self) -> None:
        """Wake every job waiting for a change of export state."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_changed(self, timeout: float) -> None:
        """Return when ``notify`` is called or after ``timeout`` seconds."""
        event = self._changed
        try:
            async with asyncio.timeout(max(timeout, 0.0)):
                await event.wait()
        except TimeoutError:
            pass

    async def handle(self, request: Request) -> Response:
        """``POST /hooks/export/{secret}``: 404 wrong path, 413 too big, 400 not JSON or
        malformed."""
        if not await self.path.matches(request.path_params.get("secret", "")):
            self.counts["not_found"] += 1
            return JSONResponse({"error": "not found"}, status_code=404)
        try:
            body = await read_body(request)
        except BodyTooLarge:
            self.counts["rejected"] += 1
            return JSONResponse({"error": "body too large"}, status_code=413)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":  # Pachca sends JSON; a form post is someone else
            self.counts["rejected"] += 1
            return JSONResponse({"error": "expected Content-Type application/json"},
                                status_code=400)
        try:
            parse_json(body)  # NaN, Infinity: not JSON, though pydantic would take them
            ready = ExportReady.model_validate_json(body, strict=True)
        except (ValueError, ValidationError):
            self.counts["rejected"] += 1
            log.warning("%s", words.text("hub.malformed"))
            return JSONResponse({"error": "expected an export ready event"}, status_code=400)
        if ready.export_id <= 0:
            self.counts["rejected"] += 1
            return JSONResponse({"error": "export_id must be positive"}, status_code=400)
        result = await self.accept(ready.export_id)
        self.counts[result] += 1
        return JSONResponse({"status": result})

    async def give_back(self, chunk: ExportChunk) -> ExportChunk:
        """Ignore ``chunk``'s export from now on (its archive proved to answer another
        request), put the chunk back to ``requested``, and match its own webhook if it
        was kept meanwhile. The chunk as it is now."""
        assert chunk.export_id is not None
        async with self._match:  # a webhook arriving now must see "requested" or be kept
            await self._state.values.set(SERVER_JOB, _foreign(chunk.export_id), True)
            back = await self._state.records(ExportRecords).upsert(
                chunk.job, chunk.start, chunk.end, status="requested", export_id=None,
                ready_at=None)
            ready = await self._adopt(back)
        if ready is None:
            return back
        self.notify()
        return ready

    async def adopt(self, chunk: ExportChunk) -> None:
        """Match a webhook kept for ``chunk`` (requested again): another replica may have
        kept it just after this one gave the chunk back. A waiting run calls it as it polls."""
        if not await self._kept.any():
            return  # the common case: one read, no lock
        async with self._match:
            ready = await self._adopt(chunk)
        if ready is not None:
            self.notify()

    async def forget(self, chunk: ExportChunk) -> None:
        """``chunk``'s archive proved its own: what was kept for it answers no request."""
        if await self._kept.any():
            async with self._match:
                await self._kept.drop(chunk)

    async def accept(self, export_id: int) -> str:
        """Record ``export_id`` as ready on the pending chunk; 'accepted', 'duplicate',
        'foreign' (disowned), 'kept' (no request pending, an archive being checked: see
        the module docstring) or 'unmatched' (nothing waits): chunks change only for
        'accepted'."""
        state = self._state
        async with self._match:  # duplicates arriving together must not race each other
            result = await self._known(export_id)
            if result is not None:
                return result
            chunks = state.records(ExportRecords)
            chunk = pick_request(await chunks.chunks(None, status="requested"))
            if chunk is None:
                checking = await chunks.chunks(None, status="ready")
                if not checking:
                    log.warning("%s", words.text("hub.unmatched", id=export_id))
                    return "unmatched"
                await self._kept.keep(export_id, checking)
                log.info("%s", words.text("hub.kept", id=export_id))
                return "kept"
            await self._ready(chunk, export_id)
        self.notify()
        return "accepted"

    async def _known(self, export_id: int) -> str | None:
        """'foreign' or 'duplicate' for an export already dealt with; else None."""
        if await self._state.values.get(SERVER_JOB, _foreign(export_id)):
            log.info("%s", words.text("hub.disowned", id=export_id))
            return "foreign"
        if await self._state.records(ExportRecords).by_export_id(export_id) is not None:
            log.info("%s", words.text("hub.duplicate", id=export_id))
            return "duplicate"
        return None

    async def _ready(self, chunk: ExportChunk, export_id: int) -> ExportChunk:
        ready = await self._state.records(ExportRecords).upsert(
            chunk.job, chunk.start, chunk.end, status="ready", export_id=export_id,
            ready_at=self._clock())
        log.info("%s", words.text("hub.ready", id=export_id, job=chunk.job, start=chunk.start,
                                  end=chunk.end))
        return ready

    async def _adopt(self, chunk: ExportChunk) -> ExportChunk | None:
        """Under ``_match``: the newest webhook kept for ``chunk`` that answers no other
        request, matched to it if it still waits; the chunk now ready, or None. The older
        ones stay kept: should the newest's archive prove stale, the chunk is given back
        and the next is tried at once, not after ``webhook_timeout``."""
        records = await self._state.records(ExportRecords).chunks(chunk.job,
                                                                  status="requested")
        if not any(r.start == chunk.start for r in records):
            return None  # ready already, or reset: nothing to match
        while (export_id := await self._kept.take_newest(chunk)) is not None:
            if await self._known(export_id) is None:
                return await self._ready(chunk, export_id)
        return None


_hubs: WeakKeyDictionary[RunnerServer, ExportHub] = WeakKeyDictionary()


def hub_of(server: RunnerServer) -> ExportHub:
    """The hub of ``server``: its webhook route and the export runs it serves share it."""
    hub = _hubs.get(server)
    if hub is None:
        hub = _hubs[server] = ExportHub(server.rt.state, server.rt.clock)
    return hub


async def webhook_url(server: RunnerServer) -> str:
    """The URL to give Pachca as ``webhook_url`` when requesting an export."""
    return server.public_url + PREFIX + await hub_of(server).path.value()
