"""Running the API scenarios: each contender against its own, identical, fresh workspace.

The runner and each peer script (the SDK one, the concurrent one) get a newly started
workspace with the same seed (same chats, same ids, full rate-limit buckets): the sweep
archives what it finds, so a second contender on the same process would find nothing left to do. The time compared
is the span of the contender's traffic as the workspace saw it (first request in, last
answer out): what the rate limits act on, the same measure for every contender, without
Python's start-up. Process wall time is recorded too.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import sampling
from bench.floor import Traffic, floor_seconds, traffic
from bench.procs import (
    REPO,
    Measured,
    WorkspaceProcess,
    base_env,
    run_measured,
    runner_exe,
)
from bench.scenarios import T0, ApiScenario, Prepared
from runner.recipients import FAN_OUT


@dataclass
class Run:
    """One contender's run of one scenario."""

    contender: str
    ok: bool
    summary: str
    wall: float
    peak_rss_mb: float
    cpu: float
    workspace_cpu: float
    traffic: Traffic
    floor: float
    floor_class: str
    prepared: Prepared = field(repr=False, default_factory=Prepared)
    profile: str | None = None

    @property
    def time(self) -> float:
        """The traffic span, seconds."""
        return self.traffic.span

    def as_json(self) -> dict[str, Any]:
        """Plain data for results.json."""
        return {
            "contender": self.contender,
            "ok": self.ok,
            "summary": self.summary,
            "time_s": round(self.time, 3),
            "wall_s": round(self.wall, 3),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "cpu_s": round(self.cpu, 2),
            "workspace_cpu_s": round(self.workspace_cpu, 2),
            "floor_s": round(self.floor, 3),
            "floor_class": self.floor_class,
            "time_over_floor": round(self.time / self.floor, 3) if self.floor else None,
            "traffic": self.traffic.as_json(),
            "profile": self.profile,
        }


def runner_command(
    s: ApiScenario, ws: WorkspaceProcess, prep: Prepared, folder: Path, profile: Path | None
) -> tuple[list[str], dict[str, str]]:
    """``pachca-runner run-job JOB --at T0`` against ``ws``, state and catalogue in ``folder``."""
    (folder / "jobs.yaml").write_text(s.catalogue.format(**prep.fill), encoding="utf-8")
    shutil.copytree(REPO / "templates", folder / "templates", dirs_exist_ok=True)
    env = base_env() | {
        "PACHCA_BASE_URL": ws.base_url,
        "PACHCA_TOKEN": ws.token(s.token),
        "PACHCA_RUNNER_CATALOGUE": str(folder / "jobs.yaml"),
        "PACHCA_RUNNER_STATE_URL": f"sqlite:///{folder / 'state.db'}",
        "PACHCA_RUNNER_RATE_LIMIT_SCALE": str(s.speed),
        "PACHCA_RUNNER_SERVER_PORT": "0",
        "PACHCA_RUNNER_REPLICA_ID": "bench",
    }
    args = ["run-job", s.job, "--at", T0.strftime("%Y-%m-%dT%H:%M:%S")]
    if profile is not None:
        return sampling.command(profile, [sys.executable, "-m", "runner", *args]), env
    return [runner_exe(), *args], env


#: contender -> the module of its script (both take ``SCRIPT ARGS_JSON``).
BASELINES = {"pachca-sdk": "bench.sdk_baseline", "concurrent": "bench.concurrent_baseline"}


def baseline_command(
    s: ApiScenario, ws: WorkspaceProcess, prep: Prepared, contender: str
) -> list[str]:
    """``python -m bench.<peer>_baseline SCRIPT ARGS`` against ``ws``.

    The concurrent script also gets the speed factor (the runner's
    ``PACHCA_RUNNER_RATE_LIMIT_SCALE``) and the runner's number of connections."""
    assert s.sdk_script is not None
    args = {"base_url": ws.base_url, "token": ws.token(s.token), **prep.sdk}
    if contender == "concurrent":
        args |= {"speed": s.speed, "connections": FAN_OUT}
    return [sys.executable, "-m", BASELINES[contender], s.sdk_script, json.dumps(args)]


