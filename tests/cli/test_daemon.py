"""``pachca-runner run`` as a real process: it fires, reloads on SIGHUP, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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


def test_daemon_fires_reloads_and_stops_cleanly(workspace, tmp_path: Path):
    chat = httpx.get(
        f"{workspace.base_url}/chats", params={"personal": "false", "limit": 1},
        headers={"Authorization": f"Bearer {workspace.owner_token}"},
    ).json()["data"][0]["id"]
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(CATALOGUE.replace("CHAT", str(chat)), encoding="utf-8")
    env = dict(
        os.environ,
        PACHCA_TOKEN=workspace.owner_token,
        PACHCA_BASE_URL=workspace.base_url,
        PACHCA_RUNNER_STATE_URL=f"sqlite:///{tmp_path / 'state.db'}",
        PACHCA_RUNNER_CATALOGUE=str(jobs),
        PACHCA_RUNNER_SERVER_PORT="0",
    )
    mark = int(httpx.get(f"{workspace.root_url}/_workspace/requests",
                         params={"since": 1 << 30}).json()["total"])
    log = tmp_path / "daemon.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "runner", "-v", "run"], env=env,
                                stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        wait_for(lambda: posts_to(workspace, chat, mark) >= 2, 30, "two scheduled posts")

        # A broken catalogue on SIGHUP is reported and the old one keeps running.
        jobs.write_text(CATALOGUE.replace("every: 1s", "every: soon"), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in log.read_text(), 15, "the refused reload")
        before = posts_to(workspace, chat, mark)
        wait_for(lambda: posts_to(workspace, chat, mark) >= before + 2, 15,
                 "posts after the refused reload")

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
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
    assert all(r.status == "succeeded" for r in runs)
    assert posts_to(workspace, chat, mark) == len(runs)
