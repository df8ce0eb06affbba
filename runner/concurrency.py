"""Bounded concurrency over a stream: enough requests in flight to reach the rate limit.

The client's limiter decides the pace; concurrency here only hides network latency,
so ``limit`` can be generous. The source is consumed lazily: at most ``limit`` items
are held at once, which keeps memory flat over 100,000 chats.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


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
