"""What the state store hands back: plain frozen dataclasses, datetimes aware UTC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Self


class FromRow:
    """Base of the store's record dataclasses (a kind's too): built from a row."""

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Self:
        """Build from a result row's mapping; columns not in the dataclass are ignored."""
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in row.items() if k in names})


@dataclass(frozen=True)
class RunHandle:
    """Proof that this replica holds the claim on one run (one key)."""

    run_id: int
    key: str
    job: str
    attempt: int
    resumed: bool  # True when taken over from a replica whose lease expired
    scheduled_for: datetime | None
    resumed_from: str | None = None  # how the attempt before ended: running (its runner
    # stopped), abandoned or failed; None for a first attempt


@dataclass(frozen=True)
class RunRecord(FromRow):
    """One row of run history."""

    id: int
    key: str
    job: str
    kind: str
    scheduled_for: datetime | None
    replica: str
    attempt: int
    status: str  # running | succeeded | failed | skipped | abandoned
    started_at: datetime
    finished_at: datetime | None
    lease_until: datetime
    dry_run: bool
    counts: dict[str, int]  # totals over the attempts
    error: str | None  # the last attempt's
    lines: list[str]
    earlier_attempts: list[dict[str, Any]] = field(default_factory=list)
    """How each earlier attempt ended: ``{"attempt", "status", "error"}``, oldest first."""

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish; None while running."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Self:
        """Build from a ``runs`` row; missing JSON becomes empty."""
        values = dict(row)
        values["counts"] = values.get("counts") or {}
        values["lines"] = values.get("lines") or []
        values["earlier_attempts"] = values.get("earlier_attempts") or []
        values["dry_run"] = bool(values["dry_run"])
        return super().from_row(values)


@dataclass(frozen=True)
class TargetRecord(FromRow):
    """Progress of one effect (e.g. a post to one chat) within one run key."""

    run_key: str
    target: str
    status: str  # started | done
    detail: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class AlertState(FromRow):
    """Failure streak of one job, so alerts are sent once per streak, not per run."""

    job: str
    failing_since: datetime | None = None
    failures: int = 0
    last_alert_at: datetime | None = None
    last_error: str | None = None


ALERT_FIELDS = frozenset(f.name for f in fields(AlertState)) - {"job"}
