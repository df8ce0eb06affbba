"""The async store: typed methods by concern, on the store's own bounded threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest

from runner.errors import StateError
from runner.state import StateStore
from runner.state.aio import KindRecords, Store
from tests.state.conftest import FakeClock


class Seen(KindRecords):
    """A kind's records, as a kind would register them (here: what ran where)."""

    async def value_and_thread(self, job: str, name: str) -> tuple[object, str]:
        return await self.call(self._read, job, name)

    def _read(self, job: str, name: str) -> tuple[object, str]:
        return self.engine.get_value(job, name), threading.current_thread().name


@pytest.fixture
async def aio(store_url: str, clock: FakeClock) -> AsyncIterator[Store]:
    store = await Store.open(store_url, replica="replica-a", clock=clock)
    yield store
    await store.close()


async def test_a_run_with_one_effect_through_every_concern(aio: Store) -> None:
    handle = await aio.runs.claim("digest", "digest@1", kind="digest", scheduled_for=None,
                                  lease=30)
    assert handle is not None
    assert await aio.runs.claim("digest", "digest@1", kind="digest", scheduled_for=None,
                                lease=30) is None
    assert await aio.effects.target_and_floor("digest@1", "chat:1") == (None, 0)
    await aio.effects.start("digest@1", "chat:1", {"hash": "h"})
    await aio.effects.finish("digest@1", "chat:1", {"message_id": 77, "chat_id": 1})
    record, floor = await aio.effects.target_and_floor("digest@1", "chat:1")
    assert record is not None and record.status == "done" and floor == 77
    assert await aio.effects.message_taken(77, besides=("other@1", "chat:1"))
    await aio.values.set("digest", "seen", {"n": 1})
    assert await aio.values.get("digest", "seen") == {"n": 1}
    await aio.operator.pause("digest", "anna", "holidays")
    assert (await aio.operator.paused(["digest"]))["digest"].by == "anna"
    await aio.runs.finish(handle, "succeeded", counts={"posted": 1}, lines=[], error=None)
    [run] = await aio.runs.history("digest")
    assert (run.status, run.counts) == ("succeeded", {"posted": 1})
    assert await aio.runs.counts() == {("digest", "succeeded"): 1}
    await aio.replicas.heartbeat()
    assert await aio.replicas.live(60) == ["replica-a"]


async def test_calls_run_on_the_stores_threads_never_on_the_loop(store_url: str) -> None:
    aio = Store(StateStore(store_url, replica="a"), threads=2)
    try:
        await aio.values.set("job", "n", 5)
        seen = aio.records(Seen)
        assert aio.records(Seen) is seen  # one instance per store
        answers = await asyncio.gather(*(seen.value_and_thread("job", "n") for _ in range(20)))
        assert {value for value, _ in answers} == {5}
        threads = {name for _, name in answers}
        assert threads and all(name.startswith("state") for name in threads)
        assert len(threads) <= 2
        assert threading.current_thread().name not in threads
    finally:
        await aio.close()


async def test_a_store_error_reaches_the_awaiting_caller(aio: Store, clock: FakeClock,
                                                          store_url: str) -> None:
    handle = await aio.runs.claim("j", "j@1", kind="message", scheduled_for=None, lease=5)
    assert handle is not None
    clock.advance(10)
    other = await Store.open(store_url, replica="b", clock=clock)
    try:
        assert await other.runs.claim("j", "j@1", kind="message", scheduled_for=None,
                                      lease=5) is not None
    finally:
        await other.close()
    with pytest.raises(StateError, match="claim lost"):
        await aio.runs.finish(handle, "succeeded", counts={}, lines=[], error=None)


async def test_batch_makes_several_reads_in_one_hop(aio: Store) -> None:
    await aio.values.set("a", "x", 1)
    await aio.values.set("b", "x", 2)

    def both(engine: StateStore, name: str) -> list[object]:
        return [engine.get_value("a", name), engine.get_value("b", name)]

    assert await aio.batch(both, "x") == [1, 2]


async def test_a_fires_pause_check_is_answered_while_every_store_thread_is_taken(
        store_url: str) -> None:
    # A burst of runs' writes fills the store's threads; the pause check a fire waits on
    # before it starts has a thread of its own and does not queue behind them.
    aio = Store(StateStore(store_url, replica="a"), threads=2)
    release = threading.Event()
    try:
        await aio.operator.pause("quiet", by="anna")
        busy = [asyncio.ensure_future(aio.call(release.wait)) for _ in range(4)]
        read = asyncio.wrap_future(aio.operator.paused_at_fire(["quiet", "loud"]))
        paused = await asyncio.wait_for(read, timeout=60)  # a failure guard only
        assert list(paused) == ["quiet"] and paused["quiet"].by == "anna"
        assert not any(task.done() for task in busy)
    finally:
        release.set()
        await aio.close()
