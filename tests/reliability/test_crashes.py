"""SIGKILL ``pachca-runner run-job`` at seeded points of every kind, restart it, and the end
state is that of a run never interrupted.

For each kind, an uninterrupted run in a fresh world gives the expected end state (and
how many write requests a run makes). Then, for each point, an identical fresh world:
``run-job --at T`` starts, is SIGKILLed ``delay`` s after the workspace received its
``n``-th write (both drawn from a seeded RNG), and is started again once its claim's
lease ran out (as an operator, or the daemon, would). The workspace then holds exactly
the messages (per chat, text and buttons), archived chats, created chats and export files
(entry by entry, each byte-identical to an archive Pachca built) of the uninterrupted run.
A restart that fails must say why in one line and leave the run resumable: the next
``run-job --at T`` finishes it.

``RELIABILITY_POINTS`` sets the points per kind (default 20; the sweep's are split
between its warning and its archiving run). Points run three at a time, each process
forked from ``forker.py``, which imported the runner once.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from runner.workspace import WorkspaceConfig, WorkspaceServer
from tests.reliability.conftest import TALLY
from tests.reliability.procs import Forker, Run, hold_write, kill_after_writes, writes
from tests.reliability.worlds import (
    Snapshot,
    World,
    build,
    exports_intact,
    patient,
    snapshot,
    workspace_config,
)
from tests.waiting import GUARD_S, wait_for

POINTS = int(os.environ.get("RELIABILITY_POINTS", "20"))
LEASE = 0.3  # seconds a dead run's claim holds the fire; short, so restarts come quickly
PARALLEL = 3
CASES = [("digest", "", POINTS), ("activity_report", "", POINTS),
         ("chat_from_template", "", POINTS), ("export", "", POINTS), ("message", "", POINTS),
         ("sweep", "archive", POINTS - POINTS // 2), ("sweep", "warn", POINTS // 2)]
# Kills also land between writes and after the last one: up to this long after the n-th.
MAX_DELAY = {"export": 0.4}


@dataclass
class Point:
    """One kill point: after the ``n``-th write, plus ``delay`` seconds."""

    number: int
    n: int
    delay: float

    def __str__(self) -> str:
        return f"point {self.number} (after write {self.n} + {self.delay * 1000:.0f} ms)"


def _world(kind: str, variant: str, tmp: Path, **config: object) -> World:
    tmp.mkdir(parents=True)
    ws = WorkspaceServer(WorkspaceConfig(**{**workspace_config(kind), "rate_limits": False,
                                            **config})).start()
    world = build(kind, ws, tmp, variant)
    world.overrides["lease"] = LEASE
    return world


def _start(forker: Forker, world: World, name: str) -> Run:
    return forker.start(world.run_job_args(), world.env(), world.tmp, world.tmp / f"{name}.log")


def _claim_free(world: World) -> bool:
    """No live claim holds the job's fire (the killed run's lease ran out)."""
    with world.store() as state:
        runs = state.runs(world.job, limit=10)
    now = datetime.now(UTC)
    return all(r.status != "running" or r.lease_until < now for r in runs)


def _wait_claim_free(world: World, timeout: float = 10.0) -> None:
    wait_for(lambda: _claim_free(world), timeout, "the killed run's claim to expire")


def _finish(forker: Forker, world: World) -> list[str]:
    """Restart until the run succeeds (at most 3 times); problems seen on the way."""
    problems = []
    for attempt in range(1, 4):
        _wait_claim_free(world)
        run = _start(forker, world, f"restart{attempt}")
        code = run.wait(60)
        text = run.output()
        if "Traceback" in text:
            problems.append(f"restart {attempt} printed a traceback:\n{text}")
        if code == 0:
            with world.store() as state:
                runs = state.runs(world.job, limit=10)
            if [r.status for r in runs] != ["succeeded"]:
                problems.append(f"runs after restart {attempt}: {[r.status for r in runs]}")
            return problems
        failed = [line for line in text.splitlines() if "failed" in line]
        if code != 1 or len(failed) != 1:
            problems.append(f"restart {attempt} exited {code} without one clear line:\n{text}")
    problems.append(f"the run did not succeed after 3 restarts; the last said:\n{text}")
    return problems


def _integrity(world: World) -> str:
    with sqlite3.connect(world.tmp / "state.db") as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def _baseline(forker: Forker, kind: str, variant: str, tmp: Path) -> tuple[Snapshot, int]:
    """The end state of an uninterrupted run, and how many writes it makes."""
    world = patient(_world(kind, variant, tmp))
    try:
        mark = len(world.ws.workspace.log)
        run = _start(forker, world, "baseline")
        assert run.wait(60) == 0, run.output()
        if kind == "export":
            assert exports_intact(world) == []
        return snapshot(world), writes(world.ws, mark)
    finally:
        world.ws.stop()


def _try_point(forker: Forker, kind: str, variant: str, base: Path, point: Point,
               expected: Snapshot, total: int) -> tuple[bool, list[str]]:
    """Kill at ``point``, restart, compare: (whether the kill cut the run short, the
    problems found)."""
    world = _world(kind, variant, base / f"p{point.number}")
    try:
        mark = len(world.ws.workspace.log)
        # Before the last write, the next write waits at the door until the kill: the run
        # cannot finish first, however fast this machine is. After it, kills may land
        # anywhere, before or after the run records its end.
        held = point.n < total - 1
        if held:
            hold_write(world.ws, after_writes=point.n)
        first = _start(forker, world, "killed")
        problems = []
        killed = kill_after_writes(first, world.ws, mark, point.n, point.delay)
        if held:
            hold_write(world.ws, release="drop")  # the killed run's write never arrived
        # What it sent before dying lands before the restart looks (not a race with it).
        wait_for(lambda: world.ws.workspace.in_flight == 0, 30, "the killed run's requests")
        if not killed and first.code != 0:
            problems.append(f"the first run ended with {first.code}:\n{first.output()}")
        with world.store() as state:  # killed before it could record its end?
            cut_short = killed and [r.status for r in state.runs(world.job)] != ["succeeded"]
        integrity = _integrity(world)
        if integrity != "ok":
            problems.append(f"state store damaged by the kill: {integrity}")
        problems += _finish(forker, world)
        got = snapshot(world)
        problems += [f"end state differs: {line}" for line in expected.diff(got)]
        if kind == "export":
            problems += exports_intact(world)
        return cut_short, [f"{kind} {variant} {point}: {p}" for p in problems]
    finally:
        # Stopping takes uvicorn's 0.1 s tick or two: let it happen beside the next point.
        threading.Thread(target=world.ws.stop, daemon=True).start()


@pytest.mark.parametrize(("kind", "variant", "count"), CASES,
                         ids=[f"{k}-{v}" if v else k for k, v, _ in CASES])
def test_sigkill_anywhere_then_restart_ends_as_if_never_interrupted(
    forker: Forker, tmp_path: Path, kind: str, variant: str, count: int
) -> None:
    expected, total = _baseline(forker, kind, variant, tmp_path / "baseline")
    assert total >= 2, f"{kind} makes too few writes to kill it in between"
    rng = random.Random(f"sigkill:{kind}:{variant}")
    delay = MAX_DELAY.get(kind, 0.03)
    points = [Point(i, rng.randrange(total), rng.uniform(0, delay)) for i in range(count)]
    with ThreadPoolExecutor(PARALLEL) as pool:
        found = list(pool.map(
            lambda p: _try_point(forker, kind, variant, tmp_path, p, expected, total), points))
    problems = [line for _, lines in found for line in lines]
    assert not problems, "\n".join(problems)
    cut_short = sum(1 for was_cut, _ in found if was_cut)
    # A kill after the last write may land after the run recorded its end; every kill
    # before it (the next write held until then) interrupts the run.
    early = [was_cut for (was_cut, _), p in zip(found, points, strict=True) if p.n < total - 1]
    assert all(early), (
        f"only {sum(early)} of {len(early)} kills before the last write cut the run short")
    TALLY["crash points"] += count
    TALLY["crash points that cut a run short"] += cut_short


def test_a_partial_download_left_by_a_killed_runner_is_cleared_and_never_taken(
    forker: Forker, tmp_path: Path
) -> None:
    world = patient(_world("export", "", tmp_path / "w"))
    try:
        world.out.mkdir()
        # What SIGKILL mid-download leaves: a temporary file the killed run never removed.
        leftover = world.out / ".pachca-2026-09-01_2026-10-15.zip.0badf00d.part"
        leftover.write_bytes(b"PK\x03\x04 half an archive")
        run = _start(forker, world, "run")
        assert run.wait(60) == 0, run.output()
        assert not leftover.exists()
        assert exports_intact(world) == []  # only the archives, each whole
    finally:
        world.ws.stop()


# ---------------------------------------------------------------------- the daemon
DAEMON_POINTS = max(POINTS // 6, 2)


def _daemon_world(tmp: Path) -> World:
    """The message world, its job fired by the daemon: daily, the missed fire caught up.

    The daemon fires by the wall clock, so Pachca's clock is the wall clock here too
    (not pinned in the past, as the worlds fired with ``--at`` are).
    """
    world = _world("message", "", tmp, start_time=None)
    path = tmp / "jobs.yaml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalogue["jobs"][world.job].update(schedule={"every": "1d"}, catchup="2d")
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    return world


def _daemon_until_done(forker: Forker, world: World, name: str) -> str:
    """Run ``pachca-runner run`` until the fire it caught up succeeded, then SIGTERM it."""
    daemon = forker.start(["-v", "run"], world.env(), world.tmp, world.tmp / f"{name}.log")
    deadline = time.monotonic() + GUARD_S
    while True:
        with world.store() as state:
            runs = state.runs(world.job, limit=10)
        # Up (its signal handlers set), and the fire done.
        if "started: 1 job(s) scheduled" in daemon.output() and runs and all(
                r.status == "succeeded" for r in runs):
            break
        assert not daemon.finished(), daemon.output()
        assert time.monotonic() < deadline, f"the fire never finished:\n{daemon.output()}"
        time.sleep(0.02)
    assert daemon.stop() == 0, daemon.output()
    return daemon.output()


def test_sigkill_of_the_daemon_mid_fire_then_restart_finishes_that_fire(
    forker: Forker, tmp_path: Path
) -> None:
    base = _daemon_world(tmp_path / "baseline")
    try:
        mark = len(base.ws.workspace.log)
        _daemon_until_done(forker, base, "baseline")
        expected, total = snapshot(base), writes(base.ws, mark)
    finally:
        base.ws.stop()
    rng = random.Random("sigkill:daemon")
    for number in range(DAEMON_POINTS):
        point = Point(number, rng.randrange(total), rng.uniform(0, 0.03))
        world = _daemon_world(tmp_path / f"p{number}")
        try:
            mark = len(world.ws.workspace.log)
            daemon = forker.start(["run"], world.env(), world.tmp, world.tmp / "killed.log")
            assert kill_after_writes(daemon, world.ws, mark, point.n, point.delay), point
            with world.store() as state:
                cut_short = [r.status for r in state.runs(world.job, limit=10)] == ["running"]
            text = _daemon_until_done(forker, world, "restarted")
            assert expected.diff(snapshot(world)) == [], point
            with world.store() as state:
                [run] = state.runs(world.job, limit=10)  # that fire, not a second one
            if cut_short:  # killed mid-fire: the restarted daemon took the fire over
                assert run.attempt == 2 and "resuming" in text, (point, text)
        finally:
            world.ws.stop()
    TALLY["daemon crash points"] += DAEMON_POINTS
