"""What the state store hands back: plain frozen dataclasses, datetimes aware UTC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Self

from runner import words


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
    # ``error``, ``lines`` and the earlier attempts' errors are the text as recorded;
    # what a message said is a ``Said``: a reader has it in their language with
    # ``runner.words.in_language``.

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
        values["lines"] = said_lines(values.get("lines") or [], values.get("said_lines"))
        values["error"] = said(values.get("error"), values.get("said_error"))
        values["earlier_attempts"] = [_ended(e) for e in values.get("earlier_attempts") or []]
        values["dry_run"] = bool(values["dry_run"])
        return super().from_row(values)


def said(written: str | None, kept: Any) -> str | None:
    """A recorded error: the message it said (``kept``) with its text as ``written``;
    only the text for a row recorded before messages were kept, or a plain text."""
    return written if kept is None or written is None else words.rebuilt(kept, written)


def _ended(attempt: dict[str, Any]) -> dict[str, Any]:
    """How an earlier attempt ended, its error said again (as ``said``)."""
    ended = {k: v for k, v in attempt.items() if k != "said_error"}
    ended["error"] = said(attempt.get("error"), attempt.get("said_error"))
    return ended


def said_lines(written: list[str], kept: list[Any] | None) -> list[str]:
    """A run's lines, each the message it said where that was kept (as ``said``)."""
    if kept is None:
        return list(written)
    if len(kept) != len(written):  # not one text to each: say them in the reader's words
        return [words.rebuilt(k) for k in kept]
    return [words.rebuilt(k, w) for k, w in zip(kept, written, strict=True)]


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
