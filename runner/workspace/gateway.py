"""The ASGI layer in front of the API: auth, rate limits, faults, log, contract checks.

Order for every request under ``/api/shared/v1`` (other paths pass straight through):

0. a write may be held at the door by the control API's gate (``hold.py``);
1. latency (``latency``, plus ``spike_latency`` for a ``spike_rate`` share);
2. auth: a missing or unknown bearer token -> 401 ``OAuthError``; a call needing a
   scope the token lacks (``scopes``: the spec's ``x-requirements``) -> 403
   ``OAuthError`` ``insufficient_scope`` with a ``WWW-Authenticate`` header naming the
   missing scope (the ``limited`` token holds reading scopes only);
3. rate limits (``ratelimit``) -> 429 with ``Retry-After`` and a short ``text/plain``
   body, not JSON: Pachca throttles before the request reaches the API, so a client that
   parses every error body as JSON breaks on it (only the daily per-chat message limit,
   not modelled, is an ``ApiError``);
4. faults: ``burst_429_rate`` -> a forced 429 (Retry-After 1-5 s / speed);
   ``error_rate`` -> 500/502/503: ``1 - error_after_share`` of them (half by default)
   before the app runs (nothing happened), the others after it (the change was made,
   the client sees an error: the duplicate trap);
   ``drop_rate`` -> the app runs, the status line and headers go out, then the
   connection is aborted (uvicorn closes it when the app raises after the start);
   ``refuse_rate`` -> a 403 before the app runs (a role taken away since the caller
   checked it);
   ``fault_calls`` (comma-separated call classes, e.g. ``message_write``) limits
   these faults to those calls; empty: every call;
5. the request and the final response are checked against the spec and logged.

Fault draws come from one seeded ``Random`` and every API request draws the same
count, so a fixed seed and request sequence reproduce the same faults.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runner.workspace.clock import format_ms
from runner.workspace.ratelimit import format_retry_after
from runner.workspace.runtime import API_PREFIX, Workspace
from runner.workspace.scopes import required_scope


class DroppedConnection(Exception):
    """Raised after the response start to make uvicorn abort the connection."""


_MESSAGE_ITEM = re.compile(r"^/messages/(\d+)$")


def call_class(method: str, path: str) -> str:
    """The rate-limit class of a call (``path`` relative to the API base)."""
    if path == "/webhooks/events" and method == "GET":
        return "events"
    if method in ("POST", "PUT", "DELETE") and (path == "/messages" or _MESSAGE_ITEM.match(path)):
        return "message_write"
    if path.startswith("/messages") and method == "GET":
        return "message_read"
    return "other"


def _json_parts(
    status: int, payload: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ] + (extra or [])
    return status, headers, body


def _rate_limited(retry_after: float) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    text = format_retry_after(retry_after)
    body = b"Retry later\n"
    return 429, [
        (b"content-type", b"text/plain"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", text.encode()),
    ], body


def _refused() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A 403 as Pachca gives when the caller's role changed since it last looked."""
    message = "You may no longer do this here"
    item = {"key": "record", "value": "0", "message": message, "code": "not_authorized",
            "payload": None}
    return _json_parts(403, {"errors": [item], "error": "role_forbidden",
                             "error_description": message})