def run_contender(
    s: ApiScenario, contender: str, workdir: Path, latency: float, *, profile: bool = False
) -> Run:
    """Start a fresh workspace, run one contender against it, read what it sent."""
    folder = workdir / s.name.replace(":", "-") / contender
    folder.mkdir(parents=True, exist_ok=True)
    # A state store left by an earlier run in the same folder would have the fire claimed
    # already: the runner would skip it and the run would measure nothing.
    for stale in folder.glob("state.db*"):
        stale.unlink()
    prof = folder / "profile.raw" if profile and contender == "runner" else None
    with WorkspaceProcess(s.config(latency), folder / "workspace.log") as ws:
        prep = s.prepare(ws)
        # Set-up took tokens from the same buckets: let them fill up again (< 1 s).
        time.sleep(2.0 / s.speed + 0.2)
        ws.control("POST", "reset_log")
        if contender == "runner":
            cmd, env = runner_command(s, ws, prep, folder, prof)
        else:
            cmd, env = baseline_command(s, ws, prep, contender), base_env()
        cpu_before = ws.cpu_seconds()
        measured = run_measured(cmd, env, folder, contender)
        ws_cpu = ws.cpu_seconds() - cpu_before
        log = ws.requests()
        seen = traffic(log)
    with (folder / "requests.jsonl").open("w") as out:  # for a closer look afterwards
        out.writelines(json.dumps(entry) + "\n" for entry in log)
    floor, klass = floor_seconds(prep.need, s.speed, latency / s.speed)
    run = Run(contender, measured.exit_code == 0, _summary(measured), measured.wall,
              measured.peak_rss_mb, measured.cpu, ws_cpu, seen, floor, klass, prep)
    if prof is not None and prof.exists():
        run.profile = str(sampling.summarize(prof))
    return run


