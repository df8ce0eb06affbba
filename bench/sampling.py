"""``--profile``: the runner sampled by py-spy, every thread, CPU only.

cProfile sees one thread and slows what it measures; the runner spends much of its CPU
in worker threads (the state store) and in HTTP code. py-spy samples the process from
outside, 250 times a second, keeping only the threads that hold the GIL (``--gil``), so
the counts below are CPU time. The raw stacks stay beside the summary for a closer look.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

RATE = 250  # samples per second


def command(raw: Path, argv: list[str]) -> list[str]:
    """``argv`` run under py-spy, writing raw collapsed stacks to ``raw``."""
    return ["py-spy", "record", "--rate", str(RATE), "--format", "raw", "--threads", "--gil",
            "--output", str(raw), "--", *argv]


def _function(frame: str) -> str:
    """``name (path/to/file.py:12)`` -> ``name (file.py)``: one entry per function."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit('/', 1)[-1].split(':', 1)[0]})" if where else name


def summarize(raw: Path, top: int = 35) -> Path:
    """Write the top functions by own and by total CPU beside ``raw``; return that file."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        samples += n
        threads[frames[0].rpartition(": ")[2] or frames[0]] += n
        functions = [_function(f) for f in frames[1:]]
        if functions:
            own[functions[-1]] += n
        for function in set(functions):
            total[function] += n

    def table(counts: Counter[str]) -> list[str]:
        return [f"{n / RATE:8.2f} s  {n / samples:6.1%}  {f}" for f, n in counts.most_common(top)]

    lines = [f"{samples / RATE:.1f} s of CPU sampled ({samples:,} samples at {RATE}/s)", "",
             "by thread:", *[f"{n / RATE:8.2f} s  {t}" for t, n in threads.most_common()], "",
             "by own time:", *table(own), "", "by total time (the function and what it calls):",
             *table(total)] if samples else ["no samples"]
    out = raw.with_suffix(".txt")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
