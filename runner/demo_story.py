"""The sweep's story for the demo (filled in once the sweep and bot are wired)."""

from __future__ import annotations

from typing import Any


async def sweep_story(demo: Any) -> int:
    """Nothing yet."""
    return 0
