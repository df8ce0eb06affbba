"""Run history: listing, last runs, last scheduled fire, pruning, UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from runner.kinds.sweep.table import actions_of, record_action, update_chat
from runner.state import RunHandle, StateStore
from tests.state.conftest import START, FakeClock

T0 = datetime.fromtimestamp(START, UTC)


def _run(
    store: StateStore,
    clock: FakeClock,
    job: str,
    key: str,
    status: str | None = "succeeded",
    scheduled_for: datetime | None = None,
    dry_run: bool = False,
) -> RunHandle:
    handle = store.claim(
        job, key, kind="digest", scheduled_for=scheduled_for, lease=60, dry_run=dry_run
    )
    assert handle is not None
    clock.advance(5)
    if status is not None:
        store.finish(handle, status, counts={"posted": 3}, lines=["posted to «Sales»"], error=None)
    clock.advance(60)
    return handle


def test_history_lists_newest_first_with_every_column(store: StateStore, clock: FakeClock) -> None:
    fire = datetime(2024, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    _run(store, clock, "digest", "d1", scheduled_for=fire)
    _run(store, clock, "sweep", "s1", status="failed")
    third = _run(store, clock, "digest", "d2", status=None)

    assert [r.key for r in store.runs()] == ["d2", "s1", "d1"]
    assert [r.key for r in store.runs("digest")] == ["d2", "d1"]
    assert [r.key for r in store.runs(limit=1)] == ["d2"]

    first = store.runs("digest")[1]
    assert first.scheduled_for == fire
    assert first.scheduled_for is not None and first.scheduled_for.tzinfo == UTC
    assert first.started_at == T0
    assert first.finished_at == T0 + timedelta(seconds=5)
    assert first.duration == 5.0
    assert (first.status, first.kind, first.replica, first.dry_run) == (
        "succeeded",
        "digest",
        "replica-a",
        False,
    )
    assert first.counts == {"posted": 3}
    assert first.lines == ["posted to «Sales»"]
    assert first.error is None

    running = store.get_run(third.run_id)
    assert running is not None
    assert (running.status, running.duration, running.counts, running.lines) == (
        "running",
        None,
        {},
        [],
    )
    assert store.get_run(10_000) is None


def test_runs_of_several_outcomes_are_merged_newest_first(store: StateStore,
                                                          clock: FakeClock) -> None:
    """``statuses`` (``history --failed``) reads each outcome apart and merges them: the
    order, ``limit``, ``offset``, job and ``since`` are those of one list."""
    outcomes = ["failed", "succeeded", "abandoned", "failed", "skipped", "abandoned",
                "failed", "succeeded"]
    for i, outcome in enumerate(outcomes):
        job = "digest" if i % 2 == 0 else "sweep"
        handle = _run(store, clock, job, f"k{i}",
                      status=None if outcome == "abandoned" else outcome)
        if outcome == "abandoned":
            record = store.get_run(handle.run_id)
            assert record is not None and store.abandon(record, "its replica stopped")
    bad = ("failed", "abandoned")
    newest_bad = [f"k{i}" for i in reversed(range(len(outcomes))) if outcomes[i] in bad]

    assert [r.key for r in store.runs(statuses=bad)] == newest_bad
    assert [r.key for r in store.runs(statuses=("abandoned", "failed", "failed"))] == newest_bad
    assert [r.key for r in store.runs(statuses=bad, limit=2, offset=1)] == newest_bad[1:3]
    assert [r.key for r in store.runs(statuses=bad, limit=3, offset=4)] == newest_bad[4:]
    assert [r.key for r in store.runs("digest", statuses=bad)] == ["k6", "k2", "k0"]
    since = T0 + timedelta(seconds=65 * 3)  # the fourth run's start
    assert [r.key for r in store.runs(statuses=bad, since=since)] == ["k6", "k5", "k3"]
    assert [r.key for r in store.runs(statuses=("failed",))] == ["k6", "k3", "k0"]
    assert [r.key for r in store.runs(statuses=bad, status="failed")] == ["k6", "k3", "k0"]
    assert store.runs(statuses=()) == []
    merged = store.runs(statuses=bad)[0]
    assert merged.started_at.tzinfo == UTC and merged.counts == {"posted": 3}


def test_finish_records_the_error(store: StateStore) -> None:
    handle = store.claim("digest", "k", kind="digest", scheduled_for=None, lease=60)
    assert handle is not None
    store.finish(handle, "failed", counts={}, lines=[], error="source 'crm' failed: 500")
    record = store.get_run(handle.run_id)
    assert record is not None
    assert (record.status, record.error) == ("failed", "source 'crm' failed: 500")


def test_last_run_by_status_ignores_dry_runs(store: StateStore, clock: FakeClock) -> None:
    assert store.last_run("digest") is None
    _run(store, clock, "digest", "d1")
    _run(store, clock, "digest", "d2", status="failed")
    _run(store, clock, "digest", "dry", dry_run=True)
    _run(store, clock, "other", "o1")
    last_ok = store.last_run("digest")
    assert last_ok is not None and last_ok.key == "d1"
    last_failed = store.last_run("digest", "failed")
    assert last_failed is not None and last_failed.key == "d2"
    last_any = store.last_run("digest", None)
    assert last_any is not None and last_any.key == "d2"
    last_dry = store.last_run("digest", None, include_dry_run=True)
    assert last_dry is not None and last_dry.key == "dry" and last_dry.dry_run


def test_last_runs_of_many_jobs_at_once_match_last_run(store: StateStore,
                                                     clock: FakeClock) -> None:
    _run(store, clock, "digest", "d1")
    _run(store, clock, "digest", "d2", status="failed")
    _run(store, clock, "digest", "d3", dry_run=True)
    _run(store, clock, "sweep", "s1", status=None)
    _run(store, clock, "report", "r1", dry_run=True)
    found = store.last_runs(["digest", "sweep", "report", "never"])
    assert {job: r.key for job, r in found.items()} == {"digest": "d2", "sweep": "s1"}
    for job in ("digest", "sweep"):
        last = store.last_run(job, status=None)
        assert last is not None and found[job].id == last.id
    assert store.last_runs([]) == {}


def test_progress_of_running_runs(store: StateStore, clock: FakeClock) -> None:
    running = _run(store, clock, "sweep", "s1", status=None)
    other = _run(store, clock, "digest", "d1", status=None)
    store.set_progress("sweep", "s1", "archiving", 2, 5)
    store.set_progress("sweep", "s1", "archiving", 3, 5)  # the newest report wins
    record_action(store, running.run_id, 101, "archived")
    record_action(store, running.run_id, 102, "archived")
    store.finish_target("d1", "chat:7", {"message_id": 9, "chat_id": 7})
    records = [r for r in store.runs() if r.status == "running"]
    found = store.progress(records)
    sweep, digest = found[running.run_id], found[other.run_id]
    assert (sweep.what, sweep.done, sweep.total, sweep.effects) == (
        "archiving", 3, 5, {"archived": 2})
    assert (digest.what, digest.effects) == ("", {"posted": 1})
    store.clear_progress("sweep", "s1")
    assert store.progress(records)[running.run_id].what == ""
    assert store.progress([]) == {}


def test_last_scheduled_fire(store: StateStore, clock: FakeClock) -> None:
    assert store.last_scheduled_fire("digest") is None
    early = datetime(2024, 3, 1, 9, tzinfo=UTC)
    late = datetime(2024, 3, 2, 9, tzinfo=UTC)
    _run(store, clock, "digest", "d2", scheduled_for=late, status=None)  # claimed, unfinished
    _run(store, clock, "digest", "d1", scheduled_for=early, status="failed")
    _run(store, clock, "digest", "preview", scheduled_for=late + timedelta(days=5), dry_run=True)
    _run(store, clock, "digest", "manual", scheduled_for=None)
    assert store.last_scheduled_fire("digest") == late


def test_naive_datetimes_are_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.claim("digest", "k", kind="digest", scheduled_for=datetime(2024, 1, 1), lease=60)
    with pytest.raises(ValueError, match="naive"):
        update_chat(store, 1, warned_at=datetime(2024, 1, 1))


def test_prune_deletes_old_finished_runs_with_their_records(
    store: StateStore, clock: FakeClock
) -> None:
    old = _run(store, clock, "sweep", "old")
    record_action(store, old.run_id, 7, "warned")
    store.finish_target("old", "chat:7", {"message_id": 1})
    stuck = _run(store, clock, "sweep", "stuck", status=None)
    store.mark_event_handled("ev-old")
    clock.advance(1)
    cutoff = datetime.fromtimestamp(clock.now, UTC)
    clock.advance(10)
    store.mark_event_handled("ev-new")
    recent = _run(store, clock, "sweep", "recent")

    assert store.prune(cutoff) == 1
    assert store.get_run(old.run_id) is None
    assert actions_of(store, old.run_id) == []
    assert store.targets("old") == []
    assert store.get_run(stuck.run_id) is not None  # still running: not history yet
    assert store.get_run(recent.run_id) is not None
    assert not store.event_handled("ev-old")
    assert store.event_handled("ev-new")


def test_a_resumed_run_adds_up_its_attempts_and_keeps_each_error(
    store: StateStore, clock: FakeClock
) -> None:
    # Attempt 1 archives 4 chats and fails; attempt 2 (the fire rerun) crashes without
    # finishing; attempt 3 archives 4 more and succeeds.
    first = store.claim("sweep", "s@1", kind="sweep", scheduled_for=T0, lease=60)
    assert first is not None and first.resumed_from is None
    store.finish(first, "failed", counts={"archived": 4, "skipped:failed": 1},
                 lines=["archived «A»"], error="sweep: 1 chat(s) could not be archived")
    second = store.claim("sweep", "s@1", kind="sweep", scheduled_for=T0, lease=60,
                         retry_failed=True)
    assert second is not None and (second.attempt, second.resumed_from) == (2, "failed")
    clock.advance(61)  # its runner died: the lease runs out
    third = store.claim("sweep", "s@1", kind="sweep", scheduled_for=T0, lease=60)
    assert third is not None and (third.attempt, third.resumed_from) == (3, "running")
    store.finish(third, "succeeded", counts={"archived": 4}, lines=["archived «B»"], error=None)

    record = store.get_run(first.run_id)

    assert record is not None
    assert (record.status, record.attempt, record.error) == ("succeeded", 3, None)
    assert record.counts == {"archived": 8, "skipped:failed": 1}
    assert record.lines == ["archived «A»", "attempt 3:", "archived «B»"]
    assert record.earlier_attempts == [
        {"attempt": 1, "status": "failed", "error": "sweep: 1 chat(s) could not be archived"},
        {"attempt": 2, "status": "running", "error": None},
    ]