class Gateway:
    """Wraps the Starlette app; see the module docstring for what it does."""

    def __init__(self, app: ASGIApp, ws: Workspace) -> None:
        self.app = app
        self.ws = ws

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        # Counted so a test can wait until a killed client's requests have all landed,
        # and see how many connections a client kept busy at once.
        self.ws.in_flight += 1
        self.ws.most_in_flight = max(self.ws.most_in_flight, self.ws.in_flight)
        try:
            await self._api(scope, receive, send)
        finally:
            self.ws.in_flight -= 1

    def _chat_key(self, method: str, path: str, body: bytes, user_id: int) -> int | str | None:
        """The chat a message write targets (its own rate-limit bucket)."""
        store = self.ws.store
        match = _MESSAGE_ITEM.match(path)
        if match:
            message = store.messages.get(int(match.group(1)))
            return message.chat_id if message else f"message:{match.group(1)}"
        try:
            message_body = json.loads(body or b"{}").get("message") or {}
            entity_type = message_body.get("entity_type", "discussion")
            entity_id = int(message_body["entity_id"])
        except (ValueError, TypeError, AttributeError, KeyError):
            return None
        if entity_type == "user":
            pair = (min(user_id, entity_id), max(user_id, entity_id))
            return store.direct_pairs.get(pair, f"user:{entity_id}")
        if entity_type == "thread":  # the thread's chat: the same bucket as by chat id
            thread = store.threads.get(entity_id)
            return thread.chat_id if thread else f"thread:{entity_id}"
        return entity_id

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        ws, config = self.ws, self.ws.config
        started = time.monotonic()
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        method, path = scope["method"], scope["path"]
        # No user yet (auth comes later): a direct message's chat is not told apart there.
        chat_of = partial(self._chat_key, method, path[len(API_PREFIX) :], bytes(body), 0)
        if not await ws.gate.enter(method, path, bytes(body), chat_of):
            # Held and then dropped (hold.py): it never reached "Pachca", so not logged.
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        rel = path[len(API_PREFIX) :]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        klass = call_class(method, rel)
        # Same number of draws per request, whatever the settings: reproducible faults.
        r_spike, r_burst, r_error, r_stage, r_drop, r_pick = (
            ws.fault_rng.random() for _ in range(6)
        )
        entry: dict[str, Any] = {
            "ts": format_ms(ws.store.now_ms()),
            "method": method,
            "path": path,
            "query": scope.get("query_string", b"").decode("latin-1"),
            "status": 0,
            "token_kind": None,
            "call_class": klass,
            "chat_id": None,
            "fault": None,
        }
        delay = config.latency + (config.spike_latency if r_spike < config.spike_rate else 0.0)
        if r_spike < config.spike_rate:
            entry["fault"] = "spike"
        if delay > 0:
            await asyncio.sleep(delay)

        result: tuple[int, list[tuple[bytes, bytes]], bytes] | None = None
        authz = headers.get("authorization", "")
        token = authz[7:].strip() if authz[:7].lower() == "bearer " else ""
        info = ws.store.tokens.get(token)
        drop = False
        if info is None:
            result = _json_parts(
                401,
                {
                    "error": "invalid_token",
                    "error_description": "The access token is missing, revoked or invalid",
                },
            )
        else:
            entry["token_kind"] = info.kind
            needed = required_scope(method, rel)
            if needed is not None and needed not in ws.store.token_scopes.get(token, ()):
                result = _json_parts(
                    403,
                    {
                        "error": "insufficient_scope",
                        "error_description": f"This token lacks the scope {needed}",
                    },
                    [(b"www-authenticate",
                      f'Bearer error="insufficient_scope", scope="{needed}"'.encode())],
                )
            elif config.rate_limits:
                chat = (
                    self._chat_key(method, rel, bytes(body), info.user_id)
                    if klass == "message_write"
                    else None
                )
                entry["chat_id"] = chat
                wait = ws.limiter.check(token, klass, chat)
                if wait > 0:
                    result = _rate_limited(wait)
        faulty = not config.fault_calls or klass in config.fault_calls.split(",")
        burst_rate, error_rate, drop_rate, refuse_rate = (
            (config.burst_429_rate, config.error_rate, config.drop_rate, config.refuse_rate)
            if faulty else (0, 0, 0, 0)
        )
        if result is None:
            if r_burst < burst_rate:
                entry["fault"] = "burst_429"
                result = _rate_limited((1 + int(r_pick * 5)) / config.speed)
            elif r_burst < burst_rate + refuse_rate:  # the same draw: no new one, same faults
                entry["fault"] = "refuse"
                result = _refused()
            elif r_error < error_rate and r_stage < 1 - config.error_after_share:
                entry["fault"] = "error"
                result = self._server_error(r_pick)
        post_error = result is None and r_error < error_rate
        if result is None:
            scope.setdefault("state", {})["auth"] = info
            result = await self._call_app(scope, bytes(body), receive)
            if post_error:
                entry["fault"] = "error"
                result = self._server_error(r_pick)
            elif r_drop < drop_rate:
                entry["fault"] = "drop"
                drop = True
        status, out_headers, out_body = result
        entry["status"] = status
        entry["duration_ms"] = round((time.monotonic() - started) * 1000, 2)
        ws.record(entry)
        await send({"type": "http.response.start", "status": status, "headers": out_headers})
        if not drop:
            await send({"type": "http.response.body", "body": out_body})
        # Checked after answering, so the client does not wait for it; there is no await
        # below, so any later request (e.g. /_workspace/stats) sees the result.
        if ws.checker is not None:
            ws.checker.check(
                method=method,
                path=path,
                query=_query_pairs(entry["query"]),
                headers=headers,
                body=bytes(body) or None,
                status=status,
                response_headers=[(k.decode(), v.decode()) for k, v in out_headers],
                response_body=out_body,
            )
        if drop:
            raise DroppedConnection(f"{method} {path}: connection dropped on purpose")

    @staticmethod
    def _server_error(pick: float) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        status = (500, 502, 503)[int(pick * 3) % 3]
        body = f"<html><body><h1>{status}</h1>Injected fault</body></html>".encode()
        return (
            status,
            [(b"content-type", b"text/html"), (b"content-length", str(len(body)).encode())],
            body,
        )

    async def _call_app(
        self, scope: Scope, body: bytes, receive: Receive
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, replay, capture)
        return status, headers, b"".join(chunks)


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)
