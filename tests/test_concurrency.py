"""``merge`` reads streams at once; ``Grouped``: concurrent tasks share store calls, and
each still gets its own answer."""

from __future__ import annotations

import asyncio

import pytest

from runner.concurrency import Grouped, merge
from tests.waiting import eventually


async def _stream(name: str, n: int, *, fail_at: int | None = None,
                  finished: list[str] | None = None):
    try:
        for i in range(n):
            await asyncio.sleep(0)  # let the other streams take a turn
            if i == fail_at:
                raise RuntimeError(f"{name} broke at {i}")
            yield f"{name}{i}"
    finally:
        if finished is not None:
            finished.append(name)


async def test_merge_yields_every_item_of_every_stream_interleaved() -> None:
    got = [item async for item in merge([_stream("a", 30), _stream("b", 30), _stream("c", 5)],
                                        buffer=4)]
    assert sorted(got) == sorted([f"a{i}" for i in range(30)] + [f"b{i}" for i in range(30)]
                                 + [f"c{i}" for i in range(5)])
    assert got != sorted(got, key=lambda item: item[0])  # read at once, not one after another


async def test_merge_raises_the_first_error_and_stops_the_other_streams() -> None:
    finished: list[str] = []
    with pytest.raises(RuntimeError, match="b broke at 3"):
        async for _ in merge([_stream("a", 1000, finished=finished),
                              _stream("b", 10, fail_at=3, finished=finished)]):
            pass
    assert sorted(finished) == ["a", "b"]


async def test_leaving_a_merge_early_stops_its_streams() -> None:
    finished: list[str] = []
    merged = merge([_stream("a", 1000, finished=finished), _stream("b", 1000, finished=finished)])
    async for _ in merged:
        break
    await merged.aclose()  # type: ignore[attr-defined]
    assert sorted(finished) == ["a", "b"]


class Recorder:
    """A call that records the groups it was given; the first call waits for
    ``release`` so that other items pile up behind it."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.groups: list[list[int]] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.fail_on = fail_on

    async def __call__(self, items: list[int]) -> list[int]:
        self.started.set()
        if not self.groups:
            await self.release.wait()
        self.groups.append(items)
        if self.fail_on in items:
            raise ValueError(f"cannot store {self.fail_on}")
        return [item * 10 for item in items]


async def _first_call_running(grouped: Grouped[int, int], call: Recorder) -> asyncio.Task[int]:
    """Submit item 1 and wait until its call is running (and holding the line)."""
    first = asyncio.create_task(grouped.submit(1))

    async def started() -> bool:
        return call.started.is_set()

    await eventually(started, "the first call to start")
    return first


async def _submitted(items: list[int], grouped: Grouped[int, int]) -> list[asyncio.Task[int]]:
    tasks = [asyncio.create_task(grouped.submit(n)) for n in items]
    await asyncio.sleep(0)  # one turn of the loop: each task has handed its item in
    return tasks


async def test_items_submitted_while_a_call_runs_go_together_in_the_next() -> None:
    call = Recorder()
    grouped: Grouped[int, int] = Grouped(call)
    first = await _first_call_running(grouped, call)
    rest = await _submitted([2, 3, 4], grouped)
    call.release.set()

    assert await first == 10
    assert [await task for task in rest] == [20, 30, 40]
    assert call.groups == [[1], [2, 3, 4]]


async def test_a_failed_call_fails_each_item_it_took_and_no_other() -> None:
    call = Recorder(fail_on=3)
    grouped: Grouped[int, int] = Grouped(call)
    first = await _first_call_running(grouped, call)
    group = await _submitted([2, 3], grouped)
    call.release.set()

    assert await first == 10
    for task in group:
        with pytest.raises(ValueError, match="cannot store 3"):
            await task
    assert await grouped.submit(5) == 50  # the next call works again


async def test_an_item_whose_submitter_was_cancelled_is_not_called_for() -> None:
    call = Recorder()
    grouped: Grouped[int, int] = Grouped(call)
    first = await _first_call_running(grouped, call)
    dropped, kept = await _submitted([2, 3], grouped)
    dropped.cancel()
    call.release.set()

    assert (await first, await kept) == (10, 30)
    with pytest.raises(asyncio.CancelledError):
        await dropped
    assert call.groups == [[1], [3]]


async def test_after_a_busy_call_the_next_waits_for_enough_items_to_share_it() -> None:
    call = Recorder()
    # A linger no test could outwait: the second call can only be made once three wait.
    grouped: Grouped[int, int] = Grouped(call, linger=3600, enough=3)
    first = await _first_call_running(grouped, call)
    tasks = await _submitted([2], grouped)
    call.release.set()  # the first call returns; item 2 waits for company
    for n in (3, 4):
        await asyncio.sleep(0)
        tasks += await _submitted([n], grouped)  # each on a turn of the loop of its own

    assert await first == 10
    assert [await task for task in tasks] == [20, 30, 40]
    assert call.groups == [[1], [2, 3, 4]]


async def test_a_lone_item_waits_for_no_one() -> None:
    call = Recorder()
    call.release.set()
    grouped: Grouped[int, int] = Grouped(call, linger=3600, enough=16)

    async with asyncio.timeout(60):  # only a lingering call would take this long
        assert await grouped.submit(1) == 10
    assert call.groups == [[1]]


async def test_too_few_items_after_a_busy_call_go_when_the_linger_runs_out() -> None:
    call = Recorder()
    grouped: Grouped[int, int] = Grouped(call, linger=0.01, enough=16)
    first = await _first_call_running(grouped, call)
    (second,) = await _submitted([2], grouped)
    call.release.set()

    assert (await first, await second) == (10, 20)
    assert call.groups == [[1], [2]]


async def test_a_call_cancelled_while_it_lingers_cancels_the_items_waiting_for_it() -> None:
    call = Recorder()
    grouped: Grouped[int, int] = Grouped(call, linger=3600, enough=4)
    first = await _first_call_running(grouped, call)
    (task,) = await _submitted([2], grouped)
    call.release.set()
    assert await first == 10  # the flusher now lingers with item 2
    assert grouped._flusher is not None
    grouped._flusher.cancel()  # as a closing event loop cancels it

    with pytest.raises(asyncio.CancelledError):
        await task
    assert call.groups == [[1]]
