"""The sweep's archive records, grouped: intents a chunk ahead, results as they come.

Each archive is recorded twice (see ``act``): its intent before ``PUT archive``, its
result after the answer. One transaction for each is two trips to the store's threads
per chat, most of a sweep's CPU besides HTTP, since archives are paced by the rate
limit and arrive one at a time (``Grouped`` then rarely finds two to commit together).
So the intents of the next ``size`` archives are recorded in one transaction when the
first of them is taken (each is still recorded before its own request), and results
wait up to ``linger`` seconds to be committed with the ones answered meanwhile.

Nothing is lost to a crash that a single-chat transaction would have kept: an intent
whose request never went out is decided afresh by the next run (it fetches chats with
an open intent by id), and an archive answered but not yet recorded is found archived
and recorded then (``Decision.finish``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from runner.kinds.sweep.decide import Decision
    from runner.kinds.sweep.records import ChatState

T = TypeVar("T")


class _Chunk:
    """One transaction's intents: what each chat's state was, or the error."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.group: list[Decision] = []
        self.states: dict[int, ChatState | None] = {}
        self.error: BaseException | None = None
        self.filling: asyncio.Task[None] | None = None


class Intents:
    """Records archive intents ``size`` decisions at a time, in ``order`` (the order in
    which the archives are taken): a chunk when one of it is first asked for, and the
    next one in the background as soon as the last chunk recorded is reached, so that
    one chunk's worth of archives can go out while the next is committed."""

    def __init__(self, record: Callable[[list[Decision]], Awaitable[list[ChatState | None]]],
                 order: Sequence[Decision], size: int) -> None:
        self._record = record
        self._order = order
        self._index = {d.chat_id: i for i, d in enumerate(order)}
        self._size = max(1, size)
        self._chunks: dict[int, _Chunk] = {}
        self._end = 0  # the decisions before this index have their chunk
        self._ahead: set[asyncio.Task[None]] = set()

    async def before(self, decision: Decision) -> ChatState | None:
        """The chat's state before its intent, once the intent is committed."""
        at = self._index[decision.chat_id]
        chunk = self._chunks.pop(decision.chat_id, None)
        if chunk is None:  # the first, or one taken out of order: a chunk from here
            chunk = self._start(at)
            self._chunks.pop(decision.chat_id)
        if at + self._size >= self._end and self._end < len(self._order):
            next_chunk = self._start(self._end)
            task = asyncio.create_task(self._fill(next_chunk))
            self._ahead.add(task)
            task.add_done_callback(self._ahead.discard)
        if not chunk.ready.is_set() and chunk.filling is None:
            await self._fill(chunk)
        await chunk.ready.wait()
        if chunk.error is not None:
            raise chunk.error
        return chunk.states[decision.chat_id]

    def _start(self, at: int) -> _Chunk:
        """A chunk of the decisions from ``at`` that have none yet."""
        chunk = _Chunk()
        chunk.group = [d for d in self._order[at : at + self._size]
                       if d.chat_id not in self._chunks]
        self._chunks.update((d.chat_id, chunk) for d in chunk.group)
        self._end = max(self._end, at + self._size)
        return chunk

    async def _fill(self, chunk: _Chunk) -> None:
        chunk.filling = asyncio.current_task()
        try:
            states = await self._record(chunk.group)
            chunk.states = {d.chat_id: s for d, s in zip(chunk.group, states, strict=True)}
        except BaseException as exc:  # noqa: BLE001 - raised to each of the chunk's callers
            chunk.error = exc
        finally:
            chunk.ready.set()

    def close(self) -> None:
        """Stop recording ahead (the run is over)."""
        for task in self._ahead:
            task.cancel()


class Ledger(Generic[T]):
    """Results to record, committed in groups: at most ``most`` of them, or what came
    within ``linger`` seconds of the first one waiting. ``done`` is told each group
    once it is committed. A failed commit keeps its group for ``drain`` and makes the
    next ``add`` raise its error (so the run stops taking new work)."""

    def __init__(self, write: Callable[[list[T]], Awaitable[None]],
                 done: Callable[[list[T]], None], *, most: int, linger: float) -> None:
        self._write = write
        self._done = done
        self._most = max(1, most)
        self._linger = linger
        self._waiting: list[T] = []
        self._writer: asyncio.Task[None] | None = None
        self._wake: asyncio.Future[None] | None = None
        self._failure: Exception | None = None
        self._draining = False

    def add(self, item: T) -> None:
        """Queue ``item`` for the next commit; raises an earlier commit's error (the
        item stays queued for ``drain``)."""
        self._waiting.append(item)
        if self._failure is not None:
            raise self._failure
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_soon())
        elif len(self._waiting) >= self._most:
            self._wake_up()

    def _wake_up(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _write_soon(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting and self._failure is None:
            if len(self._waiting) < self._most and not self._draining:
                self._wake = loop.create_future()
                timer = loop.call_later(self._linger, self._wake_up)
                try:
                    await self._wake
                finally:
                    timer.cancel()
            await self._commit()

    async def _commit(self) -> None:
        group, self._waiting = self._waiting, []
        try:
            await self._write(group)
        except Exception as exc:  # noqa: BLE001 - raised by the next add, or drain
            self._waiting = group + self._waiting
            self._failure = exc
            return
        self._done(group)

    async def drain(self) -> None:
        """Commit everything still waiting (raises if that fails)."""
        self._draining = True
        if self._writer is not None and not self._writer.done():
            self._wake_up()
            await self._writer
        if self._waiting:
            self._failure = None
            await self._commit()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def close(self) -> None:
        """Stop a commit that is only waiting for its group to fill (the run ended)."""
        if self._writer is not None:
            self._writer.cancel()
