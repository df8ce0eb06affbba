"""``python -m bench``: run the benchmarks and write ``bench/results.md`` / ``.json``.

A full run (no ``--only``, no ``--quick``) takes about ten minutes and rewrites the
results in ``bench/``; a partial or quick run writes its results into the work folder, so the
committed numbers always come from one complete run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.api import BASELINES, run_api, run_contender
from bench.console import run_console
from bench.history import run_history
from bench.local import run_local
from bench.procs import REPO, BenchError
from bench.scenarios import (
    API_SCENARIOS,
    MEMORY_SIZES,
    NOMINAL_LATENCY,
    QUICK_DIVISOR,
    memory_scenario,
    quick,
)

NAMES = [s.name for s in API_SCENARIOS] + ["memory", "catalogue", "history", "console"]
MEMORY_RATIO = 1.1
"""Issue 19: peak RSS of the sweep at 100,000 chats at most 1.1 × at 1,000."""


def _load() -> float:
    return os.getloadavg()[0]


def run_memory(workdir: Path, latency: float) -> dict[str, Any]:
    """The same sweep over 1,000 and 100,000 chats: peak RSS of each run."""
    runs: list[dict[str, Any]] = []
    for chats in MEMORY_SIZES:
        s = memory_scenario(chats)
        run = run_contender(s, "runner", workdir, latency)
        if not run.ok:
            raise BenchError(f"{s.name}: {run.summary}")
        runs.append({"chats": chats, "peak_rss_mb": round(run.peak_rss_mb, 1),
                     "time_s": round(run.time, 2), "requests": run.traffic.requests,
                     "summary": run.summary})
    ratio = runs[-1]["peak_rss_mb"] / runs[0]["peak_rss_mb"]
    return {"runs": runs, "ratio": round(ratio, 3), "max_ratio": MEMORY_RATIO,
            "met": ratio <= MEMORY_RATIO}


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the chosen scenarios, write the results."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(NAMES)}")
    parser.add_argument("--profile", action="store_true",
                        help="sample the runner with py-spy (CPU, every thread); the top"
                        " functions land beside each run's files")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip both baseline scripts (same as --baselines '')")
    parser.add_argument("--baselines", default=",".join(BASELINES),
                        help="comma-separated peers to run beside the runner (default"
                        " %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help=f"API scenarios on workspaces ÷ {QUICK_DIVISOR}: checks that the"
                        " harness and the peers work; results go to the work folder")
    parser.add_argument("--latency", type=float, default=NOMINAL_LATENCY,
                        help="per-request latency at real pace, seconds (default %(default)s)")
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds the daemon runs for the lateness measurement")
    parser.add_argument("--workdir", type=Path, default=None, help="where runs keep their files")
    args = parser.parse_args(argv)
    only = [n for n in args.only.split(",") if n]
    unknown = set(only) - set(NAMES)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    chosen = only or NAMES
    peers = () if args.no_baseline else tuple(p for p in args.baselines.split(",") if p)
    if set(peers) - set(BASELINES):
        parser.error(f"unknown baseline(s); choose from: {', '.join(BASELINES)}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pachca-bench-"))
    raw = sys.argv[1:] if argv is None else argv
    results: dict[str, Any] = {"command": " ".join(["python -m bench", *raw]),
                               "machine": report.machine(),
                               "load_before": _load(), "api": []}
    started = time.monotonic()
    for s in API_SCENARIOS:
        if s.name not in chosen:
            continue
        print(f"[{time.monotonic() - started:5.0f} s] {s.name} ...", flush=True)
        load_before = _load()
        r = run_api(quick(s) if args.quick else s, workdir, args.latency,
                    profile=args.profile, baselines=peers)
        r["load_before"], r["load_after"] = load_before, _load()
        results["api"].append(r)
        vs = r["versus_script"]
        print(f"        {r['time_over_floor']} × floor, sdk/runner {r['sdk_over_runner']},"
              f" runner/script {vs.get('runner_over_script')}, CPU per call runner/script"
              f" {vs.get('cpu_per_call_over_script')}, same effects"
              f" {vs.get('same_effects')}, met: {r['met']}", flush=True)
    if "memory" in chosen:
        print(f"[{time.monotonic() - started:5.0f} s] memory ...", flush=True)
        results["memory"] = run_memory(workdir, args.latency)
        print(f"        RSS ratio {results['memory']['ratio']}", flush=True)
    if "catalogue" in chosen:
        print(f"[{time.monotonic() - started:5.0f} s] catalogue of 10,000 jobs, daemon, cold"
              " start ...",
              flush=True)
        results["local"] = run_local(workdir, args.latency, args.window)
    if "history" in chosen:
        print(f"[{time.monotonic() - started:5.0f} s] history of 1,000,000 runs, pruning ...",
              flush=True)
        results["history"] = run_history(workdir)
    if "console" in chosen:
        print(f"[{time.monotonic() - started:5.0f} s] console: 1,000 jobs, 100,000 runs ...",
              flush=True)
        results["console"] = run_console(workdir, args.latency, args.window)
        c = results["console"]
        print(f"        jobs page {c['pages']['jobs']['median_ms']} ms, history page"
              f" {c['pages']['history']['median_ms']} ms (medians), lateness p99"
              f" {c['lateness']['p99_ms']} ms, met: {c['met']}", flush=True)
    results["finished"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results["duration_s"] = round(time.monotonic() - started)
    out = REPO / "bench" if not only and not args.quick else workdir
    md, js = report.write(results, out)
    print(report.summary_table(results))
    print(f"\nwrote {md} and {js} ({results['duration_s']} s; run files in {workdir})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(1)
