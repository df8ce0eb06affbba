"""Reading a window of chats' last-message times that holds more than a page, as
narrower windows at once instead of a chain of pages.

Chats cluster in time: the chats one fan-out posted to all have their last message
within the few seconds it took, and a fixed window around them holds all of them, a
chain of ten pages for 500 chats. Read newest first, a window's first page says how
long a span of time 50 chats take there; the rest of the window is cut into slices of
that span back from the page's oldest instant, read at once, each split again the same
way if it too holds more than a page: about log(n) round trips instead of n / 50.

Chats at the page's oldest instant may go on past the page: the newest slice includes
that instant and skips the ones already read. A window left as a single instant cannot
be cut, so its pages are a chain. The slices keep the windows' guarantee (every chat
whose time stays put read once).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from runner import errors, words
from runner.concurrency import merge
from runner.pachca.calls import api_time
from runner.pachca.http import ApiSession
from runner.pachca.models import Chat
from runner.pachca.windows import TICK, Window

Page = Callable[[Window, str | None], Awaitable[tuple[list[Chat], str | None]]]
"""One page of a window, newest last message first, from a cursor (None: the first):
its chats and the next page's cursor (None: the last page)."""


def newest_first(session: ApiSession, personal: bool | None,
                 on_page: Callable[[int], None] | None) -> Page:
    """``Page`` over ``GET /chats`` (sorted by last message, newest first)."""

    async def page(window: Window, cursor: str | None) -> tuple[list[Chat], str | None]:
        params = {"sort": "last_message_at", "order": "desc", "personal": personal,
                  "last_message_at_after": window[0] and api_time(window[0]),
                  "last_message_at_before": window[1] and api_time(window[1]),
                  "limit": 50, "cursor": cursor}
        chats, following = await session.page("/chats", Chat, params)
        if on_page:
            on_page(len(chats))
        return chats, following

    return page


def below(start: datetime | None, edge: datetime, width: timedelta, count: int
          ) -> list[Window]:
    """[start, edge] cut back from ``edge`` into up to ``count`` slices of ``width``
    (at least 1 ms), newest first, then what is left down to ``start`` (None: open)."""
    width = max(width, TICK)
    found: list[Window] = []
    end = edge
    for _ in range(count):
        low = end - width + TICK
        if start is not None and low <= start:
            return [*found, (start, end)]
        found.append((low, end))
        end = low - TICK
    return [*found, (start, end)]


async def read(page: Page, window: Window, *, slices: int, done: Callable[[], bool],
               skip: frozenset[int] = frozenset()) -> AsyncIterator[Chat]:
    """The chats of ``window`` but those in ``skip``, split as the module says while
    it holds more than a page, until ``done()`` (then no further page is asked for)."""
    if done():
        return
    chats, cursor = await page(window, None)
    for chat in chats:
        if chat.id not in skip:
            yield chat
    if cursor is None or done():
        return
    edge = chats[-1].last_message_at if chats else None
    if edge is None or edge == window[0]:  # nothing to cut by, or one instant left
        async for chat in _chain(page, window, cursor, skip, done):
            yield chat
        return
    ties = skip | {c.id for c in chats if c.last_message_at == edge}
    parts = below(window[0], edge, chats[0].last_message_at - edge, slices)
    async for chat in merge([read(page, part, slices=slices, done=done,
                                  skip=ties if n == 0 else frozenset())
                             for n, part in enumerate(parts)]):
        yield chat


async def _chain(page: Page, window: Window, cursor: str | None, skip: frozenset[int],
                 done: Callable[[], bool]) -> AsyncIterator[Chat]:
    seen: set[str] = set()
    while cursor is not None and not done():
        if cursor in seen:  # a server bug must not become an endless loop
            raise errors.ApiError(200, "GET", "/chats", words.text("api.cursor_repeated"))
        seen.add(cursor)
        chats, cursor = await page(window, cursor)
        for chat in chats:
            if chat.id not in skip:
                yield chat
