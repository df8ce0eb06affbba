"""Reading chat activity of a window from a real workspace over HTTP.

Expectations are computed from the workspace's own data, never hard-coded, so they hold
for any seed.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from runner.activity import ChatActivity, chat_activity
from runner.pachca.client import PachcaClient
from runner.pachca.limits import RateLimits
from runner.periods import Window
from runner.workspace import WorkspaceServer
from tests.threads_support import NO_THREADS

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
SPEED = 4.0  # the workspace's limits and ours, both sped up alike: same shape, less waiting


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    """A workspace with its clock pinned, limits on, and full pages (page counts exact)."""
    return fresh_workspace(start_time=NOW.isoformat(), short_page_rate=0.0, speed=SPEED,
                           **NO_THREADS)


@pytest.fixture
async def owner(ws: WorkspaceServer) -> AsyncIterator[PachcaClient]:
    client = PachcaClient(ws.base_url, SecretStr(ws.owner_token),
                          limits=RateLimits().scaled(SPEED))
    yield client
    await client.aclose()


def log(ws: WorkspaceServer, since: int = 0) -> list[dict[str, Any]]:
    body = httpx.get(f"{ws.root_url}/_workspace/requests", params={"since": since}).json()
    return body["requests"]


def expected(ws: WorkspaceServer, window: Window, user_id: int,
             skip_author: int | None = None) -> dict[int, tuple[int, int]]:
    """chat id -> (messages, distinct authors) in ``window``, from the store itself."""
    start_ms = int(window.start.timestamp() * 1000)
    end_ms = int(window.end.timestamp() * 1000)

    def compute() -> dict[int, tuple[int, int]]:
        store = ws.store
        out = {}
        for chat in store.chats.values():
            if chat.personal or chat.archived or not store.is_member(chat, user_id):
                continue
            if not start_ms <= chat.last_message_ms <= end_ms:
                continue
            ids = [k[0] for k in store.chat_messages[chat.id]]
            inside = [store.messages[i] for i in ids
                      if start_ms <= store.messages[i].created_ms < end_ms
                      and store.messages[i].user_id != skip_author]
            if inside:
                out[chat.id] = (len(inside), len({m.user_id for m in inside}))
        return out

    return ws.call(compute)


async def collect(stream: AsyncIterator[ChatActivity]) -> dict[int, ChatActivity]:
    return {item.chat_id: item async for item in stream}


async def test_counts_match_the_workspace_and_paging_stops_at_the_window_start(
    ws: WorkspaceServer, owner: PachcaClient
) -> None:
    window = Window(NOW - timedelta(days=7), NOW)
    want = expected(ws, window, ws.store.owner_id)
    assert len(want) >= 5, "the seed should give a handful of active chats"
    mark = len(log(ws))

    got = await collect(chat_activity(owner, window, concurrency=8))

    assert {cid: (a.messages, len(a.authors)) for cid, a in got.items()} == want
    # Reading stops at the first page that reaches back past the window's start.
    requests = log(ws, mark)
    pages = Counter(int(parse_qs(r["query"])["chat_id"][0]) for r in requests
                    if r["path"].endswith("/messages"))

    def pages_needed(chat_id: int) -> int:
        start_ms = int(window.start.timestamp() * 1000)
        store = ws.store
        ids = store.chat_messages[chat_id]
        recent = sum(1 for (i,) in ids if store.messages[i].created_ms >= start_ms)
        return min(recent // 50 + 1, max(1, math.ceil(len(ids) / 50)))

    assert set(pages) == set(want)
    needed = ws.call(lambda: {cid: pages_needed(cid) for cid in want})
    assert {cid: pages[cid] for cid in want} == needed
    assert sum(pages.values()) < sum(math.ceil(len(ws.store.chat_messages[c]) / 50) for c in want)
    assert not [r for r in requests if r["status"] == 429]


async def test_filters_leave_out_channels_ids_and_names(
    ws: WorkspaceServer, owner: PachcaClient
) -> None:
    window = Window(NOW - timedelta(days=30), NOW)
    everything = await collect(chat_activity(owner, window))
    channels = {cid for cid, a in everything.items() if a.channel}
    assert channels and len(channels) < len(everything)
    one = next(iter(sorted(everything)))
    name = everything[max(everything)].name

    conversations = await collect(chat_activity(
        owner, window, include_channels=False, exclude_ids=[one],
        exclude_names=[f"^{name[:4]}"],
    ))

    assert not channels & set(conversations)
    assert one not in conversations
    assert all(not a.name.lower().startswith(name[:4].lower()) for a in conversations.values())
    assert set(conversations) == {cid for cid, a in everything.items()
                                  if not a.channel and cid != one
                                  and not a.name.lower().startswith(name[:4].lower())}


async def test_the_bots_own_messages_are_not_activity(
    ws: WorkspaceServer, owner: PachcaClient
) -> None:
    bot = ws.store.bot_id
    chat_id = ws.call(lambda: next(c.id for c in sorted(ws.store.chats.values(), key=lambda c: c.id)
                                   if not c.personal and not c.archived
                                   and ws.store.is_member(c, bot)
                                   and ws.store.is_member(c, ws.store.owner_id)))
    person = ws.call(lambda: next(u for u in ws.store.chats[chat_id].member_ids
                                  if u not in (bot, ws.store.owner_id)))
    window = Window(NOW - timedelta(days=1), NOW + timedelta(hours=1))
    before = (await collect(chat_activity(owner, window, bot_user_id=bot))).get(chat_id)

    for author in (bot, bot, person):
        response = await asyncio.to_thread(
            httpx.post, f"{ws.root_url}/_workspace/messages",
            json={"user_id": author, "chat_id": chat_id, "content": "тест"})
        assert response.status_code == 201
    after = (await collect(chat_activity(owner, window, bot_user_id=bot)))[chat_id]
    counted_all = (await collect(chat_activity(owner, window)))[chat_id]

    assert after.messages == (before.messages if before else 0) + 1
    assert bot not in after.authors and person in after.authors
    assert counted_all.messages == after.messages + 2


async def test_a_chat_written_to_since_the_window_counts_only_with_any_message(
    ws: WorkspaceServer, owner: PachcaClient
) -> None:
    window = Window(NOW - timedelta(days=30), NOW - timedelta(days=1))
    strict = await collect(chat_activity(owner, window, last_message_in_window=True))
    wide = await collect(chat_activity(owner, window))
    want_wide = ws.call(lambda: _active_any(ws, window))

    assert set(strict) < set(wide)
    assert {cid: a.messages for cid, a in wide.items()} == want_wide
    assert all(a.last_message_at is not None and a.last_message_at in window
               for a in wide.values())


def _active_any(ws: WorkspaceServer, window: Window) -> dict[int, int]:
    store = ws.store
    start_ms = int(window.start.timestamp() * 1000)
    end_ms = int(window.end.timestamp() * 1000)
    out = {}
    for chat in store.chats.values():
        if chat.personal or chat.archived or not store.is_member(chat, store.owner_id):
            continue
        n = sum(1 for (i,) in store.chat_messages[chat.id]
                if start_ms <= store.messages[i].created_ms < end_ms)
        if n and chat.last_message_ms >= start_ms:
            out[chat.id] = n
    return out
