"""Timings that need no rate limits: a catalogue of 10,000 jobs, the daemon over it, the
cold start.

- ``validate``: ``pachca-runner validate FILE`` on a catalogue of 10,000 jobs of five kinds
  (every template rendered with sample data), as an operator runs it: wall time of the
  command, Python's start-up included.
- The daemon: ``pachca-runner -v run`` over that catalogue, a process of its own (as an
  operator starts it: bot service, the runner's server, maintenance), logging JSON. 700
  of the jobs post a message on ``every: 20s`` ... ``60s``, so ~25 fires a second arrive
  in bursts, each really posting to a workspace; one posts every second, so the first
  fire comes at most a second after the daemon is ready; the other 9,300 are on
  schedules that do not come round during the measurement (their triggers are loaded
  and computed all the same). Measured: from the process's start to its first fire;
  lateness, the time from a fire's scheduled instant to the daemon's "firing" line (the
  run's start), leaving out fires of the first seconds after its start line; peak RSS
  of the daemon process (``os.wait4``).
- Cold start: ``pachca-runner --help``, median of several runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.procs import REPO, BenchError, WorkspaceProcess, base_env, runner_exe

JOBS = 10_000
FIRING = 700  # jobs that fire during the measurement, as with the 1,000-job catalogue
WARM_UP = 5.0  # seconds after the daemon's start line whose fires are not counted
FIRING_EVERY = range(20, 61)  # seconds; anchored intervals, so equal ones fire together
TARGETS = {"validate_s": 3.0, "first_fire_s": 5.0, "peak_rss_mb": 250.0, "p99_ms": 100.0}


def _quiet_job(i: int, chat: int) -> list[str]:
    """A job whose schedule does not come round during the measurement."""
    kind = i % 5
    if kind == 0:
        # Monthly on working days: a yearly 1 January fire on working days never comes
        # (it is a holiday), and looking 800 years ahead for it is not what is measured.
        return [f"  digest-{i}:", "    kind: digest", "    schedule: '0 9 1 * *'",
                "    workdays: RU", f"    to: {{chats: [{chat}]}}",
                ("    sources: {activity: {type: pachca_activity, top: 5},"
                 " info: {type: vars, values: {team: Продажи}}}")]
    if kind == 1:
        return [f"  report-{i}:", "    kind: activity_report", "    schedule: '0 9 1 1 *'",
                "    period: previous_week", f"    to: {{chats: [{chat}]}}",
                "    exclude: {names: ['флуд|оффтоп']}"]
    if kind == 2 and i % 50 == 2:
        return [f"  sweep-{i}:", "    kind: sweep", "    schedule: '0 10 1 1 *'",
                "    inactive_days: 180", "    exclude: {names: ['^Отдел']}",
                f"    report_chat_id: {chat}"]
    if kind == 2:
        return [f"  sync-{i}:", "    kind: chat_from_template", "    schedule: '0 10 1 1 *'",
                "    name: 'Планёрка {{ week }} №" + str(i) + "'",
                "    member_ids: [10004, 10005]", "    welcome_template: chat_welcome.md.j2"]
    return [f"  monthly-{i}:", "    kind: message", f"    schedule: '{i % 60} {9 + i % 9} 1 * *'",
            f"    to: {{chats: [{chat}]}}",
            "    text: 'Отчёт за месяц №" + str(i) + ": {{ now|ru_date(\"MMMM\") }}'"]


def write_catalogue(folder: Path, chats: list[int], jobs: int = JOBS) -> Path:
    """A catalogue of ``jobs`` jobs beside a copy of the templates; returns its path."""
    shutil.copytree(REPO / "templates", folder / "templates", dirs_exist_ok=True)
    # catchup 0: the measurement is of scheduled fires, not of a restart's catch-up burst.
    lines = ["timezone: Europe/Moscow", "defaults:", "  misfire_grace: 10m", "  catchup: 0",
             "jobs:", "  tick:", "    kind: message", "    schedule: {every: 1s}",
             f"    to: {{chats: [{chats[0]}]}}", "    text: 'Тик {{ now|ru_date(\"d MMMM\") }}'"]
    for i in range(1, jobs):
        chat = chats[1 + i % (len(chats) - 1)]
        if i <= FIRING:
            every = FIRING_EVERY[i % len(FIRING_EVERY)]
            lines += [f"  reminder-{i}:", "    kind: message",
                      f"    schedule: {{every: {every}s}}", f"    to: {{chats: [{chat}]}}",
                      "    text: 'Напоминание №" + str(i) + " на {{ now|ru_date(\"d MMMM\") }}'"]
        else:
            lines += _quiet_job(i, chat)
    path = folder / "jobs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def time_validate(path: Path, runs: int = 5) -> dict[str, Any]:
    """``pachca-runner validate PATH``: wall times of ``runs`` runs (it must pass).

    Five, not three: on a shared machine one slow minute moves the median of three (and
    one run of 10,000 jobs is seconds, so seven would load the machine for minutes)."""
    exe = runner_exe()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([exe, "validate", str(path)], env=base_env(), cwd=path.parent,
                              capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise BenchError(f"validate failed: {(done.stdout + done.stderr)[-500:]}")
    from runner.catalogue import validate  # in this process: the library alone, warm

    started = time.perf_counter()
    validate(path)
    in_process = time.perf_counter() - started
    return {"jobs": JOBS, "median_s": round(statistics.median(times), 3),
            "min_s": round(min(times), 3), "runs_s": [round(t, 3) for t in times],
            "in_process_s": round(in_process, 3)}


def _fires(log: Path) -> tuple[float | None, list[tuple[float, float]]]:
    """From the daemon's JSON log: when its start line came, and (logged, scheduled) of
    every "firing" line, as epoch seconds."""
    ready, fires = None, []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("event") == "start" and ready is None:
            ready = datetime.fromisoformat(entry["time"]).timestamp()
        elif entry.get("event") == "firing":
            fires.append((datetime.fromisoformat(entry["time"]).timestamp(),
                          datetime.fromisoformat(entry["fire"]).timestamp()))
    return ready, fires


def time_daemon(path: Path, ws: WorkspaceProcess, folder: Path, seconds: float) -> dict[str, Any]:
    """``pachca-runner -v run`` over the catalogue for ``seconds``, then SIGTERM: its first
    fire, the lateness of its fires, its peak RSS and CPU."""
    env = base_env() | {
        "PACHCA_TOKEN": ws.token("bot"), "PACHCA_BASE_URL": ws.base_url,
        "PACHCA_RUNNER_CATALOGUE": str(path), "PACHCA_RUNNER_SERVER_PORT": "0",
        "PACHCA_RUNNER_STATE_URL": f"sqlite:///{folder / 'daemon.db'}",
        "PACHCA_RUNNER_REPLICA_ID": "bench", "PACHCA_RUNNER_LOG_FORMAT": "json",
        "PACHCA_RUNNER_BOT_USER_ID": str(ws.info["bot_user_id"])}
    log = folder / "daemon.log"
    (folder / "daemon.db").unlink(missing_ok=True)
    with log.open("wb") as out:
        started = time.time()
        proc = subprocess.Popen([runner_exe(), "-v", "run"], env=env, cwd=folder,
                                stdout=out, stderr=subprocess.STDOUT)
        time.sleep(seconds)  # the measurement window: the daemon runs meanwhile
        proc.send_signal(signal.SIGTERM)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    ready, fires = _fires(log)
    if ready is None or not fires:
        raise BenchError(f"the daemon did not start or fired nothing; see {log}")
    late = sorted(logged - scheduled for logged, scheduled in fires
                  if scheduled >= ready + WARM_UP)
    if not late:
        raise BenchError("no fire in the measurement window after the warm-up")
    posted = ws.control("GET", "stats")["by_status"].get("201", 0)

    def pct(p: float) -> float:
        return round(late[min(len(late) - 1, int(p * len(late)))] * 1000, 1)

    return {"jobs": JOBS, "window_s": seconds, "exit_code": proc.returncode,
            "ready_s": round(ready - started, 2),
            "first_fire_s": round(min(logged for logged, _ in fires) - started, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "fires": len(late), "posted": posted, "p50_ms": pct(0.50), "p90_ms": pct(0.90),
            "p99_ms": pct(0.99), "max_ms": round(late[-1] * 1000, 1)}


def time_cold_start(runs: int = 11) -> dict[str, Any]:
    """``pachca-runner --help``: median wall time, and the slowest imports of the CLI."""
    exe = runner_exe()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([exe, "--help"], env=base_env(), stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    bare = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=base_env(), check=True)
        bare.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
            "python_alone_s": round(statistics.median(bare), 3), "runs": runs,
            "slowest_imports": slowest_imports()}


def slowest_imports(top: int = 6) -> list[str]:
    """The modules ``runner.cli`` pulls in that take longest (``-X importtime``, cumulative)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import runner.cli"],
                          env=base_env(), capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(2)) <= 2:  # top-level imports only
            rows.append((int(match.group(1)), match.group(3)))
    rows.sort(reverse=True)
    return [f"{name} {us / 1000:.0f} ms" for us, name in rows[:top]]


def run_local(workdir: Path, latency: float, window: float) -> dict[str, Any]:
    """The catalogue, scheduler and cold-start measurements."""
    folder = workdir / "catalogue"
    folder.mkdir(parents=True, exist_ok=True)
    config = {"conversations": 200, "channels": 0, "bot_share": 1.0, "direct_chats": 0,
              "archived_share": 0.0, "latency": latency, "messages": 500}
    with WorkspaceProcess(config, folder / "workspace.log") as ws:
        chats = [c["id"] for c in ws.api_get("/chats", ws.token("bot"), personal="false")["data"]]
        path = write_catalogue(folder, chats)
        validated = time_validate(path)
        ws.control("POST", "reset_log")
        daemon = time_daemon(path, ws, folder, window)
    checks = {"validate_s": validated["median_s"], "first_fire_s": daemon["first_fire_s"],
              "peak_rss_mb": daemon["peak_rss_mb"], "p99_ms": daemon["p99_ms"]}
    return {"validate": validated, "daemon": daemon, "cold_start": time_cold_start(),
            "targets": TARGETS,
            "met": {name: value <= TARGETS[name] for name, value in checks.items()}}
