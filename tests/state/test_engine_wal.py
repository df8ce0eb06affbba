"""Opening the SQLite store while another process holds or releases the file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from runner.state import engine
from runner.state.engine import Database


class LockedCursor:
    """A cursor whose first ``locked`` journal-mode calls fail like SQLite's do at once."""

    def __init__(self, locked: int, mode: str = "delete", error: str = "database is locked"):
        self.locked = locked
        self.mode = mode
        self.error = error
        self.calls: list[str] = []

    def execute(self, sql: str) -> Any:
        self.calls.append(sql)
        if self.locked:
            self.locked -= 1
            raise sqlite3.OperationalError(self.error)
        if sql == "PRAGMA journal_mode = WAL":
            self.mode = "wal"
        return self

    def fetchone(self) -> tuple[str]:
        return (self.mode,)


def test_a_lock_met_while_switching_to_wal_is_waited_out() -> None:
    cursor = LockedCursor(locked=3)
    engine._use_wal(cursor)
    assert cursor.mode == "wal"
    assert cursor.calls[-1] == "PRAGMA journal_mode = WAL"


def test_a_file_already_in_wal_is_not_switched_again() -> None:
    cursor = LockedCursor(locked=0, mode="wal")
    engine._use_wal(cursor)
    assert cursor.calls == ["PRAGMA journal_mode"]


def test_other_errors_are_not_retried() -> None:
    cursor = LockedCursor(locked=5, error="disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        engine._use_wal(cursor)
    assert len(cursor.calls) == 1


def test_the_store_file_ends_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'state.db'}")
    with db.write() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    db.dispose()
    raw = sqlite3.connect(tmp_path / "state.db")
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    raw.close()
