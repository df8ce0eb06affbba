"""Time windows of chats' last messages, for reading one listing as several at once.

A listing is a chain of round trips (each page needs the previous one's cursor); cut
into windows of last-message time, it becomes shorter chains side by side. Windows
have inclusive bounds at millisecond precision (as Pachca's ``last_message_at_after`` /
``_before`` filters have) and never share an instant, so every chat whose time stays
put is read exactly once. ``None`` is an open bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

Window = tuple[datetime | None, datetime | None]
"""(after, before), both inclusive; None: open."""

TICK = timedelta(milliseconds=1)
"""The filters' precision: the gap between one window's start and the next one's end."""


def _floor_ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def split(start: datetime, end: datetime | None, parts: int, now: datetime
          ) -> list[Window]:
    """[start, end] cut into up to ``parts`` consecutive windows of equal width; the
    last one keeps ``end``, which may be None (open: then the width is measured up to
    ``now``). A span of a single instant is one window."""
    span = (end if end is not None else now) - start
    parts = max(1, min(parts, int(span / TICK)))
    step = span / parts
    starts = [_floor_ms(start + step * i) for i in range(parts)]
    ends: list[datetime | None] = [s - TICK for s in starts[1:]]
    return list(zip(starts, [*ends, end], strict=True))


def recent(after: datetime | None, before: datetime | None, ages: Sequence[timedelta],
           now: datetime) -> tuple[list[Window], datetime | None]:
    """Windows of the newest chats, back from ``before`` (or ``now``) by growing
    ``ages``, newest first, and the inclusive end of the older rest they leave (from
    ``after``); with no window made, that is ``before`` itself.

    Recent chats are the densest in a real workspace, so narrow windows there keep each
    chain short; the first window keeps ``before`` (open at None: a chat written to
    while it is read still belongs to it). Ages that would reach ``after`` are dropped.
    """
    anchor = before if before is not None else now
    edges: list[datetime] = []
    for age in sorted(ages):
        edge = _floor_ms(anchor - age)
        if (after is not None and edge <= after) or (edges and edge >= edges[-1]):
            continue
        edges.append(edge)
    if not edges:
        return [], before
    ends: list[datetime | None] = [before, *(e - TICK for e in edges[:-1])]
    return list(zip(edges, ends, strict=True)), edges[-1] - TICK
