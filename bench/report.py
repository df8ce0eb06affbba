"""``results.md`` and ``results.json`` from one run's measurements.

The summary table is what the README shows. Below it, per scenario, the numbers behind
it and the plain facts that explain a miss: requests the work did not need (by
endpoint), CPU saturation of either process, 429s, and how busy the machine was.
"""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path
from typing import Any

from runner.recipients import FAN_OUT

YES, NO = "yes", "**no**"


def machine() -> dict[str, Any]:
    """What the run ran on."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = round(kb / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": memory,
            "python": platform.python_version(), "system": platform.platform(terse=True)}


def machine_line(m: dict[str, Any]) -> str:
    """One line for the README."""
    return (f"{m['cores']} × {m['cpu']}, {m['memory_gb']} GB, Python {m['python']},"
            f" {m['system']}")


def _s(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(scenario, target, result, met) for every scenario that ran."""
    rows = []
    for r in results.get("api", []):
        run = r["runner"]
        text = (f"{r['time_over_floor']:.2f} × floor ({_s(run['time_s'])} vs"
                f" {_s(r['floor_s'])}), {run['traffic']['rate_limited']} × 429")
        if not run["ok"]:
            text = f"failed: {run['summary']}"
        elif r["sdk"] is not None:
            text += f"; SDK script {r['sdk_over_runner']:.1f} × slower ({_s(r['sdk']['time_s'])})"
        verdict = "–" if r.get("informational") else YES if r["met"] else NO
        rows.append((r["title"], r["target"], text, verdict))
        rows += _versus_rows(r)
    mem = results.get("memory")
    if mem:
        small, big = mem["runs"]
        rows.append((
            f"memory: sweep of {big['chats']:,} chats vs {small['chats']:,}",
            f"peak RSS ratio ≤ {mem['max_ratio']}",
            (f"{big['peak_rss_mb']:.0f} MB vs {small['peak_rss_mb']:.0f} MB:"
            f" {mem['ratio']:.2f}"), YES if mem["met"] else NO))
    rows += _local_rows(results.get("local"))
    rows += _history_rows(results.get("history"))
    console = results.get("console")
    if console:
        pages, late = console["pages"], console["lateness"]
        rows.append((
            (f"console: {console['jobs']:,} jobs, {console['history_rows']:,} runs, a client"
             " loading it in a loop"),
            (f"Jobs and history pages ≤ {console['max_page_ms']:.0f} ms median (server time);"
             f" fire lateness p99 ≤ {console['max_late_p99_ms']:.0f} ms"),
            (f"Jobs {pages['jobs']['median_ms']:.0f} ms, history"
             f" {pages['history']['median_ms']:.0f} ms; lateness p99 {late['p99_ms']:.0f} ms"
             f" ({console['lateness_without_client']['p99_ms']:.0f} ms with no client)"),
            YES if console["met"] else NO))
    return rows


def _met(ok: bool) -> str:
    return YES if ok else NO


