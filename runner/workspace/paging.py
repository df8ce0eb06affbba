"""Cursor pagination over sorted indexes, shaped like Pachca's ``meta.paginate``.

Every list is an ascending Python list of key tuples (``(id,)`` or ``(sort_value, id)``).
A cursor is base64url JSON ``{"k": anchor_key, "d": "n"|"p"}``: the records strictly
after (``n``) or before (``p``) the anchor in list order. Keys hold no row positions, so
cursors stay valid while records are added or deleted, and a page costs a bisect plus
a walk over the records it inspects, never a scan of the whole list.

Faithful quirks: cursors are never null (``next_page`` at the end of data points after
the last record, so fetching it later returns what was added); and a full page that is
not the last one is sometimes cut short (``short_cut``), so clients must follow
``has_next`` instead of stopping at a short page.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from typing import Any

Key = tuple[int, ...]

KEY_MIN: Key = (-(2**62),)
KEY_MAX: Key = (2**62,)


class CursorError(ValueError):
    """A cursor that this workspace did not issue."""


def encode_cursor(key: Key, direction: str) -> str:
    """Opaque cursor text for ``key`` and direction ``n``/``p``."""
    raw = json.dumps({"k": list(key), "d": direction}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[Key, str]:
    """Anchor key and direction of a cursor; ``CursorError`` if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise CursorError("malformed cursor") from exc
    if not isinstance(data, dict):
        raise CursorError("malformed cursor")
    key, direction = data.get("k"), data.get("d")
    if (
        direction not in ("n", "p")
        or not isinstance(key, list)
        or not 1 <= len(key) <= 2
        or not all(isinstance(part, int) and not isinstance(part, bool) for part in key)
    ):
        raise CursorError("malformed cursor")
    return tuple(key), direction


def _walk(index: Sequence[Key], start: int, step: int) -> Iterator[Key]:
    i, n = start, len(index)
    while 0 <= i < n:
        yield index[i]
        i += step


def _start(index: Sequence[Key], anchor: Key, step: int) -> int:
    """Position of the first key strictly beyond ``anchor`` when walking by ``step``."""
    return bisect_right(index, anchor) if step > 0 else bisect_left(index, anchor) - 1


def paginate(
    index: Sequence[Key],
    *,
    limit: int,
    cursor: str | None,
    descending: bool,
    match: Callable[[Key], bool] | None = None,
    short_cut: Callable[[Key, int], int] | None = None,
) -> tuple[list[Key], dict[str, Any]]:
    """One page of ``index`` keys (in list order) and its ``meta`` object.

    ``match`` filters keys; ``short_cut(anchor, limit)`` says how many records to hold
    back from a full page that has more after it (0 for a normal page).
    """
    forward = -1 if descending else 1  # index step that moves forward in list order
    list_start = KEY_MAX if descending else KEY_MIN
    if cursor is None:
        anchor, direction = list_start, "n"
    else:
        anchor, direction = decode_cursor(cursor)
    step = forward if direction == "n" else -forward
    found: list[Key] = []
    for key in _walk(index, _start(index, anchor, step), step):
        if match is None or match(key):
            found.append(key)
            if len(found) > limit:
                break
    more = len(found) > limit
    page = found[:limit]
    if direction == "p":
        page.reverse()
    if direction == "n" and more and short_cut is not None:
        cut = short_cut(anchor, limit)
        if 0 < cut < len(page):
            page = page[: len(page) - cut]

    def exists(after: Key, walk_step: int) -> bool:
        return any(
            match is None or match(k)
            for k in _walk(index, _start(index, after, walk_step), walk_step)
        )

    first, last = (page[0], page[-1]) if page else (anchor, anchor)
    if direction == "n":
        has_next = more
        has_prev = anchor != list_start and exists(first, -forward)
    else:
        has_prev = more
        has_next = exists(last, forward)
    if page:
        prev_anchor = first
    elif cursor is None:
        # Empty first page: anchor "above" the list's current top so polling sees new rows.
        if index:
            prev_anchor = index[-1] if descending else index[0]
        else:
            prev_anchor = KEY_MIN if descending else KEY_MAX
    else:
        prev_anchor = first
    meta = {
        "paginate": {
            "next_page": encode_cursor(last, "n"),
            "prev_page": encode_cursor(prev_anchor, "p"),
            "has_next": has_next,
            "has_prev": has_prev,
        }
    }
    return page, meta


def short_cutter(seed: int, rate: Callable[[], float]) -> Callable[[Key, int], int]:
    """A deterministic ``short_cut``: the same anchor and limit always give the same page.

    ``rate`` is read on each call, so the control API can change it at run time.
    """

    def cut(anchor: Key, limit: int) -> int:
        share = rate()
        if limit < 3 or share <= 0:
            return 0
        digest = zlib.crc32(f"{seed}|{anchor}|{limit}".encode())
        if (digest % 10_000) / 10_000 >= share:
            return 0
        return 1 + (digest >> 16) % max(1, limit // 3)

    return cut
