"""``GET /metrics`` in the Prometheus text format (version 0.0.4), written by hand.

Run counts come from the state store's history, so every replica reports the same
totals and a restart loses nothing; they are gauges, not counters, because pruning
old history makes them go down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass
class Metric:
    """One metric family: name, help, type and its samples."""

    name: str
    help: str
    type: str  # gauge | counter
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> Metric:
        """Add a sample; returns self so families read as one expression."""
        self.samples.append((labels, value))
        return self


def exposition(metrics: Iterable[Metric]) -> str:
    """The text format for ``metrics`` (families without samples are left out)."""
    lines: list[str] = []
    for metric in metrics:
        if not metric.samples:
            continue
        lines.append(f"# HELP {metric.name} {metric.help}")
        lines.append(f"# TYPE {metric.name} {metric.type}")
        for labels, value in metric.samples:
            lines.append(f"{metric.name}{_labels(labels)} {_number(value)}")
    return "\n".join(lines) + "\n"


def runner_metrics(
    *,
    uptime: float,
    jobs: int,
    run_counts: Mapping[tuple[str, str], int],
    last_success: Mapping[str, float],
    extra: Sequence[Metric] = (),
) -> str:
    """The runner's metrics page; ``extra``: the job kinds' own (``JobKind.metrics``)."""
    runs = Metric("pachca_runner_runs", "Runs in the history, by job and outcome.", "gauge")
    for (job, outcome), n in sorted(run_counts.items()):
        runs.add(n, job=job, outcome=outcome)
    success = Metric("pachca_runner_last_success_timestamp_seconds",
                     "When each job last finished successfully (Unix time).", "gauge")
    for job, when in sorted(last_success.items()):
        success.add(when, job=job)
    return exposition([
        Metric("pachca_runner_up", "1 while the runner's server answers.", "gauge").add(1),
        Metric("pachca_runner_uptime_seconds", "Seconds since this server started.",
               "gauge").add(round(uptime, 3)),
        Metric("pachca_runner_jobs", "Jobs loaded from the catalogue.", "gauge").add(jobs),
        runs,
        success,
        *extra,
    ])
