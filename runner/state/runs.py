"""Runs: exactly-once claims with leases, and the run history.

A claim is one row per run key. Whoever inserts the row owns the run; a row whose
owner stopped renewing its lease is taken over by a conditional UPDATE that names
the lease value it read, so of several replicas racing for it only one matches.
Neither step reads-then-writes without a guard, which is what keeps this race-free
on PostgreSQL under READ COMMITTED as well as on SQLite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, desc, func, select, union_all, update

from runner import words
from runner.errors import StateError
from runner.state.engine import Database
from runner.state.models import RunHandle, RunRecord, said_lines
from runner.state.schema import aware_utc, runs

FINISHED = ("succeeded", "failed", "skipped")
"""A run key in one of these states is never run again."""
FINAL = (*FINISHED, "abandoned")
MAX_ID = 2**63 - 1
"""The largest row id a store holds (SQLite's and PostgreSQL's BIGINT): a larger number
someone types (a URL, ``history show``) names no run rather than overflowing the driver."""
"""Statuses ``finish`` accepts; an abandoned run may be claimed again."""


def said_error(error: str | None) -> Any:
    """What ``runs.said_error`` keeps of ``error``: the message it said, or None (no
    error, or a plain text, which ``runs.error`` holds already)."""
    kept = None if error is None else words.phrase(error)
    return kept if isinstance(kept, dict) else None


class RunsMixin:
    """Claims and history; mixed into ``StateStore``."""

    _db: Database
    replica: str

    def claim(
        self,
        job: str,
        key: str,
        *,
        kind: str,
        scheduled_for: datetime | None,
        lease: float,
        dry_run: bool = False,
        retry_failed: bool = False,
    ) -> RunHandle | None:
        """Claim run ``key`` for this replica, or return None if it is not ours to run.

        None when the key already finished, or another replica holds a live lease.
        A running row with an expired lease (its owner died), or an abandoned one, is
        taken over: ``attempt`` goes up and the handle says ``resumed=True``.
        ``retry_failed``: a failed run is taken over too (an operator reruns that fire:
        it resumes from the run's recorded progress, so nothing done is done twice).
        """
        if lease <= 0:
            raise ValueError("lease must be positive seconds")
        scheduled = aware_utc(scheduled_for) if scheduled_for is not None else None
        db = self._db
        with db.write() as conn:
            now = db.now()
            lease_until = now + timedelta(seconds=lease)
            inserted = conn.execute(
                db.insert(runs)
                .values(
                    key=key,
                    job=job,
                    kind=kind,
                    scheduled_for=scheduled,
                    replica=self.replica,
                    attempt=1,
                    status="running",
                    started_at=now,
                    lease_until=lease_until,
                    dry_run=dry_run,
                    counts={},
                    lines=[],
                    said_lines=[],
                )
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(runs.c.id)
            ).scalar_one_or_none()
            if inserted is not None:
                return RunHandle(inserted, key, job, 1, False, scheduled)
            row = conn.execute(select(runs).where(runs.c.key == key)).mappings().one()
            if row["status"] in FINISHED and not (retry_failed and row["status"] == "failed"):
                return None
            if row["status"] == "running" and row["lease_until"] > now:
                return None
            # The attempt taken over keeps its place in the history: how it ended, and
            # its error. Counts and lines stay, and the new attempt's add to them.
            ended = {"attempt": row["attempt"], "status": row["status"], "error": row["error"],
                     "said_error": row["said_error"]}
            taken = conn.execute(
                update(runs)
                .where(
                    runs.c.id == row["id"],
                    runs.c.status == row["status"],
                    runs.c.lease_until == row["lease_until"],
                )
                .values(
                    replica=self.replica,
                    attempt=runs.c.attempt + 1,
                    status="running",
                    started_at=now,
                    finished_at=None,
                    lease_until=lease_until,
                    error=None,
                    said_error=None,
                    earlier_attempts=[*(row["earlier_attempts"] or []), ended],
                )
            ).rowcount
            if taken != 1:
                return None
            return RunHandle(
                row["id"], key, row["job"], row["attempt"] + 1, True, row["scheduled_for"],
                resumed_from=row["status"],
            )

    def _mine(self, handle: RunHandle) -> Any:
        return and_(
            runs.c.id == handle.run_id,
            runs.c.replica == self.replica,
            runs.c.attempt == handle.attempt,
            runs.c.status == "running",
        )

    def renew(self, handle: RunHandle, lease: float) -> bool:
        """Extend the lease to now + ``lease`` s; False if the claim was lost."""
        db = self._db
        with db.write() as conn:
            until = db.now() + timedelta(seconds=lease)
            changed = conn.execute(
                update(runs).where(self._mine(handle)).values(lease_until=until)
            ).rowcount
        return changed == 1

    def finish(
        self,
        handle: RunHandle,
        status: str,
        *,
        counts: Mapping[str, int],
        lines: list[str],
        error: str | None,
    ) -> None:
        """Record the outcome of a claimed run; StateError if the claim was lost.

        A resumed run's counts and lines are added to those of its earlier attempts.
        The lines and the error are kept as text and as said (``runner.words.phrase``).
        """
        if status not in FINAL:
            raise ValueError(f"unknown final status {status!r}: use one of {', '.join(FINAL)}")
        db = self._db
        with db.write() as conn:
            now = db.now()
            total: Counter[str] = Counter(counts)
            every_line = list(lines)
            if handle.attempt > 1:
                before = conn.execute(
                    select(runs.c.counts, runs.c.lines, runs.c.said_lines).where(self._mine(handle))
                ).first()
                if before is not None:
                    total.update(before.counts or {})
                    if before.lines:
                        earlier = said_lines(before.lines, before.said_lines)
                        every_line = [*earlier, words.text("run.attempt_lines", n=handle.attempt),
                                      *lines]
            changed = conn.execute(
                update(runs)
                .where(self._mine(handle))
                .values(
                    status=status,
                    finished_at=now,
                    counts=dict(total),
                    lines=[str(line) for line in every_line],
                    said_lines=[words.phrase(line) for line in every_line],
                    error=error,
                    said_error=said_error(error),
                )
            ).rowcount
            if changed != 1:
                raise StateError(words.text(
                    "state.claim_lost", run=handle.key, attempt=handle.attempt,
                    replica=self.replica,
                ))

    def runs(
        self,
        job: str | None = None,
        limit: int = 20,
        *,
        status: str | None = None,
        statuses: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
    ) -> list[RunRecord]:
        """Run history, newest first, optionally of one job, one outcome (or any of
        ``statuses``), and runs started in ``[since, until)``; ``offset`` skips that many
        (pages of the console)."""
        query = select(runs)
        if job is not None:
            query = query.where(runs.c.job == job)
        if status is not None:
            query = query.where(runs.c.status == status)
        if since is not None:
            query = query.where(runs.c.started_at >= since)
        if until is not None:
            query = query.where(runs.c.started_at < until)
        wanted = list(dict.fromkeys(statuses)) if statuses is not None else None
        if wanted is not None and len(wanted) > 1:
            query = _newest_of_each(query, wanted, limit, offset)
        else:
            if wanted is not None:
                query = query.where(runs.c.status.in_(wanted))
            query = query.order_by(desc(runs.c.started_at), desc(runs.c.id))
            query = query.limit(limit).offset(offset)
        with self._db.read() as conn:
            return [RunRecord.from_row(r) for r in conn.execute(query).mappings()]

    def job_names(self) -> list[str]:
        """Every job name the history holds, sorted."""
        query = select(runs.c.job).distinct().order_by(runs.c.job)
        with self._db.read() as conn:
            return [str(name) for name in conn.execute(query).scalars()]

    def run_counts(self) -> dict[tuple[str, str], int]:
        """How many runs each (job, status) has in the history; dry runs left out."""
        query = (
            select(runs.c.job, runs.c.status, func.count())
            .where(runs.c.dry_run.is_(False))
            .group_by(runs.c.job, runs.c.status)
        )
        with self._db.read() as conn:
            return {(job, status): int(n) for job, status, n in conn.execute(query)}

    def run_by_key(self, key: str) -> RunRecord | None:
        """The run claimed under ``key``, or None (to say why a claim was refused)."""
        with self._db.read() as conn:
            row = conn.execute(select(runs).where(runs.c.key == key)).mappings().first()
        return RunRecord.from_row(row) if row else None

    def get_run(self, run_id: int) -> RunRecord | None:
        """One run by id (None when there is none, also for an id no store could hold)."""
        if not 0 < run_id <= MAX_ID:
            return None
        with self._db.read() as conn:
            row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        return RunRecord.from_row(row) if row else None

    def last_run(
        self, job: str, status: str | None = "succeeded", *, include_dry_run: bool = False
    ) -> RunRecord | None:
        """The newest run of ``job`` with ``status`` (any status if None); dry runs skipped."""
        query = (
            select(runs)
            .where(runs.c.job == job)
            .order_by(desc(runs.c.started_at), desc(runs.c.id))
            .limit(1)
        )
        if status is not None:
            query = query.where(runs.c.status == status)
        if not include_dry_run:
            query = query.where(runs.c.dry_run.is_(False))
        with self._db.read() as conn:
            row = conn.execute(query).mappings().first()
        return RunRecord.from_row(row) if row else None

    def last_runs(self, jobs: Sequence[str]) -> dict[str, RunRecord]:
        """The newest run (dry runs skipped) of each of ``jobs`` that ran: one query,
        one index probe per job, whatever the length of the history."""
        if not jobs:
            return {}
        found: dict[str, RunRecord] = {}
        other = runs.alias("other")
        with self._db.read() as conn:
            for start in range(0, len(jobs), 500):  # far below every backend's parameter cap
                ran = (select(runs.c.job).where(runs.c.job.in_(list(jobs[start:start + 500])))
                       .group_by(runs.c.job).subquery("ran"))
                newest = (
                    select(other.c.id)
                    .where(other.c.job == ran.c.job, other.c.dry_run.is_(False))
                    .order_by(desc(other.c.started_at), desc(other.c.id))
                    .limit(1)
                    .scalar_subquery()
                )
                query = select(runs).where(runs.c.id.in_(select(newest).select_from(ran)))
                found |= {r["job"]: RunRecord.from_row(r)
                          for r in conn.execute(query).mappings()}
        return found

    def last_scheduled_fire(self, job: str) -> datetime | None:
        """The latest ``scheduled_for`` of any claimed (non-dry) run of ``job``."""
        query = select(func.max(runs.c.scheduled_for)).where(
            runs.c.job == job, runs.c.dry_run.is_(False)
        )
        with self._db.read() as conn:
            return conn.execute(query).scalar_one_or_none()

    def last_success_fire(self, job: str, before: datetime) -> datetime | None:
        """The latest ``scheduled_for`` before ``before`` of a succeeded (non-dry) run.

        By fire time, not start time: a run of an older fire finished later (a rerun, a
        back-dated manual run) must not pull a later window's start back over time
        another run already covered.
        """
        query = select(func.max(runs.c.scheduled_for)).where(
            runs.c.job == job, runs.c.status == "succeeded", runs.c.dry_run.is_(False),
            runs.c.scheduled_for < aware_utc(before),
        )
        with self._db.read() as conn:
            return conn.execute(query).scalar_one_or_none()

    def stale_runs(self) -> list[RunRecord]:
        """Runs still marked running whose lease expired: their replica stopped.

        The daemon's maintenance takes them over (``claim`` resumes them), so a run
        interrupted by a crash is finished by another replica, not lost.
        """
        query = (
            select(runs)
            .where(runs.c.status == "running", runs.c.lease_until < self._db.now())
            .order_by(runs.c.id)
        )
        with self._db.read() as conn:
            return [RunRecord.from_row(r) for r in conn.execute(query).mappings()]

    def abandon(self, record: RunRecord, reason: str) -> bool:
        """Mark a stale run abandoned instead of resuming it; False if someone else acted.

        Guarded like a takeover (status and the lease value read), so a replica that
        took the run over, or an owner that renewed its lease meanwhile, keeps it.
        """
        with self._db.write() as conn:
            changed = conn.execute(
                update(runs)
                .where(
                    runs.c.id == record.id,
                    runs.c.status == "running",
                    runs.c.lease_until == aware_utc(record.lease_until),
                )
                .values(status="abandoned", finished_at=self._db.now(), error=reason,
                        said_error=said_error(reason))
            ).rowcount
        return changed == 1

    def release(self, handle: RunHandle) -> None:
        """Give a claim up without finishing it (shutdown): another replica may resume it."""
        with self._db.write() as conn:
            conn.execute(
                update(runs).where(self._mine(handle)).values(lease_until=self._db.now())
            )


def _newest_of_each(query: Select[Any], statuses: Sequence[str], limit: int, offset: int
                    ) -> Select[Any]:
    """``query``'s runs in any of ``statuses``, newest first, ``limit`` after ``offset``.

    Asked for with ``status IN (...)``, the newest runs of several outcomes come from a
    walk down every run (``ix_runs_started``) until enough match, which reads the whole
    history when they are rare (``history --failed`` on a healthy store); an index by
    outcome cannot give them in order across outcomes. So each outcome's newest are read
    from its own index range (``ix_runs_status_started``, with a job
    ``ix_runs_job_status_started``), at most ``limit + offset`` of each, and merged.
    """
    parts = [
        query.where(runs.c.status == status)
        .order_by(desc(runs.c.started_at), desc(runs.c.id))
        .limit(limit + offset).subquery()
        for status in statuses
    ]
    merged = union_all(*(select(part) for part in parts)).subquery()
    return (select(merged).order_by(desc(merged.c.started_at), desc(merged.c.id))
            .limit(limit).offset(offset))
