"""``merge`` reads streams at once; ``Grouped``: concurrent tasks share blocking calls, and
each still gets its own answer."""

from __future__ import annotations

import asyncio
import threading

import pytest

from runner.concurrency import Grouped, merge


async def _stream(name: str, n: int, *, fail_at: int | None = None,
                  finished: list[str] | None = None):
    try:
        for i in range(n):
            await asyncio.sleep(0.001)
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
    """A blocking call that records the groups it was given; the first call waits for
    ``release`` so that other items pile up behind it."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.groups: list[list[int]] = []
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: list[int]) -> list[int]:
        if not self.groups:
            self.release.wait(5)
        self.groups.append(items)
        if self.fail_on in items:
            raise ValueError(f"cannot store {self.fail_on}")
        return [item * 10 for item in items]


async def _until(condition: object) -> None:
    for _ in range(500):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


async def test_items_submitted_while_a_call_runs_go_together_in_the_next() -> None:
    call = Recorder()
    grouped: Grouped[int, int] = Grouped(call)
    first = asyncio.create_task(grouped.submit(1))
    await asyncio.sleep(0.05)  # the first call is running (waiting for release)
    rest = [asyncio.create_task(grouped.submit(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0.05)
    call.release.set()

    assert await first == 10
    assert [await task for task in rest] == [20, 30, 40]
    assert call.groups == [[1], [2, 3, 4]]


async def test_a_failed_call_fails_each_item_it_took_and_no_other() -> None:
    call = Recorder(fail_on=3)
    grouped: Grouped[int, int] = Grouped(call)
    first = asyncio.create_task(grouped.submit(1))
    await asyncio.sleep(0.05)
    group = [asyncio.create_task(grouped.submit(n)) for n in (2, 3)]
    await asyncio.sleep(0.05)
    call.release.set()

    assert await first == 10
    for task in group:
        with pytest.raises(ValueError, match="cannot store 3"):
            await task
    assert await grouped.submit(5) == 50  # the next call works again


async def test_an_item_whose_submitter_was_cancelled_is_not_called_for() -> None:
    call = Recorder()
    grouped: Grouped[int, int] = Grouped(call)
    first = asyncio.create_task(grouped.submit(1))
    await asyncio.sleep(0.05)
    dropped = asyncio.create_task(grouped.submit(2))
    kept = asyncio.create_task(grouped.submit(3))
    await asyncio.sleep(0.05)
    dropped.cancel()
    call.release.set()

    assert (await first, await kept) == (10, 30)
    with pytest.raises(asyncio.CancelledError):
        await dropped
    await _until(lambda: len(call.groups) == 2)
    assert call.groups == [[1], [3]]
