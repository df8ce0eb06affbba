"""The operators' console under a large catalogue and a long history (issue 17's targets).

Set-up: the 1,000-job catalogue of ``bench.local`` (700 jobs firing every 20–60 s and
really posting to a workspace), and a state store holding ``HISTORY`` runs spread over
those jobs and the last ``DAYS`` days (inserted directly, in bulk: how they got there is
not what is measured). The daemon runs in this process with the console on, as
``pachca-runner run`` serves it; a client in another process (``python -m bench.console
URL SECONDS``) loads the Jobs page and the history page in turn, one after the other,
for the whole window.

- **page time**: the server's own time for each page, from the request's arrival to its
  answer's headers, as the console reports it (``Server-Timing``); median and p90 of
  every load in the window. The client's round trip is kept beside it.
- **fire lateness while loaded**: as in ``bench.local``, from a fire's scheduled instant
  to the daemon's "firing" line, for fires after the warm-up, while the client loads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.procs import REPO, BenchError, WorkspaceProcess, base_env

JOBS = 1_000
HISTORY = 100_000
DAYS = 100
PAGES = {"jobs": "/console/jobs", "history": "/console/runs"}
WARM_UP = 5.0
"""Seconds after the daemon starts whose fires are not counted (loading 1,000 jobs)."""
MAX_PAGE_MS = 150.0
MAX_LATE_P99_MS = 100.0
_STATUSES = ["succeeded"] * 17 + ["failed", "skipped", "abandoned"]


def write_catalogue(folder: Path, chats: list[int]) -> Path:
    """``JOBS`` jobs: 700 reminders posting every 20–60 s (the daemon's load), the rest
    digests, reports and weekly notices on working days (the Jobs page's harder rows:
    their next fires skip holidays); returns the file's path."""
    lines = ["timezone: Europe/Moscow", "defaults:", "  misfire_grace: 10m", "  catchup: 0",
             "jobs:"]
    for i in range(JOBS):
        chat = chats[i % len(chats)]
        if i % 10 < 7:
            lines += [f"  reminder-{i}:", "    kind: message", f"    schedule: {{every: {20 + i % 41}s}}",
                      f"    to: {{chats: [{chat}]}}", f"    text: 'Напоминание №{i}'"]
        elif i % 10 == 7:
            lines += [f"  digest-{i}:", "    kind: digest", "    schedule: '0 9 1 1 *'",
                      "    workdays: RU", f"    to: {{chats: [{chat}]}}",
                      "    sources: {info: {type: vars, values: {team: Продажи}}}"]
        elif i % 10 == 8:
            lines += [f"  report-{i}:", "    kind: activity_report", "    schedule: '0 9 1 1 *'",
                      "    period: previous_week", f"    to: {{chats: [{chat}]}}"]
        else:
            lines += [f"  notice-{i}:", "    kind: message", "    schedule: '0 10 * * 1'",
                      "    workdays: RU", f"    to: {{chats: [{chat}]}}",
                      f"    description: 'Еженедельное объявление №{i}'", "    text: 'Планёрка'"]
    path = folder / "jobs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Fires(logging.Handler):
    """The daemon's "firing" events: (logged at, scheduled at), epoch seconds."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.fires: list[tuple[float, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", None) == "firing":
            scheduled = record.fields["fire"]  # type: ignore[attr-defined]
            self.fires.append((record.created, scheduled.timestamp()))


def seed_history(url: str, jobs: list[str], rows: int = HISTORY) -> None:
    """``rows`` finished runs of ``jobs`` over the last ``DAYS`` days, in bulk."""
    from sqlalchemy import create_engine

    from runner.state import StateStore
    from runner.state.schema import runs

    StateStore(url, replica="bench").close()  # creates the schema
    rng = random.Random(17)
    now = datetime.now(UTC)
    engine = create_engine(url)
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in range(rows):
            job = jobs[i % len(jobs)]
            started = now - timedelta(seconds=rng.uniform(60, DAYS * 86_400))
            status = rng.choice(_STATUSES)
            batch.append({
                "key": f"{job}@seed-{i}", "job": job, "kind": "message",
                "scheduled_for": started, "replica": "bench", "attempt": 1,
                "status": status, "started_at": started,
                "finished_at": started + timedelta(seconds=rng.uniform(0.1, 5)),
                "lease_until": started, "dry_run": False,
                "counts": {"posted": 1} if status == "succeeded" else {},
                "error": "Pachca answered 503" if status == "failed" else None,
                "lines": ["posted to «Отдел продаж»"]})
            if len(batch) == 5_000:
                conn.execute(runs.insert(), batch)
                batch = []
        if batch:
            conn.execute(runs.insert(), batch)
    engine.dispose()


def _stats(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {"loads": len(values), "median_ms": round(statistics.median(ordered), 1),
            "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
            "max_ms": round(ordered[-1], 1)}


async def _serve(settings: Any, path: Path, seconds: float, out: Path | None
                 ) -> tuple[float, Fires]:
    """The daemon with the console for ``seconds``; meanwhile the client process loads
    the pages and writes its times to ``out`` (None: no client, the quiet reference)."""
    from runner import app
    from runner.catalogue import validate
    from runner.logs import EVENTS
    from runner.scheduler import Daemon

    fires = Fires()
    logger = logging.getLogger(EVENTS)
    logger.setLevel(logging.INFO)
    logger.addHandler(fires)
    logger.propagate = False
    try:
        async with app.runtime(settings, validate(path), server=True) as rt:
            daemon = Daemon(rt)
            started = time.time()
            task = asyncio.create_task(daemon.run())
            assert rt.server is not None  # started above (server=True)
            if out is None:
                await asyncio.sleep(seconds)  # the measurement window: the daemon runs
            else:
                client = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bench.console", rt.server.url,
                    str(seconds), str(out), cwd=REPO, env=base_env())
                if await client.wait() != 0:
                    raise BenchError("the console client failed (its error is above)")
            daemon.stop()
            await task
    finally:
        logger.removeHandler(fires)
    return started, fires


def _lateness(started: float, fires: Fires) -> dict[str, Any]:
    late = sorted(logged - scheduled for logged, scheduled in fires.fires
                  if scheduled >= started + WARM_UP)
    if not late:
        raise BenchError("the daemon fired nothing in the measurement window")

    def pct(p: float) -> float:
        return round(late[min(len(late) - 1, int(p * len(late)))] * 1000, 1)

    return {"fires": len(late), "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "max_ms": round(late[-1] * 1000, 1)}


def run_console(workdir: Path, latency: float, window: float) -> dict[str, Any]:
    """The console's page times and the daemon's lateness while a client loads it (and,
    for reference, the same daemon's lateness with no client)."""
    from pydantic import SecretStr

    from runner.catalogue import validate
    from runner.settings import Settings

    folder = workdir / "console"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "console.db").unlink(missing_ok=True)
    config = {"conversations": 200, "channels": 0, "bot_share": 1.0, "direct_chats": 0,
              "archived_share": 0.0, "latency": latency, "messages": 500}
    with WorkspaceProcess(config, folder / "workspace.log") as ws:
        chats = [c["id"] for c in ws.api_get("/chats", ws.token("bot"), personal="false")["data"]]
        path = write_catalogue(folder, chats)
        url = f"sqlite:///{folder / 'console.db'}"
        began = time.perf_counter()
        seed_history(url, list(validate(path).jobs))
        seeded_s = time.perf_counter() - began
        settings = Settings(token=SecretStr(ws.token("bot")), base_url=ws.base_url,
                            catalogue=path, state_url=url, server_port=0, replica_id="bench",
                            console=True, bot_user_id=ws.info["bot_user_id"])
        quiet = _lateness(*asyncio.run(_serve(settings, path, window, None)))
        loads = folder / "loads.json"
        loaded = _lateness(*asyncio.run(_serve(settings, path, window, loads)))
    measured = json.loads(loads.read_text(encoding="utf-8"))
    pages = {name: {**_stats(measured[name]["server"]),
                    "round_trip_median_ms": round(statistics.median(measured[name]["client"]), 1)}
             for name in PAGES}
    met = (all(p["median_ms"] <= MAX_PAGE_MS for p in pages.values())
           and loaded["p99_ms"] <= MAX_LATE_P99_MS)
    return {"jobs": JOBS, "history_rows": HISTORY, "seeded_s": round(seeded_s, 1),
            "window_s": window, "pages": pages, "lateness": loaded,
            "lateness_without_client": quiet, "max_page_ms": MAX_PAGE_MS,
            "max_late_p99_ms": MAX_LATE_P99_MS, "met": met}


def load_in_a_loop(base: str, seconds: float) -> dict[str, dict[str, list[float]]]:
    """Load each page in turn until ``seconds`` pass: server and round-trip times, ms."""
    import httpx

    found: dict[str, dict[str, list[float]]] = {n: {"server": [], "client": []} for n in PAGES}
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=30) as http:
        while time.monotonic() < deadline:
            for name, path in PAGES.items():
                began = time.perf_counter()
                answer = http.get(path)
                took = (time.perf_counter() - began) * 1000
                if answer.status_code != 200:
                    raise BenchError(f"{path} answered {answer.status_code}")
                timing = answer.headers["server-timing"]  # app;dur=12.3
                found[name]["server"].append(float(timing.split("dur=", 1)[1]))
                found[name]["client"].append(took)
    return found


if __name__ == "__main__":
    # The client: python -m bench.console BASE_URL SECONDS OUT.json
    url, window, target = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
    target.write_text(json.dumps(load_in_a_loop(url, window)), encoding="utf-8")
