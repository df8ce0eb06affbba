"""What operators did by hand: paused jobs, and the record of every console/CLI action.

Both live in ``job_values`` (no schema change): a pause is the value ``paused`` of its
job; each action is a value of its own (``audit.<time>.<random>``), so two replicas
recording at once never overwrite each other. A paused job's scheduled fires are
skipped by every replica that shares the store, and the pause outlives restarts and
catalogue reloads until someone resumes the job.

Failed console logins live there too (one row each, under ``LOGINS``), so the limit on
wrong passwords holds across replicas and restarts: guessing cannot be spread over them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, desc, func, select

from runner.state.engine import Database
from runner.state.schema import job_values

PAUSED = "paused"
AUDIT_PREFIX = "audit."
LOGINS = "@console-logins"
"""The ``job_values`` owner of failed console logins: no job name has an ``@``."""


@dataclass(frozen=True)
class Pause:
    """Who paused a job, when, and why."""

    by: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class AuditEntry:
    """One action an operator took: who, what, when, on which job (and run)."""

    job: str
    who: str
    what: str
    at: datetime
    run_id: int | None = None
    detail: str = ""


class OperatorMixin:
    """Pauses and the action record; mixed into ``StateStore``."""

    _db: Database
    if TYPE_CHECKING:  # from RecordsMixin, beside which StateStore mixes this in
        def set_value(self, job: str, name: str, value: Any) -> None: ...

    def pause(self, job: str, by: str, reason: str = "") -> Pause:
        """Pause ``job``'s scheduled fires (again: the newest pause wins)."""
        pause = Pause(by=by, at=self._db.now(), reason=reason)
        self.set_value(job, PAUSED, {"by": by, "at": pause.at.isoformat(), "reason": reason})
        return pause

    def resume(self, job: str) -> bool:
        """Lift the pause of ``job``; whether it was paused."""
        with self._db.write() as conn:
            gone = conn.execute(delete(job_values).where(
                and_(job_values.c.job == job, job_values.c.name == PAUSED))).rowcount
        return bool(gone)

    def paused(self, jobs: Iterable[str] | None = None) -> dict[str, Pause]:
        """The paused jobs (of ``jobs``, or all) and their pauses."""
        query = select(job_values.c.job, job_values.c.value).where(job_values.c.name == PAUSED)
        if jobs is not None:
            query = query.where(job_values.c.job.in_(list(jobs)))
        with self._db.read() as conn:
            rows = conn.execute(query).all()
        return {job: Pause(by=v["by"], at=datetime.fromisoformat(v["at"]),
                           reason=v.get("reason", "")) for job, v in rows if v}

    def record_audit(self, job: str, who: str, what: str, *, run_id: int | None = None,
                     detail: str = "") -> AuditEntry:
        """Remember that ``who`` did ``what`` to ``job`` (and its run ``run_id``) now."""
        entry = AuditEntry(job, who, what, self._db.now(), run_id, detail)
        name = f"{AUDIT_PREFIX}{entry.at.strftime('%Y%m%dT%H%M%S.%f')}.{secrets.token_hex(4)}"
        self.set_value(job, name, {"who": who, "what": what, "at": entry.at.isoformat(),
                              "run_id": run_id, "detail": detail})
        return entry

    def audit(self, job: str, *, run_id: int | None = None, limit: int = 50
              ) -> list[AuditEntry]:
        """The newest actions on ``job`` (only those on run ``run_id`` if given)."""
        query = (
            select(job_values.c.value)
            .where(job_values.c.job == job, job_values.c.name.startswith(AUDIT_PREFIX))
            .order_by(desc(job_values.c.name))
        )
        with self._db.read() as conn:
            values: list[dict[str, Any]] = [v for v in conn.execute(query).scalars() if v]
        entries = [AuditEntry(job, v["who"], v["what"], datetime.fromisoformat(v["at"]),
                              v.get("run_id"), v.get("detail", "")) for v in values]
        if run_id is not None:
            entries = [e for e in entries if e.run_id == run_id]
        return entries[:limit]

    def login_failed(self, name: str, forget_before: datetime) -> None:
        """Count a wrong password for ``name`` now; failures (of any name) older than
        ``forget_before`` are dropped, so the rows never outgrow one lockout window."""
        db = self._db
        now = db.now()
        row = f"{name}\n{now.strftime('%Y%m%dT%H%M%S.%f')}\n{secrets.token_hex(4)}"
        with db.write() as conn:
            conn.execute(delete(job_values).where(
                job_values.c.job == LOGINS, job_values.c.value < _stamp(forget_before)))
            conn.execute(db.insert(job_values).values(job=LOGINS, name=row,
                                                      value=_stamp(now)))

    def login_failures(self, name: str, since: datetime) -> int:
        """How many wrong passwords ``name`` had since ``since`` (on every replica)."""
        query = select(func.count()).select_from(job_values).where(
            job_values.c.job == LOGINS,
            job_values.c.name.startswith(f"{name}\n", autoescape=True),
            job_values.c.value >= _stamp(since))
        with self._db.read() as conn:
            return int(conn.execute(query).scalar_one())

    def login_succeeded(self, name: str) -> None:
        """Forget ``name``'s wrong passwords."""
        with self._db.write() as conn:
            conn.execute(delete(job_values).where(
                job_values.c.job == LOGINS,
                job_values.c.name.startswith(f"{name}\n", autoescape=True)))

    def login_window(self, seconds: float) -> datetime:
        """The store's now minus ``seconds``: where a lockout window starts."""
        return self._db.now() - timedelta(seconds=seconds)


def _stamp(when: datetime) -> str:
    """A moment as text that sorts as time does (UTC; the column keeps it as JSON text,
    and a comparison encodes its operand the same way)."""
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")