def _local_rows(local: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    """The 10,000-job catalogue (``bench.local``) and the cold start."""
    if not local:
        return []
    v, d, t, met = local["validate"], local["daemon"], local["targets"], local["met"]
    name = f"catalogue of {v['jobs']:,} jobs"
    rows = [
        (f"{name}: `validate`", f"≤ {t['validate_s']:g} s",
         f"{_s(v['median_s'])} median of {len(v['runs_s'])}", _met(met["validate_s"])),
        (f"{name}: daemon start to first fire", f"≤ {t['first_fire_s']:g} s",
         f"{_s(d['first_fire_s'])} (start line at {_s(d['ready_s'])})",
         _met(met["first_fire_s"])),
        (f"{name}: daemon peak RSS", f"≤ {t['peak_rss_mb']:g} MB",
         f"{d['peak_rss_mb']:.0f} MB", _met(met["peak_rss_mb"])),
        (f"{name}: fire lateness", f"p99 ≤ {t['p99_ms']:g} ms",
         f"p99 {d['p99_ms']:.0f} ms (p50 {d['p50_ms']:.0f} ms, {d['fires']:,} fires)",
         _met(met["p99_ms"])),
    ]
    cold = local["cold_start"]
    rows.append(("cold start", "`pachca-runner --help` ≤ 0.3 s",
                 f"{_s(cold['median_s'])} median (Python alone {_s(cold['python_alone_s'])})",
                 _met(cold["median_s"] <= 0.3)))
    return rows


def _history_rows(h: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    """The store of 1,000,000 runs (``bench.history``)."""
    if not h:
        return []
    cmd, bare, q, p = (h["history"]["command_s"], h["history"]["empty_store_command_s"],
                       h["history"]["query_ms"], h["pruning"])
    name = f"state store of {h['runs']:,} runs"
    return [
        (f"{name}: `history`", "≤ 0.3 s",
         (f"{_s(max(cmd.values()))} slowest of all / one job / `--failed`"
          f" ({', '.join(_s(x) for x in cmd.values())}); on an empty store"
          f" {_s(max(bare.values()))}; the store's queries"
          f" {', '.join(f'{x:.0f} ms' for x in q.values())}{_floor(h['history'])}"),
         _met(h["history"]["median_s"] <= 0.3)),
        (f"{name}: pruning 10 % of it", "write lock held ≤ 100 ms a step",
         (f"longest {p['held_max_ms']:.0f} ms (p99 {p['held_p99_ms']:.0f}, p50"
          f" {p['held_p50_ms']:.0f}) over {p['steps']:,} steps, {p['runs_deleted']:,} runs"
          f" in {p['total_s']:.0f} s; a writer beside it waited at most"
          f" {p['writer_max_ms']:.0f} ms"), _met(p["held_max_ms"] <= 100)),
    ]


def _floor(history: dict[str, Any]) -> str:
    """The start-up no ``history`` on this stack can go below (``bench.history.time_floor``)."""
    floor = history.get("floor")
    if not floor:
        return ""
    return (f"; Python alone {_s(floor['python_alone_s'])}, Python importing SQLAlchemy,"
            f" pydantic-settings and click alone {_s(floor['stack_imports_s'])}")


def _versus_rows(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Issue 19's targets against the concurrent script, each computed in ``bench.api``."""
    vs = r.get("versus_script") or {}
    run, script = r["runner"], r.get("concurrent")
    rows = []
    for row in vs.get("rows", []):
        if row["kind"] == "bound":
            text = (f"{_s(run['time_s'])} vs rate-limit floor {_s(r['floor_s'])} and"
                    f" {vs['connections']} connections {_s(vs['connection_floor_s'])}:"
                    f" {_x(row['value'])} the larger")
            if vs.get("script_over_bound") is not None:  # older results lack it
                text += f" (the concurrent script {_x(vs['script_over_bound'])})"
        elif script is None or not script["ok"]:
            text = "script failed: " + (script or {}).get("summary", "not run")
        elif row["kind"] == "time":
            text = (f"runner {_s(run['time_s'])}, concurrent script {_s(script['time_s'])}:"
                    f" {_x(row['value'])}")
        else:
            text = (f"runner {run['cpu_s']:.1f} s for {run['traffic']['requests']:,} calls,"
                    f" script {script['cpu_s']:.1f} s for {script['traffic']['requests']:,}:"
                    f" {_x(row['value'])}")
            if vs.get("stack_import_cpu_s") is not None:
                text += (f"; of the runner's, {vs['stack_import_cpu_s']:.2f} s is importing"
                         " SQLAlchemy, pydantic-settings, Jinja2 and click, which the script"
                         " does not use")
        if script is not None and script["ok"] and not vs.get("same_effects"):
            text += "; **the script's effects differ from the runner's**"
        rows.append((f"{r['title']}: vs the concurrent script", row["target"], text,
                     YES if row["met"] else NO))
    return rows


def _x(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f} ×"


def summary_table(results: dict[str, Any]) -> str:
    """The markdown table of the summary."""
    lines = ["| scenario | target | result | met |", "| --- | --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in summary_rows(results)]
    return "\n".join(lines)


def _why(r: dict[str, Any], cores: int) -> list[str]:
    facts = []
    run = r["runner"]
    sent, need = run["traffic"]["requests"], r["need_total"]
    if sent > need * 1.01 + 2:  # not the one GET /profile every run starts with
        top = ", ".join(f"`{k}` {v:,}" for k, v in list(run["traffic"]["by_endpoint"].items())[:4])
        facts.append(f"the runner sent {sent:,} requests where the work needs {need:,} ({top})")
    if run["time_s"] and run["cpu_s"] > 0.6 * run["wall_s"]:
        facts.append(f"the runner was mostly busy computing: {run['cpu_s']:.1f} s of CPU in"
                     f" {run['wall_s']:.1f} s (CPU does not scale with the speed factor:"
                     f" at real pace it is {r['speed']:g} × less of the time)")
    if run["time_s"] and run["workspace_cpu_s"] > 0.8 * run["time_s"]:
        facts.append(f"the workspace was CPU-bound serving it ({run['workspace_cpu_s']:.1f} s"
                     " of CPU)")
    if r["floor_class"] == "latency":
        trips = math.ceil(need / FAN_OUT)
        facts.append("the limits allow all of this work at once (message writes are limited"
                     " per chat, one post per chat), so the floor is one round trip: no client"
                     " with a bounded number of connections gets near it (with the runner's"
                     f" {FAN_OUT} at a time, {trips} round trips of {r['latency_s'] * 1000:.0f}"
                     f" ms are {_s(trips * r['latency_s'])} before any CPU is spent)")
    if run["traffic"]["rate_limited"]:
        facts.append(f"{run['traffic']['rate_limited']} requests were refused with 429")
    load = max(r.get("load_before", 0.0), r.get("load_after", 0.0))
    if load > cores:
        facts.append(f"the machine was busy: load average {load:.1f} on {cores} cores")
    return facts


def _need_text(r: dict[str, Any]) -> str:
    """The necessary requests in words: per class, message writes per chat summed up."""
    by_class = r.get("need_by_class")
    if by_class is None:  # older results: the first few (class[chat]) entries only
        by_class, chats = {}, 0
        for key, n in r["need"].items():
            klass = key.split("[", 1)[0]
            chats += key != klass
            by_class[klass] = by_class.get(klass, 0) + n
        if chats >= len(r["need"]) >= 8:  # cut off: all of it was one post per chat
            by_class = {"message_write": r["need_total"]}
    parts = [f"{k} {v:,}" for k, v in sorted(by_class.items())]
    return ", ".join(parts) + f" ({r['need_total']:,} in all)"


def _contender_table(r: dict[str, Any]) -> list[str]:
    lines = ["| | time | time / floor | requests | 429 | wall | peak RSS | CPU | workspace CPU |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for run in (r["runner"], r.get("concurrent"), r["sdk"]):
        if run is None:
            continue
        t = run["traffic"]
        classes = ", ".join(f"{k} {v:,}" for k, v in sorted(t["by_class"].items()))
        lines.append(
            f"| {run['contender']} | {_s(run['time_s'])} | {run['time_over_floor']:.2f} |"
            f" {t['requests']:,} ({classes}) | {t['rate_limited']} | {_s(run['wall_s'])} |"
            f" {run['peak_rss_mb']:.0f} MB | {run['cpu_s']:.1f} s |"
            f" {run['workspace_cpu_s']:.1f} s |")
    return lines


def markdown(results: dict[str, Any]) -> str:
    """The whole of results.md."""
    m = results["machine"]
    out = [
        "# Benchmark results",
        "",
        (f"Run {results['finished']} with `{results['command']}` on {machine_line(m)}."
        f" Load average before the run: {results['load_before']:.1f}."
        " How to read this: `bench/README.md`."),
        "",
        summary_table(results),
        "",
    ]
    for r in results.get("api", []):
        out += [f"## {r['title']}", "",
                (f"Work: {r['work']}. Speed factor {r['speed']:g} (rates × {r['speed']:g});"
                f" latency {r['latency_nominal_s'] * 1000:.0f} ms at real pace ="
                f" {r['latency_s'] * 1000:.1f} ms here. Floor {_s(r['floor_s'])}"
                f" ({r['floor_class']}); necessary requests: {_need_text(r)}."),
                "", *_contender_table(r), ""]
        ends = ", ".join(f"`{k}` {v:,}" for k, v in r["runner"]["traffic"]["by_endpoint"].items())
        out += [f"Runner requests by endpoint: {ends}. Runner: {r['runner']['summary']}", ""]
        facts = _why(r, m["cores"] or 1)
        if facts and not r["met"] and not r.get("informational"):
            out += ["Why the target is missed: " + "; ".join(facts) + ".", ""]
        elif facts:
            out += ["Notes: " + "; ".join(facts) + ".", ""]
    mem = results.get("memory")
    if mem:
        out += ["## Memory", "", "| chats | peak RSS | time | requests | runner |",
                "| --- | --- | --- | --- | --- |"]
        for run in mem["runs"]:
            out.append(f"| {run['chats']:,} | {run['peak_rss_mb']:.1f} MB | {_s(run['time_s'])}"
                       f" | {run['requests']:,} | {run['summary']} |")
        out.append("")
    for key, title in (("local", "Catalogue of 10,000 jobs, the daemon, start-up"),
                       ("history", "State store of 1,000,000 runs"), ("console", "Console")):
        if results.get(key):
            out += [f"## {title}", "", "```json",
                    json.dumps(results[key], indent=1, ensure_ascii=False), "```", ""]
    return "\n".join(out)


def write(results: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """Write results.md and results.json into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    md, js = folder / "results.md", folder / "results.json"
    md.write_text(markdown(results), encoding="utf-8")
    js.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return md, js
