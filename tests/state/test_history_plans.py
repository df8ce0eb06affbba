"""The history's queries read an index range, on SQLite: the newest runs of all, of one
job and of the failed outcomes come from an index in order, never from a scan of the
whole history (a million runs, ``history --failed`` on a store where runs rarely fail)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from runner.state import StateStore

FAILED = ("failed", "abandoned")


def _plan(store: StateStore, **query: Any) -> list[str]:
    """The lines of the plan (EXPLAIN QUERY PLAN of what ``runs`` sends) that read the
    runs table, and any sort of what they read (the merge's own sorts of at most
    ``limit`` rows an outcome are left out)."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        sent.append((statement, params))

    event.listen(store._db.engine, "before_cursor_execute", keep)
    try:
        store.runs(limit=20, **query)
    finally:
        event.remove(store._db.engine, "before_cursor_execute", keep)
    statement, params = next((s, p) for s, p in sent if s.lstrip().startswith("SELECT"))
    with store.read() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
    lines, previous = [], ""
    for row in rows:
        line = str(row[3])
        if " runs " in f"{line} ":
            lines.append(line)
        elif line.startswith("USE TEMP B-TREE") and " runs " in f"{previous} ":
            lines.append(f"{line} (sorting what it read)")
        previous = line
    return lines


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["SCAN runs USING INDEX ix_runs_started"]),
    ({"job": "digest"}, ["SEARCH runs USING INDEX ix_runs_job_started (job=?)"]),
    ({"statuses": FAILED}, ["SEARCH runs USING INDEX ix_runs_status_started (status=?)"] * 2),
    ({"job": "digest", "statuses": FAILED},
     ["SEARCH runs USING INDEX ix_runs_job_status_started (job=? AND status=?)"] * 2),
    ({"status": "skipped"}, ["SEARCH runs USING INDEX ix_runs_status_started (status=?)"]),
])
def test_each_history_query_reads_an_index_in_order(tmp_path: Path, query: dict[str, Any],
                                                    expected: list[str]) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}", replica="r") as store:
        for i in range(30):
            handle = store.claim("digest" if i % 3 else "sweep", f"k{i}", kind="message",
                                 scheduled_for=None, lease=30)
            assert handle is not None
            store.finish(handle, "failed" if i % 7 == 0 else "succeeded", counts={},
                         lines=[], error=None)
        plan = _plan(store, **query)
    assert plan == expected, "a USE TEMP B-TREE or a SCAN here reads every run"
