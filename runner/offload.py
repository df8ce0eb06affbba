"""Blocking work that is not the state store's, run off the event loop.

Hashing and syncing files, checking a password hash, reading a catalogue file or another
site's SQL database, rendering charts: each would stall every other task on the loop.
They go to the loop's default pool of threads (bounded by Python); the state store's
calls never do: they have their own pool (``runner.state.aio.Store``), so a slow file
never holds up a claim or an effect's record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


async def blocking(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)`` on a worker thread; the caller's context goes along."""
    return await asyncio.to_thread(fn, *args, **kwargs)
