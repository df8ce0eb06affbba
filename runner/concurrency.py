"""Bounded concurrency over a stream, and grouping the blocking calls of concurrent tasks.

``for_each``: the client's limiter decides the pace; concurrency only hides network
latency, so ``limit`` need not be large. The source is consumed lazily: at most ``limit``
items are held at once, which keeps memory flat over 100,000 chats.

``merge``: several async streams read at once, their items yielded as they come.

``Grouped``: tasks that each need one small blocking call (a state-store write) share
calls, so a sweep commits once for several chats instead of once per write.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def for_each(
    items: AsyncIterable[T] | Iterable[T],
    worker: Callable[[T], Awaitable[None]],
    *,
    limit: int = 16,
) -> None:
    """Await ``worker(item)`` for every item, at most ``limit`` at a time.

    The first exception stops taking new items, lets the running ones finish, and is
    raised (others that happened meanwhile are dropped: the first one is the cause).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    queue: asyncio.Queue[tuple[bool, T | None]] = asyncio.Queue(maxsize=limit)
    failure: list[BaseException] = []

    async def consume() -> None:
        while True:
            done, item = await queue.get()
            try:
                if done:
                    return
                if not failure:
                    await worker(item)  # type: ignore[arg-type]
            except Exception as exc:  # noqa: BLE001 - re-raised below, once
                failure.append(exc)
            finally:
                queue.task_done()

    workers = [asyncio.create_task(consume()) for _ in range(limit)]
    try:
        if isinstance(items, AsyncIterable):
            async for item in items:
                if failure:
                    break
                await queue.put((False, item))
        else:
            for item in items:
                if failure:
                    break
                await queue.put((False, item))
        for _ in workers:
            await queue.put((True, None))
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
    if failure:
        raise failure[0]


async def merge(streams: Sequence[AsyncIterable[T]], *, buffer: int = 100) -> AsyncIterator[T]:
    """Read every stream at once and yield their items in the order they arrive.

    At most ``buffer`` items wait to be taken, so memory stays flat. The first error of
    any stream is raised here, after the others are cancelled; so is leaving early.
    """
    queue: asyncio.Queue[tuple[bool, T | BaseException | None]] = asyncio.Queue(buffer)

    async def pump(stream: AsyncIterable[T]) -> None:
        try:
            async for item in stream:
                await queue.put((False, item))
        except Exception as exc:  # noqa: BLE001 - raised by the reader, below
            await queue.put((True, exc))
            return
        await queue.put((True, None))

    tasks = [asyncio.create_task(pump(stream)) for stream in streams]
    try:
        running = len(tasks)
        while running:
            finished, item = await queue.get()
            if not finished:
                yield item  # type: ignore[misc]
            elif item is None:
                running -= 1
            else:
                raise item  # type: ignore[misc]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Grouped(Generic[T, R]):
    """Awaits one ``call(items)`` (a store method) for the items submitted meanwhile.

    ``submit`` returns once the call that took its item has returned (so a write is
    committed before its caller goes on) and gives back that item's result; a failed call
    fails every item it took. While one call runs, new items wait and go together in the
    next: with n tasks submitting, one call serves about n of them.

    ``linger`` (seconds) and ``enough``: while items keep coming (the last call ended
    less than ``linger`` ago, or they came in while it ran), a call with fewer than
    ``enough`` waits up to ``linger`` for more first, as a database's group commit does:
    the records of a fan-out's posts, one each time an answer comes back, would
    otherwise each pay a transaction. After a quiet spell the call goes at once: a lone
    caller waits for no one.
    """

    def __init__(self, call: Callable[[list[T]], Awaitable[Sequence[R]]], *,
                 linger: float = 0.0, enough: int = 1) -> None:
        self._call = call
        self._linger = linger
        self._enough = enough
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._filled: asyncio.Event | None = None  # set once ``enough`` items wait
        self._ended = -math.inf  # when the last call returned, on the loop's clock

    async def submit(self, item: T) -> R:
        """Hand ``item`` to the next call and wait for its result."""
        loop = asyncio.get_running_loop()
        if self._flusher is not None and self._flusher.get_loop() is not loop:
            # A store outlives an event loop (tests, a CLI command after a run): start over.
            self._waiting, self._flusher, self._filled = [], None, None
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.append((item, future))
        if self._filled is not None and len(self._waiting) >= self._enough:
            self._filled.set()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
            self._flusher.add_done_callback(self._abandoned)
        return await future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        burst = loop.time() - self._ended < self._linger
        while self._waiting:
            if burst:  # more are on their way
                await self._gather()
            burst = True  # whatever comes in while this call runs came in a burst
            # Items whose submitter was cancelled meanwhile are not called for.
            group = [(item, f) for item, f in self._waiting if not f.done()]
            self._waiting = []
            if not group:
                continue
            try:
                results = await self._call([item for item, _ in group])
            except asyncio.CancelledError:
                for _, future in group:
                    future.cancel()
                raise
            except Exception as exc:  # noqa: BLE001 - handed to every submitter
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            finally:
                self._ended = loop.time()
            for (_, future), result in zip(group, results, strict=True):
                if not future.done():
                    future.set_result(result)

    def _abandoned(self, flusher: asyncio.Task[None]) -> None:
        """A flusher cancelled (its loop closing) leaves no submitter waiting forever."""
        if flusher.cancelled():
            for _, future in self._waiting:
                future.cancel()

    async def _gather(self) -> None:
        """Wait up to ``linger`` for ``enough`` items to be waiting."""
        if len(self._waiting) >= self._enough or self._linger <= 0:
            return
        self._filled = asyncio.Event()
        try:
            async with asyncio.timeout(self._linger):
                await self._filled.wait()
        except TimeoutError:
            pass  # as many as came meanwhile go together
        finally:
            self._filled = None
