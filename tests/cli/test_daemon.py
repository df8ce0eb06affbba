"""``pachca-runner run`` as a real process: it fires, reloads on SIGHUP, stops on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.waiting import GUARD_S, wait_for

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
def daemon(workspace, tmp_path: Path, jobs: Path, log: Path, *options: str,
           **env_vars: str) -> Iterator[subprocess.Popen[bytes]]:
    """``pachca-runner [options] run`` on ``jobs`` against the workspace, logging to
    ``log``; killed on the way out if a test left it running."""
    env = dict(
        os.environ,
        PACHCA_TOKEN=workspace.owner_token,
        PACHCA_BASE_URL=workspace.base_url,
        PACHCA_RUNNER_STATE_URL=f"sqlite:///{tmp_path / 'state.db'}",
        PACHCA_RUNNER_CATALOGUE=str(jobs),
        PACHCA_RUNNER_SERVER_PORT="0",
        PACHCA_RUNNER_LANG="en",
    ) | env_vars
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "runner", *options, "run"], env=env,
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
    with daemon(workspace, tmp_path, jobs, log) as proc:  # the default level: no -v
        wait_for(lambda: posts_to(workspace, chat, mark) >= 2, 30, "two scheduled posts")

        # A broken catalogue on SIGHUP is reported and the old one keeps running.
        jobs.write_text(CATALOGUE.replace("every: 1s", "every: soon"), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in log.read_text(), 15, "the refused reload")
        before = posts_to(workspace, chat, mark)
        wait_for(lambda: posts_to(workspace, chat, mark) >= before + 2, 15,
                 "posts after the refused reload")

        # A good one is taken, and the line says what changed.
        jobs.write_text(CATALOGUE.replace("CHAT", str(chat)).replace("Тик", "Так"),
                        encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "catalogue reloaded" in log.read_text(), 15, "the reload")

        assert stop(proc) == 0
    text = log.read_text()
    lines = text.splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d MSK  "  # every line: its time, in the zone
    assert all(re.match(stamp, line) for line in lines), text
    assert re.search(stamp + r"started: 1 job\(s\) scheduled, 0 disabled; next: tick at "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d MSK$", lines[0]), lines[0]
    ran = [line for line in lines if "tick: run " in line]
    assert len(ran) >= 4
    assert all(re.search(r"tick: run \d+ of \S+ \S+ MSK succeeded in \d+\.\d s \(\w+=\d",
                         line) for line in ran), ran
    refused = next(line for line in lines if "reload refused" in line)
    assert "the running catalogue stays" in refused and "every" in refused
    assert "catalogue reloaded: 1 job(s); changed: tick (text)" in text
    assert re.search(stamp + r"stopped: \d+ run\(s\) since start$", lines[-1]), lines[-1]
    # No library internals at the default level, and no step-by-step lines.
    for internal in ("apscheduler", "Adding job", "uvicorn", "httpx", "HTTP Request",
                     "firing", "next run"):
        assert internal not in text, internal
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
    with daemon(workspace, tmp_path, jobs, log, "-v") as proc:
        wait_for(lambda: "s of jitter before the run" in log.read_text(), 30,
                 "the first fire waiting out its jitter")

        # Far below the jitter: the wait is cut short by the stop, not waited out.
        assert stop(proc, timeout=60) == 0
    text = log.read_text()
    assert re.search(r"tick: the fire of \S+ \S+ MSK skipped: the runner is stopping", text)
    assert "stopped: 0 run(s) since start" in text
    assert "tick: firing" not in text and "Traceback" not in text
    assert posts_to(workspace, chat, mark) == 0
    from runner.state import StateStore

    with StateStore(f"sqlite:///{tmp_path / 'state.db'}", replica="check") as state:
        assert [r.status for r in state.runs("tick") if r.status != "skipped"] == []


RUN_LINE = re.compile(r"tick: (?:run|запуск) \d+ ")
"""A daemon's run line, in either language and either format."""


def two_ticks(workspace, tmp_path: Path, **env_vars: str) -> str:
    """The daemon's log from its start, two scheduled posts and a clean stop."""
    chat = a_chat(workspace)
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(CATALOGUE.replace("CHAT", str(chat)), encoding="utf-8")
    mark = request_mark(workspace)
    log = tmp_path / "daemon.log"
    with daemon(workspace, tmp_path, jobs, log, **env_vars) as proc:
        wait_for(lambda: posts_to(workspace, chat, mark) >= 2, GUARD_S, "two scheduled posts")
        # A run's line is written once its outcome is recorded, a moment after its post:
        # wait for both lines, or a stop right after the second post may come first.
        wait_for(lambda: len(RUN_LINE.findall(log.read_text(encoding="utf-8"))) >= 2,
                 GUARD_S, "two run lines")
        assert stop(proc) == 0
    return log.read_text(encoding="utf-8")


def test_daemon_lines_as_json_in_russian(workspace, tmp_path: Path):
    text = two_ticks(workspace, tmp_path, PACHCA_RUNNER_LOG_FORMAT="json", PACHCA_RUNNER_LANG="ru")
    records = [json.loads(line) for line in text.splitlines()]  # each line parses
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+03:00", r["time"])
               for r in records)
    start, *middle, stopping, stopped = records
    assert start["event"] == "start" and start["jobs"] == 1 and start["disabled"] == 0
    assert start["next_job"] == "tick" and start["next_fire"].endswith("+03:00")
    assert start["message"].startswith("запущен: заданий в расписании — 1")
    runs = [r for r in middle if r["event"] == "run"]
    assert len(runs) >= 2
    for run in runs:
        assert run["level"] == "info" and run["job"] == "tick" and run["outcome"] == "succeeded"
        assert run["fire"].endswith("+03:00") and isinstance(run["run_id"], int)
        assert run["counts"] and isinstance(run["duration"], float)
        assert re.fullmatch(rf"tick: запуск {run['run_id']} на \S+ \S+ MSK — успешно за "
                            r"\d+,\d с \(.+\)", run["message"]), run["message"]
    assert {r["event"] for r in middle} <= {"run", "skip"}
    assert stopping["event"] == "stopping" and stopping["message"].startswith("останавливаюсь")
    assert stopped["event"] == "stop" and stopped["runs"] >= len(runs)
    assert stopped["message"].startswith("остановлен: запусков с начала — ")


def test_daemon_lines_as_text_in_russian(workspace, tmp_path: Path):
    from tests.catalogue.test_yaml_words import latin_words

    text = two_ticks(workspace, tmp_path, PACHCA_RUNNER_LANG="ru")
    lines = text.splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d MSK  "  # the time stays as the English lines'
    assert all(re.match(stamp, line) for line in lines), text
    assert re.search(stamp + r"запущен: заданий в расписании — 1, .*tick.*"
                     r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d MSK$", lines[0]), lines[0]
    ran = [line for line in lines if "tick: запуск " in line]
    assert len(ran) >= 2, text
    assert all(re.search(r"tick: запуск \d+ на \S+ \S+ MSK — успешно за \d+,\d с \(.+\)$",
                         line) for line in ran), ran
    assert re.search(stamp + r"остановлен: запусков с начала — \d+$", lines[-1]), lines[-1]
    # Nothing in English but names: the job, the zone, the counts' keys.
    for line in lines:
        sentence = re.sub(stamp, "", line)
        sentence = re.sub(r"\([^)]*\)$", "", sentence)  # the counts, by their keys
        assert not [w for w in latin_words(sentence) if w not in ("tick", "MSK")], line
    assert "Traceback" not in text and workspace.owner_token not in text
