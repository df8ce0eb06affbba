"""The sweep's grouped archive records (``batches``): each intent is committed before its
caller goes on, a chunk in one call and the next chunk ahead; results are committed in
groups, each told once committed, and none is lost to a failed commit."""

from __future__ import annotations

import asyncio

import pytest

from runner.kinds.sweep.batches import Intents, Ledger
from runner.kinds.sweep.decide import Decision
from runner.kinds.sweep.records import ChatState

NEVER = 3600.0  # a linger no test waits for: only a full group or drain commits


def _decisions(n: int) -> list[Decision]:
    return [Decision(100 + i, f"Чат {i}", "archive", "inactive") for i in range(n)]


class Store:
    """Records what each call committed; fails the calls that hold ``fail_on``."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[list[int]] = []
        self.fail_on = fail_on
        self.failed = asyncio.Event()

    async def intents(self, decisions: list[Decision]) -> list[ChatState | None]:
        await asyncio.sleep(0)
        ids = [d.chat_id for d in decisions]
        if self.fail_on in ids:
            raise OSError("disk full")
        self.calls.append(ids)
        return [ChatState(i) if i % 2 else None for i in ids]

    async def results(self, items: list[int]) -> None:
        await asyncio.sleep(0)
        if self.fail_on in items:
            self.failed.set()
            raise OSError("disk full")
        self.calls.append(list(items))


async def test_a_chunk_of_intents_is_committed_in_one_call_before_any_caller_goes_on() -> None:
    store = Store()
    order = _decisions(10)
    intents = Intents(store.intents, order, size=4)

    first = await intents.before(order[0])
    assert store.calls[0] == [100, 101, 102, 103]  # its chunk, before it went on
    assert first is None
    second = await intents.before(order[1])
    assert second == ChatState(101)
    for d in order[2:]:
        await intents.before(d)
        assert any(d.chat_id in call for call in store.calls)  # committed before it returned
    assert sorted(i for call in store.calls for i in call) == [d.chat_id for d in order]
    assert [len(call) for call in store.calls] == [4, 4, 2]
    intents.close()


async def test_callers_of_one_chunk_share_its_call_and_its_error() -> None:
    store = Store(fail_on=102)
    order = _decisions(4)
    intents = Intents(store.intents, order, size=4)

    results = await asyncio.gather(*(intents.before(d) for d in order),
                                   return_exceptions=True)
    assert [type(r) for r in results] == [OSError] * 4
    assert store.calls == []  # nothing committed, nobody went on
    intents.close()


async def test_a_decision_taken_out_of_order_gets_a_chunk_from_there() -> None:
    store = Store()
    order = _decisions(12)
    intents = Intents(store.intents, order, size=4)

    assert await intents.before(order[9]) == ChatState(109)
    assert store.calls[0] == [109, 110, 111]
    intents.close()


async def test_results_are_committed_in_groups_and_told_once_committed() -> None:
    store = Store()
    told: list[list[int]] = []
    committed = asyncio.Event()

    def done(group: list[int]) -> None:
        told.append(group)
        committed.set()

    ledger: Ledger[int] = Ledger(store.results, done, most=3, linger=NEVER)

    ledger.add(0)
    ledger.add(1)
    for _ in range(10):  # turns of the loop: no group is full, none is committed
        await asyncio.sleep(0)
    assert told == []
    ledger.add(2)  # a full group is committed without waiting for the linger
    await asyncio.wait_for(committed.wait(), 30)
    assert told == [[0, 1, 2]]
    ledger.add(3)
    await ledger.drain()
    assert told == [[0, 1, 2], [3]] == store.calls


async def test_a_failed_commit_stops_the_next_add_and_drain_commits_it_again() -> None:
    store = Store(fail_on=1)
    told: list[list[int]] = []
    ledger: Ledger[int] = Ledger(store.results, told.append, most=2, linger=NEVER)

    ledger.add(0)
    ledger.add(1)  # a full group: committed now, and it fails
    await asyncio.wait_for(store.failed.wait(), 30)
    with pytest.raises(OSError, match="disk full"):
        ledger.add(2)  # kept all the same: it was archived
    assert told == []
    with pytest.raises(OSError, match="disk full"):
        await ledger.drain()  # the store is still full: nothing is told
    assert told == []
    store.fail_on = None  # room again
    await ledger.drain()
    assert told == [[0, 1, 2]] == store.calls
