"""Message exports: request (204), the ``ready`` webhook, and the 302 to a temporary link.

Flow: ``POST /chats/exports`` validates and answers 204 with no id; ``export_delay``
seconds later (divided by ``speed``) the archive is built and, after
``export_webhook_delay_extra``, Pachca-style ``{"type": "export", "event": "ready",
"export_id", "created_at"}`` is POSTed to ``webhook_url`` (twice if
``export_webhook_duplicates``; up to 3 attempts on connection errors or 5xx). While
``export_webhooks_held_from`` is N > 0, webhooks of the N-th export and later are held
(N = 1: every one) until that setting changes or a test releases one export's webhook
with ``POST /_workspace/exports/{id}/release``: a test decides, by event, when each
webhook reaches the runner (Pachca too may deliver late and out of order).
``POST /_workspace/exports/{id}/download`` with ``{"held": true}`` makes that export's
download (``GET /chats/exports/{id}``) wait at the door until ``{"held": false}``: a
test catches a runner in the middle of fetching an archive (a slow link) and lets, say,
another webhook arrive meanwhile.
``GET /chats/exports/{id}`` answers 302 to ``/_workspace/downloads/<random>.zip``, a
link without auth that expires after ``download_ttl`` seconds (divided by ``speed``);
before the archive is ready it answers 404 ``export_file_not_found``.

Validation answers 422 ``ApiError``: missing or non-http ``webhook_url``
(``invalid_webhook_url``), unparsable dates, end before start or a period longer than 45
days (366 with ``chat_ids``: ``invalid_date_range``), more than 50 ``chat_ids``
(``too_long``), unknown chats (``not_found``), another export still in progress
(``already_exists``: one at a time per workspace). Only the owner token may export.

Archive layout: ``chats.json`` (unless ``skip_chats_file``) listing the exported chats;
one folder ``<name>_<id>/`` per chat with messages in the period, holding one
``YYYY-MM-DD.json`` per UTC day (that day's messages, oldest first). Messages of
direct chats are exported with an empty ``content``; threads of direct chats are not
exported at all (Pachca's export guide). Without ``chat_ids`` every chat with messages
in the period is exported.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import re
import time
import zipfile
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from runner.workspace.clock import MS_PER_DAY, day_of, day_start_ms, format_ms
from runner.workspace.models import Export
from runner.workspace.responses import (
    ApiProblem,
    api_error,
    body_bool,
    invalid,
    json_body,
    no_content,
    not_found,
    require,
)
from runner.workspace.runtime import workspace_of
from runner.workspace.threads import parent_chat

if TYPE_CHECKING:
    from runner.workspace.runtime import Workspace

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def folder_name(name: str, chat_id: int) -> str:
    """``<name>_<id>`` with path-hostile characters replaced."""
    return f"{_UNSAFE.sub('_', name).strip() or 'chat'}_{chat_id}"


def build_archive(
    chats: list[dict[str, Any]],
    days: dict[str, dict[str, list[dict[str, Any]]]],
    skip_chats_file: bool,
) -> bytes:
    """Zip the snapshot: ``chats.json`` and ``<folder>/<day>.json`` files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if not skip_chats_file:
            archive.writestr("chats.json", json.dumps(chats, ensure_ascii=False, indent=1))
        for folder, per_day in days.items():
            for day, messages in sorted(per_day.items()):
                archive.writestr(
                    f"{folder}/{day}.json", json.dumps(messages, ensure_ascii=False, indent=1)
                )
    return buffer.getvalue()


