"""``pachca-runner run`` as a real process: it fires, reloads on SIGHUP, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.waiting import wait_for

CATALOGUE = """\
timezone: Europe/Moscow
jobs:
  tick:
    kind: message
    schedule: {every: 1s}
    misfire_grace: 30s
    to: {chats: [CHAT]}
    text: "Тик {{ now.strftime('%H:%M:%S') }}"
"""


def posts_to(workspace, chat: int, since: int) -> int:
    log = httpx.get(f"{workspace.root_url}/_workspace/requests", params={"since": since}).json()
    return sum(
        1 for r in log["requests"]
        if r["method"] == "POST" and r["path"].endswith("/messages") and r["status"] == 201
        and r.get("chat_id") in (chat, None)
    )


def a_chat(workspace) -> int:
    return httpx.get(
        f"{workspace.base_url}/chats", params={"personal": "false", "limit": 1},
        headers={"Authorization": f"Bearer {workspace.owner_token}"},
    ).json()["data"][0]["id"]


def request_mark(workspace) -> int:
    """The workspace's request log position now: later posts are counted from it."""
    return int(httpx.get(f"{workspace.root_url}/_workspace/requests",
                         params={"since": 1 << 30}).json()["total"])


@contextmanager
def daemon(workspace, tmp_path: Path, jobs: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``pachca-runner -v run`` on ``jobs`` against the workspace, logging to ``log``;
    killed on the way out if a test left it running."""
    env = dict(
        os.environ,
        PACHCA_TOKEN=workspace.owner_token,
        PACHCA_BASE_URL=workspace.base_url,
        PACHCA_RUNNER_STATE_URL=f"sqlite:///{tmp_path / 'state.db'}",
        PACHCA_RUNNER_CATALOGUE=str(jobs),
        PACHCA_RUNNER_SERVER_PORT="0",
    )
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "runner", "-v", "run"], env=env,
                                stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()


def stop(proc: subprocess.Popen[bytes], timeout: float = 30) -> int:
    """SIGTERM, and the exit code once it ends (a generous deadline, not a timing)."""
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=timeout)


def test_daemon_fires_reloads_and_stops_cleanly(workspace, tmp_path: Path):
    chat = a_chat(workspace)
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(CATALOGUE.replace("CHAT", str(chat)), encoding="utf-8")
    mark = request_mark(workspace)
    log = tmp_path / "daemon.log"
    with daemon(workspace, tmp_path, jobs, log) as proc:
        wait_for(lambda: posts_to(workspace, chat, mark) >= 2, 30, "two scheduled posts")

        # A broken catalogue on SIGHUP is reported and the old one keeps running.
        jobs.write_text(CATALOGUE.replace("every: 1s", "every: soon"), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in log.read_text(), 15, "the refused reload")
        before = posts_to(workspace, chat, mark)
        wait_for(lambda: posts_to(workspace, chat, mark) >= before + 2, 15,
                 "posts after the refused reload")

        assert stop(proc) == 0
    text = log.read_text()
    assert "tick: firing" in text
    assert "stopped" in text
    assert "Traceback" not in text
    assert workspace.owner_token not in text
    # Each fire posted once: no fire time appears twice in the state's history.
    from runner.state import StateStore

    with StateStore(f"sqlite:///{tmp_path / 'state.db'}", replica="check") as state:
        runs = state.runs("tick", limit=1000)
    keys = [r.key for r in runs]
    assert len(keys) == len(set(keys))
    # A fire that came while the previous tick still ran (a loaded machine) is recorded
    # as skipped, with why; every other fire succeeded.
    skipped = [r for r in runs if r.status == "skipped"]
    assert all(r.error == "previous run still going" for r in skipped)
    runs = [r for r in runs if r.status != "skipped"]
    assert all(r.status == "succeeded" for r in runs)
    assert posts_to(workspace, chat, mark) == len(runs)


def test_sigterm_during_the_jitter_wait_stops_at_once_and_starts_no_run(
    workspace, tmp_path: Path
):
    chat = a_chat(workspace)
    jobs = tmp_path / "jobs.yaml"
    # Twelve hours of jitter: the first fire is certain to be still waiting when stopped.
    jobs.write_text(CATALOGUE.replace("CHAT", str(chat)).replace(
        "misfire_grace: 30s", "misfire_grace: 30s\n    jitter: 12h"), encoding="utf-8")
    mark = request_mark(workspace)
    log = tmp_path / "daemon.log"
    with daemon(workspace, tmp_path, jobs, log) as proc:
        wait_for(lambda: "s of jitter before the run" in log.read_text(), 30,
                 "the first fire waiting out its jitter")

        # Far below the jitter: the wait is cut short by the stop, not waited out.
        assert stop(proc, timeout=60) == 0
    text = log.read_text()
    assert "not started: stopping" in text and "stopped" in text
    assert "tick: firing" not in text and "Traceback" not in text
    assert posts_to(workspace, chat, mark) == 0
    from runner.state import StateStore

    with StateStore(f"sqlite:///{tmp_path / 'state.db'}", replica="check") as state:
        assert [r.status for r in state.runs("tick") if r.status != "skipped"] == []
