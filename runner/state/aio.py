"""``Store``: the state store for async code, and the one place its calls leave the loop.

The engine (``StateStore``) is synchronous: SQLite's ``BEGIN IMMEDIATE`` and the
per-process write lock, PostgreSQL's pooled connections, each method one short
transaction. ``Store`` runs those methods on a bounded pool of threads of its own, so
the event loop never blocks on the database and a burst of callers queues for the
pool instead of taking every thread of the process. One more thread, the fire lane
(``submit_soon``), is kept for the short reads a scheduled fire waits on before it starts:
behind a burst of runs' claims and effects in the pool's queue, such a read would make
every fire of the burst late by the whole queue. Its typed methods are split by
concern (``concerns``): ``runs``, ``replicas``, ``effects``, ``values``, ``operator``,
``logins``, ``progress``, ``events``, ``alerts``; a kind that keeps records of its own subclasses ``KindRecords``
and gets its instance from ``records``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from runner.state.concerns import (
    AlertsApi,
    EffectsApi,
    EventsApi,
    LoginsApi,
    OperatorApi,
    ProgressApi,
    ReplicasApi,
    RunsApi,
    ValuesApi,
)

if TYPE_CHECKING:
    from runner.state.engine import Clock
    from runner.state.store import StateStore

P = ParamSpec("P")
R = TypeVar("R")
K = TypeVar("K", bound="KindRecords")

STORE_THREADS = 8
"""Threads per store: more than SQLite's one writer needs, within PostgreSQL's pool
(5 connections + 10 overflow), so no call waits for a connection on a thread."""


class Store:
    """Typed async access to a ``StateStore`` (see the module docstring).

    ``sync`` is the engine itself, for synchronous code (CLI commands, tests).
    """

    def __init__(self, engine: StateStore, *, threads: int = STORE_THREADS) -> None:
        self.sync = engine
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="state")
        self._fire_lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="state-fire")
        self._records: dict[type[KindRecords], KindRecords] = {}
        self.runs = RunsApi(self)
        self.replicas = ReplicasApi(self)
        self.effects = EffectsApi(self)
        self.values = ValuesApi(self)
        self.operator = OperatorApi(self)
        self.logins = LoginsApi(self)
        self.progress = ProgressApi(self)
        self.events = EventsApi(self)
        self.alerts = AlertsApi(self)

    @classmethod
    async def open(cls, url: str, *, replica: str, clock: Clock | None = None) -> Store:
        """Open (create or migrate) the store at ``url`` without blocking the loop."""
        from runner.state.store import StateStore

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="state-open")
        try:
            opener = functools.partial(StateStore, url, replica=replica, clock=clock)
            engine = await asyncio.get_running_loop().run_in_executor(pool, opener)
        finally:
            pool.shutdown(wait=False)
        return cls(engine)

    @property
    def replica(self) -> str:
        """This replica's name in the history."""
        return self.sync.replica

    @property
    def dialect(self) -> str:
        """``'sqlite'`` or ``'postgresql'``."""
        return self.sync.dialect

    async def call(self, method: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``method(*args, **kwargs)`` on the store's threads (the caller's context kept)."""
        context = contextvars.copy_context()
        bound = functools.partial(context.run, method, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, bound)

    def submit_soon(self, method: Callable[P, R], *args: P.args, **kwargs: P.kwargs
                    ) -> Future[R]:
        """``method(...)`` submitted now to the fire lane, a thread of its own which no
        run's write is queued on; its result in the future returned (wait on it with
        ``asyncio.wrap_future``). Only for short reads (one query) that a fire waits on."""
        context = contextvars.copy_context()
        return self._fire_lane.submit(functools.partial(context.run, method, *args, **kwargs))

    async def batch(
        self, work: Callable[Concatenate[StateStore, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """``work(engine, ...)`` in one hop: several reads (a console page) for one wait."""
        return await self.call(work, self.sync, *args, **kwargs)

    def records(self, kind: type[K]) -> K:
        """The kind's own records (one instance per store, made on first use)."""
        found = self._records.get(kind)
        if found is None:
            found = self._records[kind] = kind(self)
        return found  # type: ignore[return-value]  # keyed by its own type above

    async def close(self) -> None:
        """Close the engine (its connections and replica lock), then the threads."""
        try:
            await self.call(self.sync.close)
        finally:
            self._pool.shutdown(wait=False)
            self._fire_lane.shutdown(wait=False)


class KindRecords:
    """Base of a kind's typed async records: subclass it, add ``async`` methods that
    ``await self.call(self.engine.<method>, ...)``, and reach it by ``Store.records``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.sync
        self.call = store.call
