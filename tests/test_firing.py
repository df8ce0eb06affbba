"""How a wake-up's fires learn whether their jobs are paused: one read for all of them,
asked once APScheduler has submitted them, answered to each (or failed for each)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from datetime import UTC, datetime

import pytest

from runner.errors import StateError
from runner.firing import PauseChecks
from runner.state.operator import Pause


class Reads:
    """The store's side: records each read, answered later from another thread."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []
        self.pending: list[Future[dict[str, Pause]]] = []

    def __call__(self, names: list[str]) -> Future[dict[str, Pause]]:
        self.asked.append(names)
        self.pending.append(Future())
        return self.pending[-1]

    def answer(self, found: dict[str, Pause] | None = None,
               error: Exception | None = None) -> None:
        read = self.pending.pop(0)

        def done() -> None:
            if error is not None:
                read.set_exception(error)
            else:
                read.set_result(found or {})

        thread = threading.Thread(target=done)  # as the store's fire lane would
        thread.start()
        thread.join()


async def test_the_fires_of_one_wake_up_are_asked_in_one_read_and_each_gets_its_answer(
) -> None:
    reads = Reads()
    checks = PauseChecks(reads)
    for name in ("digest", "note", "sweep"):
        checks.due(name)
    checks.submitted()
    checks.submitted()  # nothing new due: no read
    assert reads.asked == [["digest", "note", "sweep"]]

    pause = Pause(by="anna", at=datetime(2026, 12, 5, tzinfo=UTC), reason="отпуск")
    reads.answer({"note": pause})
    asked = {name: checks.take(name) for name in ("digest", "note", "sweep")}
    assert {name: await future for name, future in asked.items() if future} == {
        "digest": None, "note": pause, "sweep": None}
    assert checks.take("note") is None  # taken once; a fire not from the scheduler asks itself


async def test_a_failed_read_fails_every_fire_it_was_asked_for_and_the_next_read_works(
) -> None:
    reads = Reads()
    checks = PauseChecks(reads)
    checks.due("digest")
    checks.due("note")
    checks.submitted()
    reads.answer(error=StateError("the store is away"))
    for name in ("digest", "note"):
        future = checks.take(name)
        assert future is not None
        with pytest.raises(StateError, match="away"):
            await future
    checks.due("digest")
    checks.submitted()
    reads.answer({})
    future = checks.take("digest")
    assert future is not None and await future is None


async def test_a_fire_submitted_again_before_it_took_its_answer_gets_the_newer_one() -> None:
    reads = Reads()
    checks = PauseChecks(reads)
    checks.due("note")
    checks.submitted()
    first = checks._asked["note"]
    checks.due("note")  # its earlier answer is no longer wanted
    checks.submitted()
    assert first.cancelled()
    reads.answer({})
    reads.answer({})
    newer = checks.take("note")
    assert newer is not None and await asyncio.wait_for(newer, 60) is None


async def test_a_fire_submitted_outside_a_wake_up_is_asked_for_on_the_next_turn() -> None:
    reads = Reads()
    checks = PauseChecks(reads)
    checks.due("note")  # nobody calls submitted(): the fire must not wait forever
    await asyncio.sleep(0)
    assert reads.asked == [["note"]]
    reads.answer({})
    future = checks.take("note")
    assert future is not None and await asyncio.wait_for(future, 60) is None
