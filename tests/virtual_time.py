"""One virtual clock for the client's rate limiter and the workspace's, together.

The client paces its requests; the workspace counts them on its own clock. In real time
a loaded machine bunches them on the way (a task woken late sends beside the next one,
a busy server reads several at once), so "no 429 at the documented pace" would depend
on the machine's speed. Under ``VirtualTime`` both sides read one clock that moves only
when every request sent so far has been answered:

- the workspace's clock is frozen and moved through the control API;
- the client's limiter (``limiter()``) reads the same time and sleeps on it;
- ``transport`` counts the requests in flight (it passes them to real HTTP unchanged).

So each request reaches the workspace at exactly the moment its limiter gave it, and a
test's timings are exact sums of the limiter's intervals, whatever the machine.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from types import TracebackType
from typing import Self

import httpx

from runner.pachca.limits import RateLimiter, RateLimits


class _Counted(httpx.AsyncBaseTransport):
    """Real HTTP, counting what is in flight so that time waits for the answers."""

    def __init__(self, time: VirtualTime, inner: httpx.AsyncBaseTransport) -> None:
        self._time = time
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._time.in_flight += 1
        try:
            return await self._inner.handle_async_request(request)
        finally:
            self._time.in_flight -= 1
            self._time.changed.set()

    async def aclose(self) -> None:
        await self._inner.aclose()


class VirtualTime:
    """Seconds since the start, shared by a client and a workspace (see the module)."""

    def __init__(self, control_url: str) -> None:
        self.now = 0.0
        self.in_flight = 0
        self.changed = asyncio.Event()
        self.transport = _Counted(self, httpx.AsyncHTTPTransport())
        self._control = httpx.AsyncClient(base_url=control_url, timeout=30)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._moved_ms = 0  # how far the workspace clock has been moved since the start
        self._driver: asyncio.Task[None] | None = None

    def clock(self) -> float:
        """The virtual now, for the limiter's buckets."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Wait until the virtual clock has moved ``seconds`` on."""
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), woken))
        self.changed.set()
        await woken

    def limiter(self, limits: RateLimits) -> RateLimiter:
        """A client rate limiter keeping ``limits`` on this clock."""
        return RateLimiter(limits, clock=self.clock, sleep=self.sleep)

    async def __aenter__(self) -> Self:
        response = await self._control.post("/clock", json={"freeze": True})
        response.raise_for_status()
        self._driver = asyncio.create_task(self._drive())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._driver is not None:
            self._driver.cancel()
            try:
                await self._driver
            except asyncio.CancelledError:
                pass
        await self._control.aclose()

    async def _drive(self) -> None:
        while True:
            await self.changed.wait()
            self.changed.clear()
            # Let every task made runnable by the last change reach its next wait (a
            # woken task sends its request before its first real suspension).
            for _ in range(3):
                await asyncio.sleep(0)
            if self.in_flight or not self._sleepers:
                continue
            wake, _, woken = heapq.heappop(self._sleepers)
            if wake > self.now:
                await self._move_workspace(wake)
                self.now = wake
            if not woken.done():
                woken.set_result(None)
            self.changed.set()

    async def _move_workspace(self, wake: float) -> None:
        # Whole milliseconds on the workspace side, never more than half of one behind.
        target_ms = round(wake * 1000)
        if target_ms > self._moved_ms:
            step = (target_ms - self._moved_ms) / 1000
            response = await self._control.post("/clock", json={"advance": step})
            response.raise_for_status()
            self._moved_ms = target_ms