def _by_class(need: Counter[tuple[str, Any]]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for (klass, _chat), n in need.items():
        totals[klass] += n
    return dict(totals)


def _summary(m: Measured) -> str:
    lines = [ln.strip() for ln in m.stdout.read_text(errors="replace").splitlines()
             if ln.strip() and not ln.startswith("py-spy>")]  # the sampler's own lines
    if m.exit_code != 0:
        return f"exit {m.exit_code}: " + m.tail(5).replace("\n", " | ")
    return lines[-1] if lines else ""


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def _per_call(run: Run) -> float:
    return run.cpu / run.traffic.requests if run.traffic.requests else 0.0


#: What the runner imports and the concurrent script does not (both import httpx).
STACK_BEYOND_SCRIPT = "sqlalchemy, pydantic_settings, jinja2, click"


def stack_import_cpu(runs: int = 5) -> float:
    """CPU seconds (median of ``runs``) a process spends importing ``STACK_BEYOND_SCRIPT``
    on top of httpx: what the runner pays at start before any of its own code runs."""
    def cpu(code: str) -> float:
        spent = []
        for _ in range(runs):
            proc = subprocess.Popen([sys.executable, "-c", code], env=base_env())
            _, _, usage = os.wait4(proc.pid, 0)
            spent.append(usage.ru_utime + usage.ru_stime)
        return statistics.median(spent)

    return round(cpu(f"import httpx, {STACK_BEYOND_SCRIPT}") - cpu("import httpx"), 3)


def against_script(s: ApiScenario, runner: Run, script: Run | None,
                   latency: float) -> dict[str, Any]:
    """The runner against the concurrent script, and the fan-out's connection-bound floor.

    Every row is ``{"target", "value", "met"}``, computed here from what was measured.
    ``value`` is None (and ``met`` False) when a number could not be measured."""
    out: dict[str, Any] = {"rows": []}

    def row(kind: str, target: str, value: float | None, limit: float) -> None:
        met = value is not None and runner.ok and runner.traffic.rate_limited == 0
        out["rows"].append({"kind": kind, "target": target, "value": value,
                            "met": bool(met and value is not None and value <= limit)})

    if script is not None:
        out["runner_over_script"] = _ratio(runner.time, script.time)
        out["cpu_per_call_over_script"] = _ratio(_per_call(runner), _per_call(script))
        out["same_effects"] = script.ok and script.traffic.effects == runner.traffic.effects
        if s.max_over_script is not None:
            row("time", f"time ≤ {s.max_over_script} × the concurrent script's, 0 × 429",
                out["runner_over_script"] if script.ok else None, s.max_over_script)
        if s.max_cpu_over_script is not None:
            row("cpu", f"CPU per API call ≤ {s.max_cpu_over_script} × the concurrent script's",
                out["cpu_per_call_over_script"] if script.ok else None, s.max_cpu_over_script)
            out["stack_import_cpu_s"] = stack_import_cpu()
    if s.max_over_bound is not None:
        posts = sum(n for (klass, _c), n in runner.prepared.need.items()
                    if klass == "message_write")
        trips = math.ceil(posts / FAN_OUT)
        out["connections"] = FAN_OUT
        out["connection_floor_s"] = round(trips * latency / s.speed, 3)
        bound = max(out["connection_floor_s"], runner.floor)
        out["bound_s"] = round(bound, 3)
        out["runner_over_bound"] = _ratio(runner.time, bound)
        # The peer against the same bound: how near any client that posts at once comes.
        out["script_over_bound"] = (_ratio(script.time, bound)
                                    if script is not None and script.ok else None)
        row("bound", f"time ≤ {s.max_over_bound} × the larger of the rate-limit floor and"
            f" ⌈n / {FAN_OUT}⌉ round trips", out["runner_over_bound"], s.max_over_bound)
    return out


def run_api(
    s: ApiScenario, workdir: Path, latency: float, *, profile: bool = False,
    baselines: tuple[str, ...] = tuple(BASELINES),
) -> dict[str, Any]:
    """One scenario: the runner, then (if it has them) the baseline scripts; ratios, verdict."""
    runner = run_contender(s, "runner", workdir, latency, profile=profile)
    peers = {name: run_contender(s, name, workdir, latency) for name in baselines
             if s.sdk_script is not None}
    sdk, script = peers.get("pachca-sdk"), peers.get("concurrent")
    ratio = runner.time / runner.floor if runner.floor else None
    speedup = sdk.time / runner.time if sdk is not None and runner.time else None
    met = runner.ok and runner.traffic.rate_limited == 0
    if s.max_ratio is not None and ratio is not None:
        met = met and ratio <= s.max_ratio
    if s.min_speedup is not None and speedup is not None:
        met = met and speedup >= s.min_speedup
    return {
        "name": s.name,
        "title": s.title,
        "target": s.target,
        "speed": s.speed,
        "latency_nominal_s": latency,
        "latency_s": round(latency / s.speed, 4),
        "work": runner.prepared.expect,
        "need": {f"{k}" + (f"[{c}]" if c is not None else ""): n
                 for (k, c), n in sorted(runner.prepared.need.items(), key=str)[:8]},
        "need_total": sum(runner.prepared.need.values()),
        "need_by_class": _by_class(runner.prepared.need),
        "floor_s": round(runner.floor, 3),
        "floor_class": runner.floor_class,
        "runner": runner.as_json(),
        "sdk": sdk.as_json() if sdk else None,
        "concurrent": script.as_json() if script else None,
        "time_over_floor": round(ratio, 3) if ratio is not None else None,
        "sdk_over_runner": round(speedup, 2) if speedup is not None else None,
        "versus_script": against_script(s, runner, script, latency),
        "met": met,
        "informational": s.informational,
    }
