"""Timings that need no rate limits: a 1,000-job catalogue, the scheduler, the cold start.

- ``validate``: ``pachca-runner validate FILE`` on a catalogue of 1,000 jobs of five kinds
  (every template rendered with sample data), as an operator runs it: wall time of the
  command, Python's start-up included.
- Fire lateness: the daemon (``runner.scheduler.Daemon``, in this process) with those
  1,000 jobs loaded; 700 of them post a message on ``every: 20s`` ... ``60s``, so ~25
  fires a second arrive in bursts, and each really posts to a workspace. Lateness is the
  time from a fire's scheduled instant to the daemon's "firing (scheduled ...)" log line,
  i.e. to the moment the run starts; fires of the first seconds (loading) are left out.
- Cold start: ``pachca-runner --help``, median of several runs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.procs import REPO, BenchError, WorkspaceProcess, base_env, runner_exe

JOBS = 1000
WARM_UP = 5.0  # seconds after the daemon starts whose fires are not counted (loading 1,000 jobs)
FIRING_EVERY = range(20, 61)  # seconds; anchored intervals, so equal ones fire together


def write_catalogue(folder: Path, chats: list[int]) -> Path:
    """A catalogue of ``JOBS`` jobs beside a copy of the templates; returns its path."""
    shutil.copytree(REPO / "templates", folder / "templates", dirs_exist_ok=True)
    # catchup 0: the measurement is of scheduled fires, not of a restart's catch-up burst.
    lines = ["timezone: Europe/Moscow", "defaults:", "  misfire_grace: 10m", "  catchup: 0",
             "jobs:"]
    for i in range(JOBS):
        chat = chats[i % len(chats)]
        kind = i % 10
        if kind < 7:  # fires during the measurement
            every = FIRING_EVERY[i % len(FIRING_EVERY)]
            lines += [f"  reminder-{i}:", "    kind: message",
                      f"    schedule: {{every: {every}s}}", f"    to: {{chats: [{chat}]}}",
                      "    text: 'Напоминание №" + str(i) + " на {{ now|ru_date(\"d MMMM\") }}'"]
        elif kind == 7:
            lines += [f"  digest-{i}:", "    kind: digest", "    schedule: '0 9 1 1 *'",
                      "    workdays: RU", f"    to: {{chats: [{chat}]}}",
                      ("    sources: {activity: {type: pachca_activity, top: 5},"
                      " info: {type: vars, values: {team: Продажи}}}")]
        elif kind == 8:
            lines += [f"  report-{i}:", "    kind: activity_report", "    schedule: '0 9 1 1 *'",
                      "    period: previous_week", f"    to: {{chats: [{chat}]}}",
                      "    exclude: {names: ['флуд|оффтоп']}"]
        elif i % 20 == 9:
            lines += [f"  sweep-{i}:", "    kind: sweep", "    schedule: '0 10 1 1 *'",
                      "    inactive_days: 180", "    exclude: {names: ['^Отдел']}",
                      f"    report_chat_id: {chat}"]
        else:
            lines += [f"  sync-{i}:", "    kind: chat_from_template", "    schedule: '0 10 1 1 *'",
                      "    name: 'Планёрка {{ week }} №" + str(i) + "'",
                      "    member_ids: [10004, 10005]", "    welcome_template: chat_welcome.md.j2"]
    path = folder / "jobs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def time_validate(path: Path, runs: int = 7) -> dict[str, Any]:
    """``pachca-runner validate PATH``: wall times of ``runs`` runs (it must pass).

    Seven, not three: on a shared machine one slow minute moves the median of three."""
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


class _Fires(logging.Handler):
    """Collects the daemon's "firing (scheduled ...)" lines: (logged at, scheduled at)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.fires: list[tuple[float, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "%s: firing (scheduled %s)" and isinstance(record.args, tuple):
            scheduled = datetime.fromisoformat(str(record.args[1])).timestamp()
            self.fires.append((record.created, scheduled))


async def _run_daemon(settings: Any, path: Path, seconds: float) -> tuple[float, _Fires]:
    from runner import app
    from runner.catalogue import validate
    from runner.scheduler import Daemon

    fires = _Fires()
    logger = logging.getLogger("runner.scheduler")
    logger.setLevel(logging.INFO)
    logger.addHandler(fires)
    logger.propagate = False
    try:
        async with app.runtime(settings, validate(path)) as rt:
            daemon = Daemon(rt)
            started = time.time()
            task = asyncio.create_task(daemon.run())
            await asyncio.sleep(seconds)  # the measurement window: the daemon runs meanwhile
            daemon.stop()
            await task
    finally:
        logger.removeHandler(fires)
    return started, fires


def time_lateness(path: Path, ws: WorkspaceProcess, folder: Path, seconds: float) -> dict[str, Any]:
    """Run the daemon over the catalogue for ``seconds``; lateness percentiles of its fires."""
    from runner.settings import Settings

    settings = Settings(token=ws.token("bot"), base_url=ws.base_url, catalogue=path,
                        state_url=f"sqlite:///{folder / 'daemon.db'}", server_port=0,
                        replica_id="bench", bot_user_id=ws.info["bot_user_id"])
    started, fires = asyncio.run(_run_daemon(settings, path, seconds))
    late = sorted(logged - scheduled for logged, scheduled in fires.fires
                  if scheduled >= started + WARM_UP)
    if not late:
        raise BenchError("the daemon fired nothing in the measurement window")
    posted = ws.control("GET", "stats")["by_status"].get("201", 0)

    def pct(p: float) -> float:
        return round(late[min(len(late) - 1, int(p * len(late)))] * 1000, 1)

    return {"jobs": JOBS, "window_s": seconds, "fires": len(late), "posted": posted,
            "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
            "max_ms": round(late[-1] * 1000, 1)}


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
        lateness = time_lateness(path, ws, folder, window)
    return {"validate": validated, "lateness": lateness, "cold_start": time_cold_start()}
