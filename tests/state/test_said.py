"""A run's lines and error are kept as said (message ids and values), so each reader
has them in their language; rows recorded before keep their text; no secret is kept."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, inspect, text

from runner import words
from runner.errors import ApiError, JobError, RateLimited, TransportError
from runner.state import SCHEMA_VERSION, StateStore
from runner.words.said import masked, told
from tests.state.conftest import FakeClock, StoreFactory
from tests.state.test_store import _sqlalchemy_url

SECRET = "hook-secret-5521"


def recorded(store: StateStore, key: str, lines: list[str], error: str | None) -> int:
    run = store.claim("sweep", key, kind="sweep", scheduled_for=None, lease=60)
    assert run is not None
    store.finish(run, "failed", counts={}, lines=lines, error=error)
    return run.run_id


@pytest.mark.parametrize(("written", "read", "line", "error"), [
    ("en", "ru", "архивирован", "внутренняя ошибка: X: Пачка отказала (403) на POST /messages"),
    ("ru", "en", "archived", "internal error: X: POST /messages -> 403"),
])
def test_what_one_language_recorded_the_other_reads(
        open_store: StoreFactory, written: str, read: str, line: str, error: str) -> None:
    store = open_store()
    with words.speaking(written):
        refused = ApiError(403, "POST", "/messages", "forbidden")
        run_id = recorded(store, "s@1", [words.text("sweep.archived", name="Отдел", note=""),
                                         "plain text, kept as it is"],
                          words.text("run.internal", type="X", error=refused))

    record = store.get_run(run_id)

    assert record is not None and record.error is not None
    assert line in words.in_language(record.lines[0], read)
    assert words.in_language(record.lines[1], read) == "plain text, kept as it is"
    shown = words.in_language(record.error, read)
    assert error in shown  # the error within, too
    # As recorded when nobody asks for a language: the text written.
    assert record.lines[0] == words.text_in(written, "sweep.archived", name="Отдел", note="")


def test_a_resumed_runs_earlier_error_and_lines_are_said_again(
        open_store: StoreFactory, clock: FakeClock) -> None:
    store = open_store()
    with words.speaking("en"):
        first = store.claim("sweep", "s@1", kind="sweep", scheduled_for=None, lease=60)
        assert first is not None
        store.finish(first, "failed", counts={}, lines=[words.text("sweep.unapproved")],
                     error=words.text("run.timed_out", seconds="60"))
        second = store.claim("sweep", "s@1", kind="sweep", scheduled_for=None, lease=60,
                             retry_failed=True)
        assert second is not None
        store.finish(second, "succeeded", counts={}, lines=[words.text("digest.empty")],
                     error=None)

    record = store.get_run(first.run_id)

    assert record is not None
    assert [words.in_language(line, "ru") for line in record.lines] == [
        words.text_in("ru", "sweep.unapproved"), "попытка 2:", words.text_in("ru", "digest.empty")]
    [earlier] = record.earlier_attempts
    assert earlier["error"] == "did not finish within its timeout of 60 s"
    assert words.in_language(earlier["error"], "ru") == words.text_in(
        "ru", "run.timed_out", seconds="60")


def test_no_secret_is_kept_in_what_was_said(open_store: StoreFactory, store_url: str) -> None:
    def hide(found: str) -> str:
        return found.replace(SECRET, "${HOOK}")

    store = open_store()
    # A value the message's texts do not show is never kept; one it shows is masked
    # (as a run masks what it records), there and in the text.
    line = words.text("digest.empty", hook=SECRET)
    error = masked(told(JobError(words.text("source.failed", source="crm",
                                            reason=f"GET https://x/?k={SECRET}: 500"))), hide)
    run_id = recorded(store, "s@1", [line], error)

    engine = create_engine(_sqlalchemy_url(store_url))
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT lines, error, said_lines, said_error FROM runs "
                                    "WHERE id = :id"), {"id": run_id}).one()
    finally:
        engine.dispose()
    assert SECRET not in json.dumps(list(row))
    assert "${HOOK}" in row.said_error
    record = store.get_run(run_id)
    assert record is not None and record.error is not None
    assert SECRET not in words.in_language(record.error, "ru")


def test_runs_recorded_before_keep_their_text(open_store: StoreFactory, store_url: str) -> None:
    StateStore(store_url, replica="w").close()
    engine = create_engine(_sqlalchemy_url(store_url))
    try:
        with engine.begin() as conn:  # the runs table as schema version 4 left it
            conn.execute(text("ALTER TABLE runs DROP COLUMN said_lines"))
            conn.execute(text("ALTER TABLE runs DROP COLUMN said_error"))
            conn.execute(text("UPDATE schema_version SET version = 4"))
            conn.execute(text(
                "INSERT INTO runs (key, job, kind, replica, attempt, status, started_at, "
                "finished_at, lease_until, dry_run, counts, error, lines, earlier_attempts) "
                "VALUES ('old@1', 'old', 'sweep', 'a', 2, 'failed', '2026-01-01 09:00:00', "
                "'2026-01-01 09:01:00', '2026-01-01 09:02:00', false, '{}', "
                "'did not finish within its timeout of 60 s', '[\"archived «A»\"]', "
                "'[{\"attempt\": 1, \"status\": \"failed\", \"error\": \"boom\"}]')"))

        store = open_store()
        [old] = store.runs("old")
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version FROM schema_version")).scalar_one()
            columns = {c["name"] for c in inspect(conn).get_columns("runs")}
            kept = conn.execute(text("SELECT said_lines, said_error FROM runs")).one()
    finally:
        engine.dispose()

    assert version == SCHEMA_VERSION and {"said_lines", "said_error"} <= columns
    assert tuple(kept) == (None, None)  # history is not rewritten
    assert words.in_language(old.error or "", "ru") == "did not finish within its timeout of 60 s"
    assert [words.in_language(line, "ru") for line in old.lines] == ["archived «A»"]
    assert old.earlier_attempts == [{"attempt": 1, "status": "failed", "error": "boom"}]
    with words.speaking("en"):
        new_id = recorded(store, "new@1", [words.text("digest.empty")], None)
    new = store.get_run(new_id)
    assert new is not None
    assert words.in_language(new.lines[0], "ru") == words.text_in("ru", "digest.empty")


def test_a_rate_limit_is_said_in_either_language() -> None:
    with words.speaking("en"):
        error = told(RateLimited("GET", "/chats", 120))

    assert error == "GET /chats -> 429: rate limited; Pachca asks to wait 120 s"
    assert words.in_language(error, "ru") == (
        "Пачка отказала (429) на GET /chats: слишком много запросов; Пачка просит подождать 120 с")


def test_a_network_failure_is_said_in_either_language() -> None:
    with words.speaking("en"):
        error = told(TransportError("GET", "/chats", words.text("net.dropped"),
                                    reached_server=True))

    assert error == "GET /chats: connection dropped"
    assert words.in_language(error, "ru") == "запрос GET /chats: соединение оборвалось"
