"""Bulk writes (pruning steps) leave the WAL checkpoint out of their commit: SQLite
checkpoints inside the commit that takes the WAL past 1,000 pages, holding the write
turn of every thread of the process while the pages are copied back and synced. A
``bulk_write`` commits without it, ``checkpoint`` copies them back outside the turn,
and every other write checkpoints as SQLite always does."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, text

from runner.state import StateStore
from runner.state.engine import Database
from tests.state.conftest import FakeClock
from tests.waiting import wait_for

PAGES = 1_500  # rows of a page each: past SQLite's 1,000-page checkpoint mark


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _database(tmp_path: Path) -> tuple[Database, Path]:
    path = tmp_path / "state.db"
    db = Database(f"sqlite:///{path}")
    with db.write() as conn:
        conn.execute(text("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB)"))
    db.checkpoint()
    return db, path


def _fill(conn: Connection, first: int) -> None:
    conn.execute(text("INSERT INTO pages VALUES (:id, zeroblob(3800))"),
                 [{"id": first + n} for n in range(PAGES)])


def test_a_bulk_writes_pages_reach_the_file_at_its_checkpoint_not_its_commit(
        tmp_path: Path) -> None:
    db, path = _database(tmp_path)
    try:
        before = _digest(path)
        with db.bulk_write() as conn:
            _fill(conn, 0)
        assert _digest(path) == before  # committed to the WAL only
        with db.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM pages")).scalar_one() == PAGES

        db.checkpoint()

        assert _digest(path) != before
    finally:
        db.dispose()


def test_after_a_bulk_write_an_ordinary_write_checkpoints_in_its_commit(
        tmp_path: Path) -> None:
    db, path = _database(tmp_path)
    try:
        with db.bulk_write() as conn:  # the pooled connection, handed back
            conn.execute(text("INSERT INTO pages VALUES (-1, NULL)"))
        db.checkpoint()
        before = _digest(path)

        with db.write() as conn:
            _fill(conn, 0)

        assert _digest(path) != before
    finally:
        db.dispose()


def test_the_checkpoint_takes_no_write_turn(tmp_path: Path) -> None:
    db, path = _database(tmp_path)
    holding, release, checkpointed = threading.Event(), threading.Event(), threading.Event()
    with db.bulk_write() as conn:
        _fill(conn, 0)
    before = _digest(path)

    def hold_the_turn() -> None:
        with db.write() as conn:
            conn.execute(text("INSERT INTO pages VALUES (-1, NULL)"))
            holding.set()
            release.wait(60)

    def checkpoint() -> None:
        db.checkpoint()
        checkpointed.set()

    writer = threading.Thread(target=hold_the_turn)
    writer.start()
    try:
        wait_for(holding.is_set, what="the writer to hold the turn")
        threading.Thread(target=checkpoint, daemon=True).start()
        wait_for(checkpointed.is_set, what="the checkpoint while a write is open")
        assert _digest(path) != before
    finally:
        release.set()
        writer.join()
        db.dispose()


def test_a_pruning_step_leaves_its_deletions_checkpointed(
        tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "state.db"
    with StateStore(f"sqlite:///{path}", replica="a", clock=clock) as store:
        for n in range(5):
            handle = store.claim("digest", f"digest@{n}", kind="message",
                                 scheduled_for=None, lease=60)
            assert handle is not None
            store.finish(handle, "succeeded", counts={}, lines=[], error=None)
        store._db.checkpoint()
        before = _digest(path)
        clock.advance(3600)

        step = store.prune_step(datetime.fromtimestamp(clock(), UTC), None, batch=10)

        assert (step.runs, step.start) == (5, 6)
        assert _digest(path) != before  # in the file, not left in the WAL
