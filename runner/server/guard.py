"""What every request to the runner's server goes through before an endpoint trusts it.

``BodyGuard`` (ASGI middleware) reads each request's body against a deadline and a
size cap, whichever endpoint reads it: a client that sends its body too slowly gets
408 and the connection is closed, one that sends too much gets 413, one that goes
away mid-body is dropped. Each costs one short log line, never a traceback: these
endpoints are reachable without authentication (the signature is in the body), so
whatever a stranger can make the server log must stay small. ``head_guarded`` does
the same for the request line and headers, which uvicorn waits for without limit:
a connection that has not sent a whole head in time is closed.

``parse_json`` is the strict JSON reading webhooks get: ``NaN`` and ``Infinity`` are
not JSON (Python's parser accepts them), and nesting deep enough to exhaust the
parser's recursion is refused like any other malformed body.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from runner import words
from runner.errors import BodyRefused, BodyTooLarge, BodyTooSlow

log = logging.getLogger("runner.server")

BODY_TIMEOUT = 10.0
"""Default seconds a client has to send a whole request body."""
MAX_REQUEST_BODY = 1024 * 1024
"""Largest body any endpoint may read; endpoints set smaller caps of their own."""


class BodyGuard:
    """ASGI middleware: a deadline and a size cap on every request body.

    ``timeout`` counts from the request's arrival (its headers), so a body trickled
    in a byte at a time is cut off like one that never comes.
    """

    def __init__(
        self, app: ASGIApp, *, timeout: float = BODY_TIMEOUT, max_body: int = MAX_REQUEST_BODY
    ) -> None:
        self.app = app
        self.timeout = timeout
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        received = 0
        body_done = False
        started = False

        async def guarded_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # after the body only a disconnect can come: no deadline then
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge
                body_done = not message.get("more_body", False)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracked_send)
        except ClientDisconnect:
            log.warning("%s", words.text("server.client_gone", what=_what(scope), client=_client(scope)))
        except BodyRefused as refused:
            log.warning("%s", words.text("server.client_refused", what=_what(scope),
                                        client=_client(scope), status=refused.status,
                                        reason=refused.reason))
            if not started:
                await answer_and_close(send, refused.status, refused.reason)


async def answer_and_close(send: Send, status: int, reason: str) -> None:
    """A short JSON error that also closes the connection: the rest of the body is
    never read, so the connection cannot carry another request."""
    body = json.dumps({"error": reason}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    })
    await send({"type": "http.response.body", "body": body})


def _what(scope: Scope) -> str:
    # The path is not logged: webhook paths carry a secret segment.
    return f"{scope.get('method', '?')} request"


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> Any:
    """``body`` as strict JSON; ValueError if it is not (NaN, Infinity, too deeply nested,
    not UTF-8 included)."""
    try:
        return json.loads(body, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


class _HeadGuardedH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline on each request's head (line and headers),
    counted from the connection's opening or the previous response's end."""

    head_timeout = BODY_TIMEOUT
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def handle_events(self) -> None:
        super().handle_events()
        if self._request_under_way():  # from here on the body deadline applies
            self._disarm_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def _request_under_way(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _disarm_head_deadline(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._request_under_way() or self.transport.is_closing():
            return
        client = self.client[0] if self.client else "?"
        log.warning("%s", words.text("server.slow_head", client=client,
                                    seconds=f"{self.head_timeout:.0f}"))
        self.transport.close()


def head_guarded(timeout: float) -> type[H11Protocol]:
    """The HTTP protocol class for uvicorn's ``Config(http=...)``: h11 with a deadline of
    ``timeout`` seconds on each request's head."""
    return type("HeadGuardedH11", (_HeadGuardedH11,), {"head_timeout": timeout})
