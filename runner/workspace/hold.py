"""Holding one write request at the door: a test's way to catch a process mid-run.

Killing a process "between two of its writes" by watching the request log and then
sending a signal is a race: on a fast machine the run finishes in between. With the
gate armed, the write after the ``n``-th waits at the door (before latency, auth,
limits, faults and the log) until it is released, so the process is surely still
running, having made exactly ``n`` writes, whatever the machine's speed.

``POST /_workspace/hold``:

- ``{"after_writes": n}`` arms the gate: API writes (POST, PUT, PATCH, DELETE) that
  arrive from now on pass until ``n`` have; the next one is held. It holds one request,
  then is spent. With ``"chat_id": c`` only message writes to chat ``c`` count and may
  be held (several processes write at once: the others' writes pass untouched).
- ``{"release": "drop"}`` answers the held request 503 without running or logging it
  (it never reached Pachca: for a client that was killed meanwhile); ``{"release":
  "pass"}`` lets it through. Either also disarms a gate that holds nothing yet.

Both answer (and ``GET`` reads) ``{"armed": bool, "passed": int, "held": bool}``; while
a request is held, ``"request": {"method", "path", "body"}`` says which (the body as
JSON, or text: a test tells whose run it caught by what it was posting).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WriteGate:
    """The gate itself; it lives on the server's event loop (no locks needed)."""

    def __init__(self) -> None:
        self._left: int | None = None  # writes still to pass; None: not armed
        self._chat: int | None = None  # only writes to this chat count; None: all do
        self._waiter: asyncio.Future[bool] | None = None
        self._held: dict[str, object] | None = None
        self.passed = 0

    def arm(self, after_writes: int, chat_id: int | None = None) -> None:
        """Hold the write that comes after ``after_writes`` more (to ``chat_id`` only)."""
        if after_writes < 0:
            raise ValueError("after_writes must be >= 0")
        self._left, self._chat, self.passed = after_writes, chat_id, 0

    def release(self, let_through: bool) -> None:
        """Let the held request go on (or drop it); disarm the gate either way."""
        self._left = None
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(let_through)

    async def enter(self, method: str, path: str, body: bytes,
                    chat_of: Callable[[], object]) -> bool:
        """Wait here if this request is the one to hold; False: drop it.

        ``chat_of()`` names the chat a message write goes to (asked only when armed
        for one chat).
        """
        if self._left is None or method not in WRITE_METHODS:
            return True
        if self._chat is not None and chat_of() != self._chat:
            return True
        if self._left > 0:
            self._left -= 1
            self.passed += 1
            return True
        self._left = None
        self._waiter = asyncio.get_running_loop().create_future()
        self._held = {"method": method, "path": path, "body": _shown(body)}
        try:
            return await self._waiter
        finally:
            self._waiter, self._held = None, None

    def state(self) -> dict[str, object]:
        """What the control API reports."""
        state: dict[str, object] = {
            "armed": self._left is not None,
            "passed": self.passed,
            "held": self._waiter is not None,
        }
        if self._held is not None:
            state["request"] = self._held
        return state


def _shown(body: bytes) -> object:
    """A held request's body as the control API shows it: its JSON, else its text."""
    text = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


async def hold(request: Request) -> Response:
    """``GET|POST /_workspace/hold`` (see the module docstring)."""
    gate: WriteGate = request.app.state.ws.gate
    if request.method == "POST":
        try:
            body = json.loads(await request.body() or b"{}")
            if "after_writes" in body:
                chat = body.get("chat_id")
                gate.arm(int(body["after_writes"]), None if chat is None else int(chat))
            elif body.get("release") in ("drop", "pass"):
                gate.release(body["release"] == "pass")
            else:
                raise ValueError("give 'after_writes' (a count; 'chat_id' to count one"
                                 " chat's message writes only) or 'release': drop | pass")
        except (ValueError, TypeError, AttributeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(gate.state())
