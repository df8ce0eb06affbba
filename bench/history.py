"""A state store with 1,000,000 runs of history: ``history`` and pruning.

The store is built as the runner builds it (``StateStore`` creates and migrates the
schema), then filled directly through SQLite in one transaction, since a million claims
through the store would take the benchmark's whole budget: 100 days of a busy
catalogue (200 jobs, a run every 8.6 s), each run with one recorded effect, the sweeps
with 20 chat actions each, 2 % of runs failed.

- ``history``: ``pachca-runner history`` as an operator runs it (all jobs, one job,
  ``--failed``), wall time with Python's start-up, median of five runs each.
- Pruning: the daemon's retention (90 days) leaves 10 % of the runs to delete. The steps
  are run as the daemon runs them (``StateStore.prune_step`` until it says done, each
  step's batch sized by ``prune.BatchSize`` from the previous step's hold) while
  another thread writes (``mark_event_handled``) as the daemon's jobs would: each step's
  time bounds how long it held the write lock; the writer's slowest write is how long a
  job's write waited.
"""

from __future__ import annotations

import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.procs import BenchError, base_env, runner_exe

RUNS = 1_000_000
JOBS = 200
DAYS = 100
RETENTION_DAYS = 90
SWEEP_EVERY = 200  # one run in 200 is a sweep with 20 actions
FMT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy keeps a datetime in SQLite


def _runs(first: datetime) -> Iterator[tuple[Any, ...]]:
    step = timedelta(days=DAYS) / RUNS
    for i in range(1, RUNS + 1):
        job, started = f"job-{i % JOBS}", first + step * i
        at, ended = started.strftime(FMT), (started + timedelta(seconds=2)).strftime(FMT)
        failed = i % 50 == 0
        yield (i, f"{job}@{at}", job, "sweep" if i % SWEEP_EVERY == 0 else "message", at,
               "bench", 1, "failed" if failed else "succeeded", at, ended, ended, 0,
               '{"posted": 1}', "ApiError: 503 from POST /messages" if failed else None,
               '["posted to «Общий»"]', None)


def _effects(conn: sqlite3.Connection) -> None:
    """One effect a run; 20 chat actions a sweep (from the runs just written)."""
    conn.execute("INSERT INTO targets (run_key, target, status, detail, updated_at, message_id)"
                 " SELECT key, 'chat:' || (id % 5000), 'done', '{\"message_id\": ' || id || '}',"
                 " finished_at, id FROM runs")
    conn.execute("WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < 19)"
                 " INSERT INTO actions (run_id, chat_id, action, at)"
                 " SELECT id, x, 'archived', finished_at FROM runs, n WHERE kind = 'sweep'")


