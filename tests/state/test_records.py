"""What jobs remember: targets, chats, actions, exports, events, alerts, values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from runner.errors import StateError
from runner.kinds.export.table import export_chunks, find_chunk_by_export_id, upsert_export_chunk
from runner.kinds.sweep.records import ChatState, ChatWrite
from runner.kinds.sweep.table import (
    actions_of,
    chat_state,
    chat_states,
    read_then_write_chats,
    record_action,
    update_chat,
    write_chats,
)
from runner.state import StateStore
from tests.state.conftest import START, FakeClock, race

T0 = datetime.fromtimestamp(START, UTC)


def test_a_done_target_stays_done(store: StateStore, clock: FakeClock) -> None:
    assert store.target("digest:1", "chat:5") is None
    store.start_target("digest:1", "chat:5", {"attempt": 1})
    started = store.target("digest:1", "chat:5")
    assert started is not None
    assert (started.status, started.detail, started.updated_at) == ("started", {"attempt": 1}, T0)

    clock.advance(3)
    store.finish_target("digest:1", "chat:5", {"message_id": 901})
    clock.advance(3)
    # A resumed run starts the same target again: it must see it done, untouched.
    store.start_target("digest:1", "chat:5", {"attempt": 2})
    done = store.target("digest:1", "chat:5")
    assert done is not None
    assert (done.status, done.detail) == ("done", {"message_id": 901})
    assert done.updated_at == T0 + timedelta(seconds=3)


def test_targets_are_per_run_key(store: StateStore) -> None:
    store.start_target("digest:1", "chat:6", {})
    store.finish_target("digest:1", "chat:5", {"message_id": 1})
    store.start_target("digest:2", "chat:5", {})
    listed = store.targets("digest:1")
    assert [(t.target, t.status) for t in listed] == [("chat:5", "done"), ("chat:6", "started")]
    other = store.target("digest:2", "chat:5")
    assert other is not None and other.status == "started"


def test_a_refused_target_is_forgotten_but_a_done_one_never(store: StateStore) -> None:
    store.start_target("digest:1", "chat:5", {"attempt_at": "x"})
    store.finish_target("digest:1", "chat:6", {"message_id": 900})
    store.drop_target("digest:1", "chat:5")
    store.drop_target("digest:1", "chat:6")
    assert [(t.target, t.status) for t in store.targets("digest:1")] == [("chat:6", "done")]
    assert store.highest_message_id() == 900


def test_chat_state_upsert_keeps_other_fields(store: StateStore, clock: FakeClock) -> None:
    assert chat_state(store, 42) is None
    warned = datetime(2024, 5, 1, 10, tzinfo=UTC)
    first = update_chat(store, 42, warned_at=warned, warning_message_id=777, warned_by_run=3)
    assert first == ChatState(
        chat_id=42, warned_at=warned, warning_message_id=777, warned_by_run=3, updated_at=T0
    )
    clock.advance(60)
    second = update_chat(store, 42, keep_by_user=9, kept_until=warned + timedelta(days=30))
    assert second.warning_message_id == 777
    assert second.keep_by_user == 9
    assert second.kept_until == warned + timedelta(days=30)
    assert second.updated_at == T0 + timedelta(seconds=60)
    cleared = update_chat(store, 42, warned_at=None)
    assert cleared.warned_at is None and cleared.keep_by_user == 9
    assert chat_state(store, 42) == cleared


def test_update_chat_rejects_unknown_fields(store: StateStore) -> None:
    with pytest.raises(ValueError, match="unknown chat field"):
        update_chat(store, 1, warned=True)
    assert chat_state(store, 1) is None


def test_chat_states_in_batches(store: StateStore) -> None:
    for chat_id in range(0, 1200, 3):
        update_chat(store, chat_id, warning_message_id=chat_id + 1)
    states = chat_states(store, iter(range(1200)))
    assert sorted(states) == list(range(0, 1200, 3))
    assert all(s.warning_message_id == c + 1 for c, s in states.items())
    assert chat_states(store, []) == {}


def test_actions_of_a_run(store: StateStore) -> None:
    run = store.claim("sweep", "sweep:1", kind="sweep", scheduled_for=None, lease=60)
    assert run is not None
    first = record_action(store, run.run_id, 10, "warned", {"message_id": 5})
    record_action(store, run.run_id, 11, "archived")
    record_action(store, run.run_id, 10, "closing_message")
    listed = actions_of(store, run.run_id)
    assert [(a.chat_id, a.action) for a in listed] == [
        (10, "warned"),
        (11, "archived"),
        (10, "closing_message"),
    ]
    assert listed[0].id == first and listed[0].detail == {"message_id": 5}
    assert listed[0].at == T0 and listed[1].detail == {}
    assert [a.chat_id for a in actions_of(store, run.run_id, "archived")] == [11]
    assert actions_of(store, run.run_id + 1) == []


def test_write_chats_commits_changes_and_actions_together(store: StateStore) -> None:
    run = store.claim("sweep", "sweep:1", kind="sweep", scheduled_for=None, lease=60)
    assert run is not None
    update_chat(store, 10, warning_message_id=7)
    write_chats(store, [
        ChatWrite(10, {"archived_by_run": run.run_id}),
        ChatWrite(11, {"archived_at": T0, "archived_by_run": run.run_id},
                  action=(run.run_id, "archived", {"name": "Старый чат"})),
    ])
    states = chat_states(store, [10, 11])
    assert (states[10].warning_message_id, states[10].archived_by_run) == (7, run.run_id)
    assert states[11].archived_at == T0
    [action] = actions_of(store, run.run_id)
    assert (action.chat_id, action.action, action.detail) == (11, "archived",
                                                             {"name": "Старый чат"})


def test_write_chats_checks_every_write_before_any(store: StateStore) -> None:
    with pytest.raises(ValueError, match="unknown chat field"):
        write_chats(store, [ChatWrite(1, {"archived_by_run": 5}), ChatWrite(2, {"gone": 1})])
    with pytest.raises(StateError):  # no such run: the whole group is rolled back
        write_chats(store, [ChatWrite(3, {"warned_by_run": None}),
                           ChatWrite(4, action=(999, "archived", {}))])
    assert chat_states(store, [1, 2, 3, 4]) == {}


def test_read_then_write_chats_gives_each_state_as_read_and_commits_with_the_writes(
        store: StateStore) -> None:
    run = store.claim("sweep", "sweep:1", kind="sweep", scheduled_for=None, lease=60)
    assert run is not None
    update_chat(store, 20, warning_message_id=7)

    def intent(state: ChatState | None) -> dict[str, int]:
        return {"archived_by_run": run.run_id + (1000 if state is None else 0)}

    before = read_then_write_chats(
        store, [(20, intent), (21, intent)],
        writes=[ChatWrite(22, {"archived_at": T0, "archived_by_run": run.run_id},
                          action=(run.run_id, "archived", {"name": "Старый чат"}))])
    assert before[0] is not None and before[0].warning_message_id == 7
    assert before[0].archived_by_run is None and before[1] is None  # as they were
    states = chat_states(store, [20, 21, 22])
    assert (states[20].warning_message_id, states[20].archived_by_run) == (7, run.run_id)
    assert states[21].archived_by_run == run.run_id + 1000
    assert states[22].archived_at == T0
    assert [a.chat_id for a in actions_of(store, run.run_id, "archived")] == [22]
    with pytest.raises(StateError):  # a write that fails rolls the intents back too
        read_then_write_chats(store, [(23, intent)],
                              writes=[ChatWrite(24, action=(999, "archived", {}))])
    assert chat_states(store, [23, 24]) == {}


def test_actions_are_checked(store: StateStore) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        record_action(store, 1, 10, "deleted")
    with pytest.raises(StateError):
        record_action(store, 999, 10, "warned")  # no such run


def test_export_chunks(store: StateStore) -> None:
    jan, feb = date(2024, 1, 1), date(2024, 2, 1)
    created = upsert_export_chunk(store, "export", feb, date(2024, 2, 29))
    assert (created.status, created.export_id, created.file) == ("pending", None, None)
    upsert_export_chunk(store, "export", jan, date(2024, 1, 31))
    asked = datetime(2024, 3, 1, tzinfo=UTC)
    requested = upsert_export_chunk(store, 
        "export", jan, date(2024, 1, 31), status="requested", export_id=5501, requested_at=asked
    )
    assert (requested.status, requested.export_id, requested.requested_at) == (
        "requested",
        5501,
        asked,
    )
    done = upsert_export_chunk(store, 
        "export",
        jan,
        date(2024, 1, 31),
        status="downloaded",
        file="a.zip",
        sha256="ab" * 32,
        size=1024,
    )
    assert done.export_id == 5501 and done.requested_at == asked  # untouched fields kept
    assert [(c.start, c.status) for c in export_chunks(store, "export")] == [
        (jan, "downloaded"),
        (feb, "pending"),
    ]
    found = find_chunk_by_export_id(store, 5501)
    assert found is not None and (found.start, found.size) == (jan, 1024)
    assert find_chunk_by_export_id(store, 1) is None
    assert export_chunks(store, "other") == []
    with pytest.raises(ValueError):
        upsert_export_chunk(store, "export", jan, date(2024, 1, 31), status="lost")
    with pytest.raises(ValueError):
        upsert_export_chunk(store, "export", jan, date(2024, 1, 31), url="x")


def test_event_handled_once_under_concurrency(store: StateStore) -> None:
    assert not store.event_handled("evt-1")
    outcomes = race(8, lambda i: store.mark_event_handled("evt-1"))
    assert sorted(outcomes) == [False] * 7 + [True]
    assert store.event_handled("evt-1")
    assert store.mark_event_handled("evt-1") is False
    assert store.mark_event_handled("evt-2") is True


def test_alert_state(store: StateStore) -> None:
    assert store.alert_state("digest") is None
    since = datetime(2024, 3, 1, 9, tzinfo=UTC)
    state = store.set_alert_state("digest", failing_since=since, failures=1, last_error="boom")
    assert (state.failing_since, state.failures, state.last_alert_at) == (since, 1, None)
    state = store.set_alert_state("digest", failures=2, last_alert_at=since)
    assert (state.failing_since, state.failures, state.last_error) == (since, 2, "boom")
    assert store.alert_state("digest") == state
    with pytest.raises(ValueError, match="unknown alert field"):
        store.set_alert_state("digest", streak=3)
    store.clear_alert_state("digest")
    assert store.alert_state("digest") is None
    store.clear_alert_state("digest")  # clearing a healthy job is harmless


def test_job_values(store: StateStore) -> None:
    assert store.get_value("digest", "cursor") is None
    assert store.get_value("digest", "cursor", {"page": 0}) == {"page": 0}
    store.set_value("digest", "cursor", {"page": 3, "ids": [1, 2], "name": "Отдел"})
    store.set_value("sweep", "cursor", 7)
    assert store.get_value("digest", "cursor") == {"page": 3, "ids": [1, 2], "name": "Отдел"}
    store.set_value("digest", "cursor", [1])
    assert store.get_value("digest", "cursor") == [1]
    assert store.get_value("sweep", "cursor") == 7
