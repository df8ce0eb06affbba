"""The bot's outgoing webhook: each event delivered to the bot, POSTed to its ``outgoing_url``.

Pachca's guide (``guides/webhook/handler``): the body is the event's JSON payload, signed
with the bot's signing secret (header ``Pachca-Signature``: hex HMAC-SHA256 of the raw
body); what is not answered 2xx is tried again. Here: at most ``ATTEMPTS`` tries, the
next after ``0.5 s x try`` (divided by ``speed``). The workspace pushes only when it is
given the bot's signing secret (``WorkspaceConfig.webhook_secret``) and the bot has an
``outgoing_url``; without a secret, events reach the bot through its history alone
(fewer deliveries, never more than Pachca makes). ``GET /_workspace/pushes`` lists the
tries (type, event, try, status or error), never the URL or the body.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runner.workspace.clock import format_ms
from runner.workspace.runtime import workspace_of

if TYPE_CHECKING:
    from runner.workspace.runtime import Workspace

ATTEMPTS = 3
SIGNATURE = "Pachca-Signature"


def sign(secret: str, body: bytes) -> str:
    """``Pachca-Signature`` of ``body``: hex HMAC-SHA256 under the signing secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Pusher:
    """Sends the bot's events to its outgoing webhook in the background."""

    def __init__(self, ws: Workspace, secret: str) -> None:
        self._ws = ws
        self._secret = secret
        self._tasks: set[asyncio.Task[None]] = set()
        self.tries: list[dict[str, Any]] = []

    def push(self, payload: dict[str, Any]) -> None:
        """Send ``payload`` to the bot's ``outgoing_url`` (if it has one), not waiting."""
        url = self._ws.store.bots[self._ws.store.bot_id].get("outgoing_url")
        if not url:
            return
        body = json.dumps(payload, ensure_ascii=False).encode()
        # The store runs on the server's loop: every caller of push is on it.
        task = asyncio.get_running_loop().create_task(self._send(url, body, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, url: str, body: bytes, payload: dict[str, Any]) -> None:
        headers = {"Content-Type": "application/json", SIGNATURE: sign(self._secret, body)}
        async with httpx.AsyncClient(timeout=10.0, trust_env=False) as client:
            for attempt in range(1, ATTEMPTS + 1):
                record: dict[str, Any] = {
                    "type": payload.get("type"), "event": payload.get("event"),
                    "attempt": attempt, "at": format_ms(self._ws.store.now_ms())}
                try:
                    answer = await client.post(url, content=body, headers=headers)
                    record["status"] = answer.status_code
                except Exception as exc:  # noqa: BLE001 - a failed try is recorded, never raised
                    record["error"] = type(exc).__name__
                self.tries.append(record)
                if 200 <= record.get("status", 0) < 300:
                    return
                if attempt < ATTEMPTS:
                    await asyncio.sleep(0.5 * attempt / self._ws.config.speed)


async def pushes(request: Request) -> Response:
    """Every try to push an event to the bot's outgoing webhook so far."""
    pusher = workspace_of(request).pusher
    return JSONResponse({"pushes": pusher.tries if pusher else []})


CONTROL_ROUTES = [Route("/pushes", pushes, methods=["GET"])]