def build(path: Path) -> datetime:
    """The store at ``path``, filled; returns the 'now' the history ends at."""
    from runner.state import StateStore

    StateStore(f"sqlite:///{path}", replica="bench").close()  # schema, migrated
    now = datetime.now(UTC).replace(microsecond=0)
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.executemany("INSERT INTO runs (id, key, job, kind, scheduled_for, replica,"
                             " attempt, status, started_at, finished_at, lease_until, dry_run,"
                             " counts, error, lines, earlier_attempts) VALUES"
                             " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                             _runs(now - timedelta(days=DAYS)))
            _effects(conn)
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return now


def _catalogue(folder: Path) -> Path:
    lines = ["timezone: Europe/Moscow", "jobs:"]
    for j in range(JOBS):
        lines += [f"  job-{j}:", "    kind: message", "    schedule: '0 9 * * *'",
                  "    to: {chats: [1]}", "    text: 'Доброе утро'"]
    path = folder / "jobs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


HISTORY_ARGS = {"all": [], "one_job": ["job-7"], "failed": ["--failed"]}


def _command(db: Path, folder: Path, runs: int) -> dict[str, Any]:
    env = base_env() | {"PACHCA_RUNNER_STATE_URL": f"sqlite:///{db}",
                        "PACHCA_RUNNER_CATALOGUE": str(folder / "jobs.yaml")}
    out: dict[str, Any] = {}
    for name, args in HISTORY_ARGS.items():
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run([runner_exe(), "history", *args], env=env, cwd=folder,
                                  capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise BenchError(f"history {' '.join(args)} failed: {done.stderr[-400:]}")
        out[name] = round(statistics.median(times), 3)
    return out


#: The libraries ``history`` cannot do without, as the project is built: the store is
#: SQLAlchemy, the settings pydantic-settings, the command line click.
STACK_IMPORTS = "import sqlalchemy, pydantic_settings, click"


def time_floor(runs: int = 5) -> dict[str, float]:
    """What any ``history`` on this stack pays before its first query, median wall time of
    ``runs`` each: Python starting, and Python importing ``STACK_IMPORTS`` and no more."""
    out = {}
    for name, code in (("python_alone_s", "pass"), ("stack_imports_s", STACK_IMPORTS)):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=base_env(), check=True)
            times.append(time.perf_counter() - started)
        out[name] = round(statistics.median(times), 3)
    return out


def time_history(db: Path, folder: Path, runs: int = 5) -> dict[str, Any]:
    """``pachca-runner history`` three ways on the full store and on an empty one (the
    command's start-up), median wall time of ``runs`` each; and the store's queries alone."""
    from runner.state import StateStore

    _catalogue(folder)
    empty = folder / "empty.db"
    empty.unlink(missing_ok=True)
    StateStore(f"sqlite:///{empty}", replica="bench").close()
    full, bare = _command(db, folder, runs), _command(empty, folder, runs)
    store = StateStore(f"sqlite:///{db}", replica="bench")
    queries = {}
    try:
        for name, call in (("all", lambda: store.runs(None)),
                           ("one_job", lambda: store.runs("job-7")),
                           ("failed", lambda: store.runs(None, statuses=("failed", "abandoned")))):
            started = time.perf_counter()
            if len(call()) != 20:
                raise BenchError(f"history {name}: not 20 runs")
            queries[name] = round((time.perf_counter() - started) * 1000, 1)
    finally:
        store.close()
    return {"command_s": full, "empty_store_command_s": bare, "query_ms": queries,
            "floor": time_floor(runs), "median_s": max(full.values())}


def time_pruning(db: Path, now: datetime) -> dict[str, Any]:
    """Prune as the daemon does, with a writer beside it; step and write times."""
    from runner.state import StateStore
    from runner.state.prune import BatchSize

    store = StateStore(f"sqlite:///{db}", replica="bench")
    cutoff = now - timedelta(days=RETENTION_DAYS)
    waits: list[float] = []
    stop = threading.Event()

    def writer() -> None:  # a job's writes while the history is pruned
        n = 0
        while not stop.is_set():
            started = time.perf_counter()
            store.mark_event_handled(f"bench-{n}")
            waits.append(time.perf_counter() - started)
            n += 1
            time.sleep(0.005)

    beside = threading.Thread(target=writer)
    steps: list[float] = []
    held: list[float] = []
    batches: list[int] = []
    size = BatchSize()  # as the daemon sizes its steps (runner.replicas.Maintenance.prune)
    deleted = rows = 0
    started = time.perf_counter()
    beside.start()
    try:
        start = None
        while True:
            t = time.perf_counter()
            batches.append(size.size)
            step = store.prune_step(cutoff, start, batch=size.size)
            steps.append(time.perf_counter() - t)
            held.append(step.held)
            size.after(step)
            deleted, rows = deleted + step.runs, rows + step.rows
            if step.start is None:
                break
            start = step.start
    finally:
        stop.set()
        beside.join()
        store.close()
    total = time.perf_counter() - started
    return {"runs_deleted": deleted, "rows_deleted": rows, "steps": len(steps),
            "total_s": round(total, 1), "held_p50_ms": _pct(held, 0.5),
            "held_p99_ms": _pct(held, 0.99), "held_max_ms": _pct(held, 1.0),
            "step_p50_ms": _pct(steps, 0.5), "step_max_ms": _pct(steps, 1.0),
            "batch_min": min(batches), "batch_median": int(statistics.median(batches)),
            "writer_writes": len(waits),
            "writer_max_ms": round(max(waits, default=0.0) * 1000, 1)}


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)


def run_history(workdir: Path) -> dict[str, Any]:
    """Build the million-run store, time ``history``, then prune it."""
    folder = workdir / "history"
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "state.db"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    now = build(db)
    built = time.perf_counter() - started
    history = time_history(db, folder)
    pruning = time_pruning(db, now)
    expected = RUNS * (DAYS - RETENTION_DAYS) // DAYS
    if abs(pruning["runs_deleted"] - expected) > 2:
        raise BenchError(f"pruning deleted {pruning['runs_deleted']} runs, expected ~{expected}")
    return {"runs": RUNS, "build_s": round(built, 1), "db_mb": round(db.stat().st_size / 2**20),
            "history": history, "pruning": pruning,
            "met": history["median_s"] <= 0.3 and pruning["held_max_ms"] <= 100}
