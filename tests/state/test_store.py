"""Opening the store: URLs, errors, schema versions, replicas."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from runner.errors import StateError
from runner.state import SCHEMA_VERSION, StateStore
from tests.state.conftest import FakeClock, StoreFactory


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_dialect_and_reopening_keeps_data(open_store: StoreFactory, store_url: str) -> None:
    first = open_store("a")
    assert first.dialect == store_url.split(":")[0]
    first.set_value("job", "n", 1)
    first.close()
    again = open_store("a")
    assert again.get_value("job", "n") == 1
    engine = create_engine(_sqlalchemy_url(store_url))
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version FROM schema_version")).scalars().all()
    engine.dispose()
    assert versions == [SCHEMA_VERSION]


def test_newer_schema_is_refused(open_store: StoreFactory, store_url: str) -> None:
    open_store("a").close()
    engine = create_engine(_sqlalchemy_url(store_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = :v"), {"v": SCHEMA_VERSION + 1})
    engine.dispose()
    with pytest.raises(StateError, match="newer than this runner") as caught:
        open_store("a")
    assert "upgrade pachca-runner" in str(caught.value)


def test_version_1_gains_the_message_ids_of_posts_already_done(
    open_store: StoreFactory, store_url: str
) -> None:
    first = open_store("a")
    first.finish_target("job@1", "chat:1", {"message_id": 501, "chat_id": 1})
    first.start_target("job@1", "chat:2", {"chat_id": 2})
    first.close()
    # The database as schema version 1 left it: no message_id column.
    engine = create_engine(_sqlalchemy_url(store_url))
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_targets_message_id"))
        conn.execute(text("ALTER TABLE targets DROP COLUMN message_id"))
        conn.execute(text("UPDATE schema_version SET version = 1"))
    engine.dispose()

    again = open_store("a")

    assert again.highest_message_id() == 501
    assert again.message_taken(501, besides=("job@2", "chat:1"))
    assert not again.message_taken(501, besides=("job@1", "chat:1"))
    assert [t.status for t in again.targets("job@1")] == ["done", "started"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "invalid state URL"),
        ("mysql://root:hunter2@db.example/state", "unsupported state URL"),
        ("sqlite:////nonexistent/dir/state.db", "cannot use state store"),
    ],
)
def test_bad_url_is_one_line_state_error(url: str, expected: str) -> None:
    with pytest.raises(StateError, match=expected) as caught:
        StateStore(url, replica="a")
    message = str(caught.value)
    assert "\n" not in message
    assert "hunter2" not in message


def test_unreachable_postgres_hides_the_password() -> None:
    url = f"postgresql://bob:s3cret-pw@127.0.0.1:{_closed_port()}/state"
    with pytest.raises(StateError, match="cannot use state store") as caught:
        StateStore(url, replica="a")
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert "bob:***@127.0.0.1" in message
    assert "\n" not in message


def test_refused_connection_hides_the_password(pg_store_url: str) -> None:
    # trust auth accepts any password, so use an unknown database to force a refusal
    url = pg_store_url.replace("postgres@", "postgres:pa55word@").rsplit("/", 1)[0] + "/absent"
    with pytest.raises(StateError, match="absent") as caught:
        StateStore(url, replica="a")
    assert "pa55word" not in str(caught.value)


def test_sqlite_refuses_a_second_replica_until_the_first_is_gone(
    tmp_path: Path, clock: FakeClock
) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    a = StateStore(url, replica="a", clock=clock)
    b = StateStore(url, replica="b", clock=clock)
    try:
        a.ensure_single_replica_allowed()
        a.ensure_single_replica_allowed()  # asking again is fine
        with pytest.raises(StateError) as caught:
            b.ensure_single_replica_allowed()
        assert str(caught.value).startswith(
            "SQLite state cannot be shared by several replicas: "
            "set PACHCA_RUNNER_STATE_URL to a PostgreSQL URL"
        )
        # The first one stops (or crashes: the OS drops its lock just the same), and a
        # replacement may start at once, without waiting for a heartbeat to age.
        a.close()
        b.ensure_single_replica_allowed()
    finally:
        a.close()
        b.close()


def test_postgres_allows_several_replicas(pg_store_url: str, clock: FakeClock) -> None:
    a = StateStore(pg_store_url, replica="a", clock=clock)
    b = StateStore(pg_store_url, replica="b", clock=clock)
    try:
        a.heartbeat()
        b.heartbeat()
        assert a.live_replicas(60) == ["a", "b"]
        a.ensure_single_replica_allowed(60)
        assert a.dialect == "postgresql"
    finally:
        a.close()
        b.close()


def test_heartbeat_moves_forward(open_store: StoreFactory, clock: FakeClock) -> None:
    store = open_store("a")
    assert store.live_replicas(60) == []
    store.heartbeat()
    clock.advance(50)
    store.heartbeat()
    clock.advance(50)
    assert store.live_replicas(60) == ["a"]  # the second beat counts, not the first
