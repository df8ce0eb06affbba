"""A fan-out's effect records: concurrent posts share trips to the store, never an outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from runner.errors import StateError
from runner.state.aio import Store
from tests.state.conftest import FakeClock

KEY = "digest@1"


@pytest.fixture
async def aio(store_url: str, clock: FakeClock) -> AsyncIterator[Store]:
    store = await Store.open(store_url, replica="replica-a", clock=clock)
    yield store
    await store.close()


def _detail(chat: int) -> Any:
    return lambda floor: {"chat_id": chat, "after_id": floor}


async def test_begin_starts_a_fresh_effect_and_leaves_a_recorded_one_as_it_was(
    aio: Store,
) -> None:
    await aio.effects.start(KEY, "chat:1", {"chat_id": 1})
    await aio.effects.finish(KEY, "chat:1", {"message_id": 40, "chat_id": 1})
    await aio.effects.start(KEY, "chat:2", {"chat_id": 2, "attempt": "lost"})

    got = await asyncio.gather(*(aio.effects.begin(KEY, f"chat:{c}", _detail(c))
                                 for c in (1, 2, 3, 4)))

    (done, floor1), (started, floor2), (fresh3, floor3), (fresh4, floor4) = got
    assert done is not None and done.status == "done"
    assert started is not None and started.detail == {"chat_id": 2, "attempt": "lost"}
    assert fresh3 is None and fresh4 is None
    assert floor1 == floor2 == floor3 == floor4 == 40
    records = {r.target: r for r in await aio.effects.targets(KEY)}
    assert records["chat:1"].status == "done"  # not started again
    assert records["chat:2"].detail == {"chat_id": 2, "attempt": "lost"}  # untouched
    for chat in (3, 4):  # committed before begin returned, with the floor it read
        assert records[f"chat:{chat}"].status == "started"
        assert records[f"chat:{chat}"].detail == {"chat_id": chat, "after_id": 40}


async def test_a_start_that_cannot_be_written_fails_only_its_own_post(aio: Store) -> None:
    def unwritable(floor: int) -> Mapping[str, Any]:
        return {"chat_id": 2, "not_json": object()}

    got = await asyncio.gather(
        aio.effects.begin(KEY, "chat:1", _detail(1)),
        aio.effects.begin(KEY, "chat:2", unwritable),
        aio.effects.begin(KEY, "chat:3", _detail(3)),
        aio.effects.start(KEY, "chat:4", {"not_json": object()}),
        aio.effects.start(KEY, "chat:5", {"chat_id": 5}),
        return_exceptions=True,
    )

    assert got[0] == (None, 0) and got[2] == (None, 0) and got[4] is None
    assert isinstance(got[1], StateError) and isinstance(got[3], StateError)
    records = {r.target: r.status for r in await aio.effects.targets(KEY)}
    assert records == {"chat:1": "started", "chat:3": "started", "chat:5": "started"}
