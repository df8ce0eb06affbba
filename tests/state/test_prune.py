"""Pruning the history in bounded steps: what goes, what stays, how much each step takes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runner.kinds.sweep.table import actions_of, record_action
from runner.state import StateStore
from runner.state.prune import BatchSize, PruneStep
from tests.state.conftest import FakeClock

BATCH = 3


def _finished(store: StateStore, clock: FakeClock, key: str, *, effects: int = 0,
              actions: int = 0, status: str | None = "succeeded") -> int:
    handle = store.claim("sweep", key, kind="sweep", scheduled_for=None, lease=60)
    assert handle is not None
    for n in range(effects):
        store.finish_target(key, f"chat:{n}", {"message_id": n + 1})
    for n in range(actions):
        record_action(store, handle.run_id, n, "archived")
    if status is not None:
        store.finish(handle, status, counts={}, lines=[], error=None)
    clock.advance(10)
    return handle.run_id


def _sizes(store: StateStore, keys: dict[str, int]) -> tuple[int, int, int]:
    """(runs, effects, actions) of the runs ``keys`` names (key -> run id) still stored."""
    left = [key for key, run_id in keys.items() if store.get_run(run_id) is not None]
    effects = sum(len(store.targets(key)) for key in keys)
    actions = sum(len(actions_of(store, run_id)) for run_id in keys.values())
    return len(left), effects, actions


def test_each_step_deletes_at_most_a_batch_of_each_table_and_the_end_is_exact(
    store: StateStore, clock: FakeClock
) -> None:
    old: dict[str, int] = {}
    for n in range(8):  # more runs than a batch, some with more effects than a batch
        key = f"old-{n}"
        old[key] = _finished(store, clock, key, effects=(7 if n == 2 else n % 3),
                             actions=(5 if n == 5 else 1),
                             status="failed" if n == 4 else "succeeded")
    stuck = _finished(store, clock, "stuck", effects=2, status=None)  # still running
    store.mark_event_handled("ev-old")
    clock.advance(1)
    cutoff = datetime.fromtimestamp(clock.now, UTC)
    recent = _finished(store, clock, "recent", effects=2, actions=1)
    store.mark_event_handled("ev-new")

    before = _sizes(store, old)
    assert before == (8, 12, 12)
    start, steps = None, 0
    while True:
        step = store.prune_step(cutoff, start, batch=BATCH)
        after = _sizes(store, old)
        assert all(b - a <= BATCH for b, a in zip(before, after, strict=True)), (before, after)
        assert step.runs == before[0] - after[0]
        assert step.rows == sum(before) - sum(after)
        before, steps = after, steps + 1
        if step.start is None:
            break
        start = step.start
        assert steps < 100, "pruning did not end"
    assert before == (0, 0, 0)
    assert steps > 8 // BATCH  # it did take several steps
    assert store.get_run(stuck) is not None and len(store.targets("stuck")) == 2
    assert store.get_run(recent) is not None
    assert len(store.targets("recent")) == 2 and len(actions_of(store, recent)) == 1
    assert store.prune_events_step(cutoff, batch=BATCH) == 1
    assert not store.event_handled("ev-old") and store.event_handled("ev-new")


def test_prune_runs_every_step_and_a_second_prune_finds_nothing(
    store: StateStore, clock: FakeClock
) -> None:
    keys = {f"r{n}": _finished(store, clock, f"r{n}", effects=1, actions=1) for n in range(7)}
    for n in range(5):
        store.mark_event_handled(f"ev-{n}")
    clock.advance(1)
    cutoff = datetime.fromtimestamp(clock.now, UTC)
    kept = _finished(store, clock, "kept", effects=1)

    assert store.prune(cutoff, batch=2) == 7
    assert _sizes(store, keys) == (0, 0, 0)
    assert not any(store.event_handled(f"ev-{n}") for n in range(5))
    assert store.get_run(kept) is not None
    assert store.prune(cutoff, batch=2) == 0


def test_a_running_run_is_stepped_over_and_the_walk_stops_at_the_first_newer_window(
    store: StateStore, clock: FakeClock
) -> None:
    first = _finished(store, clock, "first")
    running = _finished(store, clock, "running", status=None)
    third = _finished(store, clock, "third", effects=1)
    cutoff = datetime.fromtimestamp(clock.now, UTC)
    newer = _finished(store, clock, "newer")
    stepped = []
    start = None
    while True:
        step = store.prune_step(cutoff, start, batch=1)
        stepped.append(step.runs)
        if step.start is None:
            break
        start = step.start
    # first, running (kept), third, then the window of the newer run ends the walk.
    assert stepped == [1, 0, 1, 0]
    assert store.get_run(first) is None and store.get_run(third) is None
    assert store.targets("third") == []
    assert store.get_run(running) is not None and store.get_run(newer) is not None


def test_a_batch_below_one_is_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="batch"):
        store.prune_step(datetime.now(UTC), None, batch=0)


def test_the_batch_follows_how_long_the_last_step_held_the_lock() -> None:
    size = BatchSize(most=100, aim=0.025)
    assert size.size == 25  # no hold to go by yet: a quarter of the most
    assert size.after(PruneStep(runs=25, rows=50, start=26, held=0.010)) == 50  # at most doubled
    assert size.after(PruneStep(runs=50, rows=100, start=76, held=0.200)) == 6  # 8 x the aim
    assert size.after(PruneStep(runs=0, rows=0, start=82)) == 6  # nothing written: no news
    for _ in range(10):
        size.after(PruneStep(runs=6, rows=6, start=90, held=0.001))
    assert size.size == 100  # quick steps grow it back, never past the most
    assert size.after(PruneStep(runs=1, rows=1, start=91, held=60.0)) == 1  # never below one
    with pytest.raises(ValueError, match="batch"):
        BatchSize(most=0)


def test_prune_takes_smaller_steps_after_slow_ones_and_still_deletes_exactly_the_old_runs(
    store: StateStore, clock: FakeClock
) -> None:
    keys = {f"r{n}": _finished(store, clock, f"r{n}", effects=1) for n in range(12)}
    clock.advance(1)
    cutoff = datetime.fromtimestamp(clock.now, UTC)
    kept = _finished(store, clock, "kept", effects=1)
    assert store.prune(cutoff, batch=8) == 12
    assert _sizes(store, keys)[:2] == (0, 0)
    assert store.get_run(kept) is not None and len(store.targets("kept")) == 1
