"""How far running runs have got: what the console shows while a run goes on.

A run reports ``(what, done, total)`` as it advances (the kinds' progress callback); the
newest report is kept in ``job_values`` as ``progress:<run key>`` (no schema change),
so every replica's console sees a run another replica is making. What a run has already
done (messages posted, chats acted on) is read from the targets it recorded and from
its kind (``JobKind.count_actions``), which every run keeps anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, func, select

from runner.state.engine import Database
from runner.state.models import RunRecord
from runner.state.schema import job_values, targets

if TYPE_CHECKING:
    from runner.state.store import StateStore

PROGRESS = "progress:"


@dataclass(frozen=True)
class RunProgress:
    """A running run's latest report and its effects so far (``posted``, ``archived``...)."""

    what: str = ""
    done: int = 0
    total: int | None = None
    effects: dict[str, int] = field(default_factory=dict)


class ProgressMixin:
    """Progress of running runs; mixed into ``StateStore``."""

    _db: Database

    def set_progress(self, job: str, key: str, what: str, done: int, total: int | None
                     ) -> None:
        """Keep the newest progress report of run ``key``."""
        value = {"what": what, "done": done, "total": total}
        db = self._db
        statement = (
            db.insert(job_values)
            .values(job=job, name=PROGRESS + key, value=value)
            .on_conflict_do_update(index_elements=["job", "name"], set_={"value": value})
        )
        with db.write() as conn:
            conn.execute(statement)

    def clear_progress(self, job: str, key: str) -> None:
        """Forget run ``key``'s progress (it ended)."""
        with self._db.write() as conn:
            conn.execute(delete(job_values).where(
                job_values.c.job == job, job_values.c.name == PROGRESS + key))

    def progress(self, running: Sequence[RunRecord]) -> dict[int, RunProgress]:
        """The progress of each of ``running`` (by run id): two queries for all of them,
        and one per kind that counts actions."""
        if not running:
            return {}
        keys = {PROGRESS + r.key: r for r in running}
        ids = [r.id for r in running]
        by_key = {r.key: r.id for r in running}
        effects: dict[int, dict[str, int]] = {r.id: {} for r in running}
        reports: dict[int, dict[str, Any]] = {}
        with self._db.read() as conn:
            for name, value in conn.execute(
                    select(job_values.c.name, job_values.c.value).where(
                        job_values.c.job.in_({r.job for r in running}),
                        job_values.c.name.in_(list(keys)))):
                if value:
                    reports[keys[name].id] = value
            for run_key, n in conn.execute(
                    select(targets.c.run_key, func.count()).where(
                        targets.c.run_key.in_(list(by_key)), targets.c.status == "done",
                        targets.c.message_id.is_not(None)).group_by(targets.c.run_key)):
                effects[by_key[run_key]]["posted"] = int(n)
        from runner.kinds import registry  # only with runs running: not for a reader

        for kind in registry.every_kind():  # by run id: a job's kind may have changed
            for run_id, counted in kind.count_actions(cast("StateStore", self), ids).items():
                effects[run_id].update(counted)
        return {
            run_id: RunProgress(str(reports.get(run_id, {}).get("what", "")),
                                int(reports.get(run_id, {}).get("done", 0)),
                                reports.get(run_id, {}).get("total"), effects[run_id])
            for run_id in ids
        }
