"""A store opened only to read the history (``reading=True``, ``history``): a current
schema is used as it is, without a write transaction, so a reader opens while a writer
holds SQLite's lock; a new or older one is migrated as by any other opening."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from runner.kinds.sweep.table import actions_of, record_action
from runner.state import StateStore
from runner.state.schema import SCHEMA_VERSION
from tests.state.conftest import FakeClock
from tests.state.test_store import _sqlalchemy_url


def _version(url: str) -> int:
    engine = create_engine(_sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT version FROM schema_version")).scalar_one())
    finally:
        engine.dispose()


def test_a_reader_of_a_new_database_builds_its_schema(store_url: str) -> None:
    with StateStore(store_url, replica="r", reading=True) as reader:
        assert reader.runs(None) == []
    assert _version(store_url) == SCHEMA_VERSION
    engine = create_engine(_sqlalchemy_url(store_url))
    try:
        assert {"runs", "targets", "actions", "exports"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_reader_of_an_older_schema_migrates_it(store_url: str) -> None:
    StateStore(store_url, replica="w").close()
    engine = create_engine(_sqlalchemy_url(store_url))
    try:
        with engine.begin() as conn:  # as version 2 left it: no ix_runs_started
            conn.execute(text("DROP INDEX ix_runs_started"))
            conn.execute(text("UPDATE schema_version SET version = 2"))
        with StateStore(store_url, replica="r", reading=True):
            pass
        assert "ix_runs_started" in {i["name"] for i in inspect(engine).get_indexes("runs")}
    finally:
        engine.dispose()
    assert _version(store_url) == SCHEMA_VERSION


def test_a_store_of_version_3_gains_the_indexes_by_outcome(store_url: str,
                                                            clock: FakeClock) -> None:
    with StateStore(store_url, replica="w", clock=clock) as writer:
        for i, outcome in enumerate(["failed", "succeeded", "failed"]):
            handle = writer.claim("digest", f"digest@{i}", kind="message", scheduled_for=None,
                                  lease=30)
            assert handle is not None
            writer.finish(handle, outcome, counts={}, lines=[], error=None)
            clock.advance(60)
    new = {"ix_runs_status_started", "ix_runs_job_status_started"}
    sqlite = store_url.startswith("sqlite")
    engine = create_engine(_sqlalchemy_url(store_url))
    try:
        with engine.begin() as conn:  # as version 3 left it, analysed (SQLite)
            for name in new:
                conn.execute(text(f"DROP INDEX {name}"))
            conn.execute(text("UPDATE schema_version SET version = 3"))
            if sqlite:
                conn.execute(text("ANALYZE"))
        with StateStore(store_url, replica="r", reading=True) as reader:
            assert [r.key for r in reader.runs(statuses=("failed", "abandoned"))] == [
                "digest@2", "digest@0"]
        assert new <= {i["name"] for i in inspect(engine).get_indexes("runs")}
        if sqlite:  # figures for the new indexes too, or the planner misjudges them
            with engine.connect() as conn:
                analysed = set(conn.execute(text("SELECT idx FROM sqlite_stat1")).scalars())
            assert new <= analysed
    finally:
        engine.dispose()
    assert _version(store_url) == SCHEMA_VERSION


def test_a_reader_opens_and_reads_while_another_process_holds_the_write_lock(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    with StateStore(url, replica="w") as writer:
        handle = writer.claim("digest", "digest@1", kind="message", scheduled_for=None,
                              lease=30)
        assert handle is not None
    other = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # held until the reader is done
        with StateStore(url, replica="r", reading=True) as reader:
            assert [r.key for r in reader.runs(None)] == ["digest@1"]
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_store_opened_to_read_still_prunes_the_kinds_rows_with_their_run(
        store_url: str, clock: FakeClock) -> None:
    with StateStore(store_url, replica="w", clock=clock) as writer:
        run = writer.claim("sweep", "sweep@1", kind="sweep", scheduled_for=None, lease=60)
        assert run is not None
        record_action(writer, run.run_id, 7, "archived")
        writer.finish(run, "succeeded", counts={}, lines=[], error=None)
    clock.advance(86_400)
    with StateStore(store_url, replica="r", clock=clock, reading=True) as reader:
        cutoff = datetime.fromtimestamp(clock(), UTC) - timedelta(hours=1)

        assert reader.prune(cutoff) == 1
        assert actions_of(reader, run.run_id) == []
        assert reader.runs(None) == []
