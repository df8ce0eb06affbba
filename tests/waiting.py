"""Waiting in tests: poll a condition until a deadline, never sleep a fixed time.

The deadline is only a guard against a hang: a test passes as soon as its condition
holds, so the default is generous enough for a loaded 2-core CI machine (a 10 s guard
once failed there on a step that takes 4 s on an idle one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

GUARD_S = 60.0
"""How long a wait may take before the test fails: a guard, never a measurement."""


def wait_for(
    condition: Callable[[], T | None],
    timeout: float = GUARD_S,
    what: str = "the condition",
    interval: float = 0.02,
) -> T:
    """Poll ``condition`` until it returns something true, and return that; fail after
    ``timeout`` seconds, naming ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


async def eventually(
    check: Callable[[], Awaitable[T | None]], what: str, timeout: float = GUARD_S
) -> T:
    """The async ``wait_for``: await ``check`` until it returns something true."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.02)