class ExportManager:
    """Runs exports on the server's event loop and hands out download links."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._rng = random.Random(f"{ws.config.seed}:downloads")
        self.downloads: dict[str, tuple[int, float]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._hold_changed = asyncio.Event()

    def busy(self) -> bool:
        """Whether an export is still being prepared."""
        return any(e.status == "pending" for e in self._ws.store.exports.values())

    def start(self, export: Export) -> None:
        """Prepare ``export`` in the background (never blocks a request)."""
        task = asyncio.get_running_loop().create_task(self._run(export))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, export: Export) -> None:
        config = self._ws.config
        await asyncio.sleep(config.export_delay / config.speed)
        try:
            chats, days = self._snapshot(export)
            export.archive = await asyncio.to_thread(
                build_archive, chats, days, export.skip_chats_file
            )
        except Exception as exc:  # noqa: BLE001 - a broken export must not stay pending forever
            export.status = "failed"
            export.deliveries.append({"error": f"archive failed: {exc!r}"})
            return
        export.status = "ready"
        export.ready_ms = self._ws.store.now_ms()
        await asyncio.sleep(config.export_webhook_delay_extra / config.speed)
        await self._hold(export)
        body = {
            "type": "export",
            "event": "ready",
            "export_id": export.id,
            "created_at": format_ms(export.ready_ms),
        }
        copies = 2 if config.export_webhook_duplicates else 1
        async with httpx.AsyncClient(timeout=10.0, trust_env=False) as client:
            for _ in range(copies):
                await self._deliver(client, export, body)

    def _held(self, export: Export) -> bool:
        if export.webhook_released:
            return False
        ordinal = list(self._ws.store.exports).index(export.id) + 1
        return 0 < self._ws.config.export_webhooks_held_from <= ordinal

    async def _hold(self, export: Export) -> None:
        """Wait while ``export``'s webhook is held (see the module docstring)."""
        export.webhook_held = True
        try:
            while self._held(export):
                await self._hold_changed.wait()
        finally:
            export.webhook_held = False

    def hold_changed(self) -> None:
        """Wake held webhooks to look again: the hold setting changed or one was released."""
        event, self._hold_changed = self._hold_changed, asyncio.Event()
        event.set()

    def release(self, export: Export) -> None:
        """Let ``export``'s ready webhook go (now, or once ready) whatever the hold says."""
        export.webhook_released = True
        self.hold_changed()

    def hold_download(self, export: Export, held: bool) -> None:
        """Keep ``export``'s downloads waiting at the door (or let them through)."""
        export.download_held = held
        self.hold_changed()

    async def download_gate(self, export: Export) -> None:
        """Wait while a test holds ``export``'s download."""
        export.downloads_waiting += 1
        try:
            while export.download_held:
                await self._hold_changed.wait()
        finally:
            export.downloads_waiting -= 1

    async def _deliver(
        self, client: httpx.AsyncClient, export: Export, body: dict[str, Any]
    ) -> None:
        for attempt in range(1, 4):
            record: dict[str, Any] = {"attempt": attempt, "at": format_ms(self._ws.store.now_ms())}
            try:
                response = await client.post(export.webhook_url, json=body)
                record["status"] = response.status_code
            except httpx.HTTPError as exc:
                record["error"] = repr(exc)
            export.deliveries.append(record)
            if record.get("status", 500) < 500:
                return
            await asyncio.sleep(0.5 * attempt / self._ws.config.speed)

    def _snapshot(
        self, export: Export
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[dict[str, Any]]]]]:
        # Runs on the loop (no await inside), so the store cannot change meanwhile.
        store = self._ws.store
        start = day_start_ms(date.fromisoformat(export.start_day))
        end = day_start_ms(date.fromisoformat(export.end_day)) + MS_PER_DAY
        wanted = set(export.chat_ids) if export.chat_ids else None
        days: dict[str, dict[str, list[dict[str, Any]]]] = {}
        chat_ids: set[int] = set(wanted or ())
        for message in sorted(store.messages.values(), key=lambda m: m.id):
            if not start <= message.created_ms < end:
                continue
            if wanted is not None and message.chat_id not in wanted:
                continue
            chat = store.chats[message.chat_id]
            if chat.thread_id is not None:
                parent = parent_chat(store, store.threads[chat.thread_id])
                if parent is not None and parent.personal:
                    continue
            chat_ids.add(chat.id)
            folder = folder_name(chat.name, chat.id)
            days.setdefault(folder, {}).setdefault(day_of(message.created_ms), []).append(
                message.to_json(content=not chat.personal)
            )
        chats = [store.chats[cid].to_json() for cid in sorted(chat_ids)]
        return chats, days

    def link(self, export: Export, origin: str) -> str:
        """A fresh temporary download URL for a ready export."""
        name = f"{self._rng.getrandbits(128):032x}"
        ttl = self._ws.config.download_ttl / self._ws.config.speed
        self.downloads[name] = (export.id, time.monotonic() + ttl)
        return f"{origin}/_workspace/downloads/{name}.zip"

    async def close(self) -> None:
        """Cancel exports still running (server shutdown)."""
        for task in list(self._tasks):
            task.cancel()


def _day(body: dict[str, Any], key: str) -> date:
    value = body.get(key)
    if not isinstance(value, str):
        raise invalid(key, f"{key} is required (YYYY-MM-DD)", value, "required")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(key, f"{key} must be a date (YYYY-MM-DD)", value) from None


