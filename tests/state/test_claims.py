"""Claims: each run key runs exactly once, across threads, replicas and processes."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import UTC, datetime

import pytest

from runner.errors import StateError
from runner.state import RunHandle, StateStore
from tests.state._claimer import claim_all
from tests.state.conftest import FakeClock, StoreFactory, race

FIRE = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def _claim(store: StateStore, key: str = "digest:1", lease: float = 60) -> RunHandle | None:
    return store.claim("digest", key, kind="digest", scheduled_for=FIRE, lease=lease)


def test_first_claim_wins_and_second_gets_none(open_store: StoreFactory) -> None:
    a, b = open_store("a"), open_store("b")
    handle = _claim(a)
    assert handle is not None
    assert (handle.key, handle.job, handle.attempt, handle.resumed) == (
        "digest:1",
        "digest",
        1,
        False,
    )
    assert handle.scheduled_for == FIRE
    assert _claim(b) is None
    assert _claim(a) is None  # not even the owner gets a second handle
    record = a.get_run(handle.run_id)
    assert record is not None
    assert (record.status, record.replica, record.attempt) == ("running", "a", 1)


@pytest.mark.parametrize("status", ["succeeded", "failed", "skipped"])
def test_finished_key_is_never_run_again(
    open_store: StoreFactory, clock: FakeClock, status: str
) -> None:
    a, b = open_store("a"), open_store("b")
    handle = _claim(a)
    assert handle is not None
    a.finish(handle, status, counts={"posted": 1}, lines=["done"], error=None)
    clock.advance(10 * 86400)  # long after any lease
    assert _claim(a) is None
    assert _claim(b) is None


def test_expired_lease_is_taken_over_once(open_store: StoreFactory, clock: FakeClock) -> None:
    a, b, c = open_store("a"), open_store("b"), open_store("c")
    first = _claim(a, lease=60)
    assert first is not None
    clock.advance(59)
    assert _claim(b) is None  # still a's
    clock.advance(2)
    second = _claim(b, lease=60)
    assert second is not None
    assert (second.run_id, second.attempt, second.resumed) == (first.run_id, 2, True)
    assert second.scheduled_for == FIRE
    assert _claim(c) is None  # b's lease is fresh
    record = b.get_run(second.run_id)
    assert record is not None
    assert (record.replica, record.attempt, record.status) == ("b", 2, "running")


def test_abandoned_run_can_be_claimed_again(open_store: StoreFactory) -> None:
    a, b = open_store("a"), open_store("b")
    first = _claim(a)
    assert first is not None
    a.finish(first, "abandoned", counts={}, lines=[], error="rate limited")
    again = _claim(b)
    assert again is not None
    assert (again.attempt, again.resumed) == (2, True)


def test_renew_keeps_the_claim_past_the_first_lease(
    open_store: StoreFactory, clock: FakeClock
) -> None:
    a, b = open_store("a"), open_store("b")
    handle = _claim(a, lease=60)
    assert handle is not None
    clock.advance(50)
    assert a.renew(handle, 60) is True
    clock.advance(50)  # 100 s after the claim, 50 s after the renewal
    assert _claim(b) is None


def test_renew_and_finish_after_losing_the_claim(
    open_store: StoreFactory, clock: FakeClock
) -> None:
    a, b = open_store("a"), open_store("b")
    lost = _claim(a, lease=60)
    assert lost is not None
    clock.advance(61)
    taken = _claim(b)
    assert taken is not None
    assert a.renew(lost, 60) is False
    with pytest.raises(StateError, match="claim lost"):
        a.finish(lost, "succeeded", counts={"posted": 1}, lines=[], error=None)
    b.finish(taken, "succeeded", counts={"posted": 2}, lines=["ok"], error=None)
    record = b.get_run(taken.run_id)
    assert record is not None
    assert (record.status, record.replica, record.counts) == ("succeeded", "b", {"posted": 2})


def test_finish_twice_is_refused(store: StateStore) -> None:
    handle = _claim(store)
    assert handle is not None
    store.finish(handle, "failed", counts={}, lines=[], error="boom")
    with pytest.raises(StateError, match="claim lost"):
        store.finish(handle, "succeeded", counts={}, lines=[], error=None)
    assert store.renew(handle, 60) is False


def test_finish_rejects_unknown_status(store: StateStore) -> None:
    handle = _claim(store)
    assert handle is not None
    with pytest.raises(ValueError, match="unknown final status"):
        store.finish(handle, "running", counts={}, lines=[], error=None)


def test_eight_threads_one_store_one_winner_per_key(store: StateStore) -> None:
    keys = [f"k{i}" for i in range(10)]
    won = race(8, lambda i: [k for k in keys if _claim(store, k) is not None])
    assert Counter(k for keys_won in won for k in keys_won) == Counter(keys)


def test_eight_replicas_race_for_an_expired_lease(
    open_store: StoreFactory, clock: FakeClock
) -> None:
    stores = [open_store(f"r{i}") for i in range(8)]
    assert _claim(stores[0], lease=30) is not None
    clock.advance(31)
    handles = race(8, lambda i: _claim(stores[i], lease=30))
    winners = [h for h in handles if h is not None]
    assert len(winners) == 1
    assert (winners[0].attempt, winners[0].resumed) == (2, True)


def test_four_processes_claim_each_key_once(pg_store_url: str) -> None:
    keys = [f"race:{i}" for i in range(50)]
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(4), ctx.Queue()
    workers = [
        ctx.Process(target=claim_all, args=(pg_store_url, f"p{i}", keys, start, out))
        for i in range(4)
    ]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(30)
    errors = [error for _, _, error in results if error]
    assert not errors
    wins = Counter(key for _, won, _ in results for key in won)
    assert wins == Counter(keys)
    store = StateStore(pg_store_url, replica="check")
    try:
        history = store.runs("race", limit=100)
    finally:
        store.close()
    assert len(history) == 50
    assert {r.attempt for r in history} == {1}
    assert {r.replica for r in history} <= {"p0", "p1", "p2", "p3"}


def test_a_stale_run_is_abandoned_once_and_never_under_its_new_owner(
    open_store: StoreFactory, clock: FakeClock
) -> None:
    a, b, c = open_store("a"), open_store("b"), open_store("c")
    first, second = _claim(a, "digest:1", lease=30), _claim(a, "digest:2", lease=30)
    assert first is not None and second is not None
    clock.advance(31)  # a died: both leases expired
    stale = {r.key: r for r in c.stale_runs()}
    assert set(stale) == {"digest:1", "digest:2"}
    # digest:1 is taken over by b before c acts on what it read: c must not abandon it.
    assert _claim(b, "digest:1") is not None
    assert c.abandon(stale["digest:1"], "a manual run whose replica stopped") is False
    assert c.abandon(stale["digest:2"], "a manual run whose replica stopped") is True
    assert b.abandon(stale["digest:2"], "a manual run whose replica stopped") is False
    one, two = c.get_run(first.run_id), c.get_run(second.run_id)
    assert one is not None and two is not None
    assert (one.status, one.replica) == ("running", "b")
    assert (two.status, two.error) == ("abandoned", "a manual run whose replica stopped")
    assert two.finished_at is not None
    assert not a.renew(second, 30)  # its owner, were it only frozen, learns it lost the run
