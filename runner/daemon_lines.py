"""The daemon's lines for a run and a reload: which fields, and how they read.

``runner.logs.event`` writes them; ``runner.scheduler`` says when.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from runner import logs, words

if TYPE_CHECKING:
    from runner.catalogue import Catalogue, JobSpec
    from runner.errors import RunnerError
    from runner.execute import Outcome


def local(job: JobSpec | None, when: datetime | None) -> datetime | None:
    """``when`` in the job's zone: the daemon's lines show fire times as the job sees them."""
    if when is None or job is None:
        return when
    return when.astimezone(ZoneInfo(job.timezone))


def one_line(exc: RunnerError) -> str:
    """Every problem of a refused catalogue on one line (the log keeps one line a record)."""
    from runner.errors import CatalogueError

    if isinstance(exc, CatalogueError) and len(exc.problems) > 1:
        return "; ".join(str(p) for p in exc.problems)
    return str(exc)


def log_outcome(job: JobSpec, outcome: Outcome, scheduled: datetime) -> None:
    """The daemon's line for one run: job, fire time, outcome, counts, duration."""
    fire = local(job, scheduled)
    if outcome.status == "skipped":  # claimed by another replica, or done already
        logs.event("skip", job=job.name, fire=fire, why="elsewhere",
                   reason=outcome.error or "")
        return
    fields: dict[str, Any] = {
        "job": job.name, "run_id": outcome.run_id, "fire": fire, "outcome": outcome.status,
        "counts": dict(outcome.report.counts), "duration": round(outcome.duration, 3),
    }
    shown = {"outcome": words.text(f"outcome.{outcome.status}")}
    if outcome.status == "failed":
        logs.event("run_failed", level=logging.ERROR, error=outcome.error or "",
                   words_only=shown, **fields)
    else:
        logs.event("run", words_only=shown, **fields)


def reload_changes(old: Catalogue, new: Catalogue) -> dict[str, Any]:
    """The ``reload`` line's fields: jobs added, removed, changed (by field), sections."""
    from runner.catalogue.diff import compare

    diff = compare(old, new)
    # Field names only: a changed value may have come from ${VAR}.
    changed = {c.name: [f for f, _, _ in c.fields] for c in diff.changed}
    found: dict[str, Any] = {
        "added": [j.name for j in diff.added], "removed": [j.name for j in diff.removed],
        "changed": changed, "sections": [name for name, _, _ in diff.sections],
    }
    parts = [words.text(f"daemon.change.{what}", names=", ".join(found[what]))
             for what in ("added", "removed") if found[what]]
    if changed:  # "changed: digest (schedule, text)"
        names = ", ".join(f"{name} ({', '.join(fields)})" for name, fields in changed.items())
        parts.append(words.text("daemon.change.changed", names=names))
    if found["sections"]:
        parts.append(words.text("daemon.change.section", names=", ".join(found["sections"])))
    return {"words_only": {"changes": "; ".join(parts) or words.text("daemon.change.none")},
            **found}
