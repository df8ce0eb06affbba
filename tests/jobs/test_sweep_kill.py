"""``run-job`` of a sweep killed with SIGKILL at several points, then run again: every
chat is warned once and archived once overall, counted in the workspace's request log.

The reruns name the same fire (``--at``), so each one waits for the dead run's lease
to expire and resumes that run (attempt 2, 3, ...) from what it recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from runner.state import RunRecord, StateStore
from runner.workspace import WorkspaceServer
from tests.jobs.sweep_support import EMPTY, JOB, Sweep
from tests.replica_support import Process, runner_env
from tests.waiting import wait_for


def _written(sw: Sweep, since: int) -> list[dict]:
    log = sw.control("GET", "requests", params={"since": since})["requests"]
    return [r for r in log if r["method"] in ("POST", "PUT") and r["status"] < 300]


def _per_chat(sw: Sweep, since: int, method: str, suffix: str) -> Counter[int]:
    out: Counter[int] = Counter()
    for r in _written(sw, since):
        if r["method"] != method or not r["path"].endswith(suffix):
            continue
        chat = r["chat_id"] if suffix == "/messages" else int(r["path"].split("/")[-2])
        out[int(chat)] += 1
    return out


def _the_run(sw: Sweep) -> RunRecord:
    with StateStore(f"sqlite:///{sw.h.tmp / 'state.db'}", replica="probe") as store:
        return store.runs(JOB, limit=1)[0]


def _phase(sw: Sweep, env: dict[str, str], kill_points: tuple[int, ...]) -> RunRecord:
    """One fire of the sweep, its attempts killed once ``kill_points[i]`` of their write
    requests have reached the workspace, then run to the end."""
    at = sw.now().astimezone(ZoneInfo("Europe/Moscow")).strftime("%Y-%m-%dT%H:%M:%S")
    for attempt, writes in enumerate(kill_points, 1):
        mark = sw.mark()
        # The write after these waits at the door until the kill: the run cannot finish
        # in between, however fast this machine is.
        sw.control("POST", "hold", json={"after_writes": writes})
        proc = Process.start(f"run-{mark}-{attempt}", env, sw.h.tmp, "run-job", JOB, "--at", at)
        try:
            wait_for(lambda: sw.control("GET", "hold")["held"]
                     or proc.proc.poll() is not None,  # noqa: B023
                     30, f"{writes} writes", interval=0.005)
            assert proc.proc.poll() is None, f"the run ended before {writes} writes"
            proc.kill()
        finally:
            proc.ensure_gone()
            sw.control("POST", "hold", json={"release": "drop"})
        # Its requests already in the workspace land before anyone looks at what it did.
        wait_for(lambda: sw.control("GET", "stats")["in_flight"] == 0, 30,
                 "the killed run's requests to land")
        # The dead run's claim holds until its lease expires; then the next one resumes it.
        wait_for(lambda: _the_run(sw).lease_until < datetime.now(UTC), 10, "the lease to expire")
    final = Process.start(f"run-{sw.mark()}-final", env, sw.h.tmp, "run-job", JOB, "--at", at)
    assert final.wait(60) == 0, final.text()[-2000:]
    run = _the_run(sw)
    assert (run.status, run.attempt) == ("succeeded", len(kill_points) + 1)
    return run


def test_sweep_killed_at_several_points_warns_and_archives_each_chat_once(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # Latency keeps requests in flight when the process dies: some land after it is gone.
    sw = Sweep.make(fresh_workspace(**EMPTY, latency=0.05), tmp_path)
    try:
        chats = [sw.chat(f"Тихий чат {i}") for i in range(16)]
        sw.advance(100)
        sw.job(concurrency=2)
        env = runner_env(sw.ws, tmp_path, f"sqlite:///{tmp_path / 'state.db'}", lease="1")
        start = sw.mark()

        _phase(sw, env, (2, 5))  # warnings
        assert _per_chat(sw, start, "POST", "/messages") == {c: 1 for c in chats}
        assert [len(sw.bot_messages(c)) for c in chats] == [1] * len(chats)

        sw.advance(8)  # past warn_days, nobody answered: every chat is due
        _phase(sw, env, (3, 6))  # closing messages and archives
        assert _per_chat(sw, start, "POST", "/messages") == {c: 2 for c in chats}
        assert _per_chat(sw, start, "PUT", "/archive") == {c: 1 for c in chats}
        assert all(sw.archived(c) for c in chats)
        assert sw.actions("warned") == {c: 1 for c in chats}
        assert sw.actions("archived") == {c: 1 for c in chats}
    finally:
        sw.close()