async def export_request(request: Request) -> Response:
    """``POST /chats/exports`` (204, no body)."""
    ws = workspace_of(request)
    require(request, "owner")
    body = await json_body(request)
    url = body.get("webhook_url")
    if not isinstance(url, str) or not url.strip():
        raise invalid("webhook_url", "webhook_url is required", url, "required")
    if not url.startswith(("http://", "https://")):
        raise invalid(
            "webhook_url", "webhook_url must be an http(s) URL", url, "invalid_webhook_url"
        )
    start, end = _day(body, "start_at"), _day(body, "end_at")
    chat_ids = body.get("chat_ids")
    if chat_ids is not None and (
        not isinstance(chat_ids, list)
        or not all(isinstance(c, int) and not isinstance(c, bool) for c in chat_ids)
    ):
        raise invalid("chat_ids", "chat_ids must be a list of integers", chat_ids)
    if chat_ids is not None and len(chat_ids) > 50:
        raise invalid("chat_ids", "At most 50 chats per export", len(chat_ids), "too_long")
    if end < start:
        raise invalid(
            "end_at", "end_at is before start_at", body.get("end_at"), "invalid_date_range"
        )
    today = datetime.fromtimestamp(ws.store.now_ms() / 1000, UTC).date()
    if end >= today:
        # Pachca's guides are silent here; an archive of a day still going on would lose
        # that day's tail for good, so the stricter answer is the one modelled.
        raise invalid("end_at", "end_at must be a UTC day that has already ended",
                      body.get("end_at"), "invalid_date_range")
    max_days = 366 if chat_ids else 45
    if (end - start).days + 1 > max_days:
        raise invalid(
            "end_at",
            f"The period is longer than {max_days} days",
            body.get("end_at"),
            "invalid_date_range",
        )
    for cid in chat_ids or ():
        if cid not in ws.store.chats:
            raise invalid("chat_ids", f"Chat {cid} not found", cid, "not_found")
    skip_chats_file = body_bool(body, "skip_chats_file", False)
    if ws.exports.busy():
        raise ApiProblem(
            api_error(422, "export", "Another export is still in progress", "already_exists")
        )
    export = Export(
        ws.store.next_id("export"),
        start.isoformat(),
        end.isoformat(),
        url,
        list(chat_ids) if chat_ids else None,
        skip_chats_file,
        ws.store.now_ms(),
    )
    ws.store.exports[export.id] = export
    ws.exports.start(export)
    return no_content()


async def export_download(request: Request) -> Response:
    """``GET /chats/exports/{id}``: 302 to a temporary link once ready."""
    ws = workspace_of(request)
    require(request, "owner")
    export = ws.store.exports.get(request.path_params["id"])
    if export is None:
        raise not_found("export", request.path_params["id"])
    if export.status != "ready":
        raise ApiProblem(
            api_error(
                404, "export", "The export is not ready yet", "export_file_not_found", export.id
            )
        )
    await ws.exports.download_gate(export)
    origin = f"{request.url.scheme}://{request.url.netloc}"
    return RedirectResponse(ws.exports.link(export, origin), status_code=302)


def _named_export(request: Request) -> Export | Response:
    """The export a control request's path names, or its 404."""
    export = workspace_of(request).store.exports.get(request.path_params["id"])
    if export is None:
        return JSONResponse({"error": f"export {request.path_params['id']} not found"},
                            status_code=404)
    return export


async def release_webhook(request: Request) -> Response:
    """``POST /_workspace/exports/{id}/release``: that export's held webhook goes out."""
    export = _named_export(request)
    if isinstance(export, Response):
        return export
    workspace_of(request).exports.release(export)
    return JSONResponse(export.to_json())


async def hold_download(request: Request) -> Response:
    """``POST /_workspace/exports/{id}/download`` ``{"held": bool}``: hold that export's
    download at the door, or let it through."""
    export = _named_export(request)
    if isinstance(export, Response):
        return export
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("held"), bool):
        return JSONResponse({"error": 'expected {"held": true} or {"held": false}'},
                            status_code=400)
    workspace_of(request).exports.hold_download(export, body["held"])
    return JSONResponse(export.to_json())


ROUTES = [
    Route("/chats/exports", export_request, methods=["POST"]),
    Route("/chats/exports/{id:int}", export_download, methods=["GET"]),
]
CONTROL_ROUTES = [Route("/exports/{id:int}/release", release_webhook, methods=["POST"]),
                  Route("/exports/{id:int}/download", hold_download, methods=["POST"])]
