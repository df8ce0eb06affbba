"""Pruning the run history in bounded steps.

A year of a busy catalogue is a million runs. Deleting the old ones in one transaction
would hold SQLite's only write lock (or PostgreSQL's row locks) for as long as that
takes, and every claim and every recorded effect of the running jobs would wait behind
it. So the history is pruned in steps: each step looks at the next ``batch`` runs by
primary key (ids follow claim order, so the old runs come first), reads outside any
write transaction what to delete, then deletes at most ``batch`` rows of each table in
one short write transaction. A run's effects, and the rows of the kinds' tables that point
at it (``schema.run_rows``), go before the run itself, so a
step that is cut short (a crash, a stop) leaves nothing that points at a missing run;
the next step picks up the same range.

Bot events handled before the cutoff go the same way, ``batch`` ids at a time.

A step's commit does not checkpoint SQLite's WAL (``Database.bulk_write``): a step of
100 runs writes ~450 pages, so every second or third commit crossed SQLite's
1,000-page mark and copied the WAL back and synced the file before returning, holding
the write lock 15-700 ms for it. Each step checkpoints after its commit instead,
outside the lock (``Database.checkpoint``), which also keeps the WAL short enough that
the jobs' own commits meanwhile do not cross the mark with the step's pages.

How many rows a step takes follows the previous step's hold of the write lock
(``BatchSize``): a busy machine (the thread descheduled mid-transaction, a slow disk)
makes a step of 100 runs hold it for hundreds of milliseconds, so the next steps take
fewer until the holds are short again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, and_, delete, func, select

from runner.state.engine import Database
from runner.state.schema import aware_utc, events, runs, targets

PRUNE_BATCH = 100
"""Rows of each table one pruning step deletes at most (one write transaction)."""
HOLD_AIM = 0.025
"""Seconds a pruning step aims to hold the write lock: a quarter of the 100 ms a job's
claim or record may wait behind it, so a step that meets a slow moment stays under it."""


class BatchSize:
    """The batch of the next pruning step, from how long the last one held the write lock.

    Scaled so that a step holds about ``aim`` seconds, at most doubled from one step to
    the next (one quick step says little), between 1 and ``most``. It starts at a
    quarter of ``most``: the first step has no hold to go by.
    """

    def __init__(self, most: int = PRUNE_BATCH, aim: float = HOLD_AIM) -> None:
        if most < 1:
            raise ValueError("batch must be at least 1")
        self.most, self.aim = most, aim
        self.size = max(1, most // 4)

    def after(self, step: PruneStep) -> int:
        """The next step's batch, given the step just done; a step that deleted nothing
        (it held no lock) leaves it as it was."""
        if step.rows:
            scaled = int(self.size * self.aim / max(step.held, 1e-4))
            self.size = max(1, min(self.most, 2 * self.size, scaled))
        return self.size


@dataclass(frozen=True)
class PruneStep:
    """What one step did, and where the next one starts."""

    runs: int
    """Runs deleted."""
    rows: int
    """Rows deleted in every table (runs, their effects and kinds' rows, events)."""
    start: int | None
    """The run id the next step starts at; None when no run older than the cutoff is left."""
    held: float = 0.0
    """Seconds the step held the write lock: from its transaction's start to the commit."""


class PruneMixin:
    """Bounded pruning of the history; mixed into ``StateStore``."""

    _db: Database

    @property
    def _run_rows(self) -> list[tuple[Table, Column[Any], Column[Any]]]:
        """The kinds' tables whose rows belong to a run (``schema.run_rows``)."""
        raise NotImplementedError

    def prune(self, older_than: datetime, *, batch: int = PRUNE_BATCH) -> int:
        """Delete finished runs started before ``older_than`` with their effects and the
        kinds' rows of them, and bot events handled before it, step by step (see the module),
        at most ``batch`` rows of each table a step (fewer while steps hold the lock long).
        Returns the number of runs deleted."""
        size = BatchSize(batch)
        deleted, start = 0, None
        while True:
            step = self.prune_step(older_than, start, batch=size.size)
            size.after(step)
            deleted += step.runs
            if step.start is None:
                break
            start = step.start
        while self.prune_events_step(older_than, batch=size.size) == size.size:
            pass
        return deleted

    def prune_step(self, older_than: datetime, start: int | None, *,
                   batch: int = PRUNE_BATCH) -> PruneStep:
        """One step over the runs from id ``start`` (the first run when None); at most
        ``batch`` rows of each table deleted, in one write transaction."""
        if batch < 1:
            raise ValueError("batch must be at least 1")
        cutoff = aware_utc(older_than)
        with self._db.read() as conn:
            if start is None:
                start = conn.execute(select(func.min(runs.c.id))).scalar_one_or_none()
                if start is None:
                    return PruneStep(0, 0, None)
            window = conn.execute(
                select(runs.c.id, runs.c.key, runs.c.status, runs.c.started_at)
                .where(runs.c.id >= start).order_by(runs.c.id).limit(batch)
            ).all()
            if not any(row.started_at < cutoff for row in window):
                return PruneStep(0, 0, None)  # ids follow claim order: the rest is newer
            old = [row for row in window if row.started_at < cutoff and row.status != "running"]
            ids, keys = [row.id for row in old], [row.key for row in old]
            children = [
                (table, key, conn.execute(
                    select(key).where(column.in_(ids)).order_by(key).limit(batch)
                ).scalars().all() if ids else [])
                for table, column, key in self._run_rows
            ]
            per_key: dict[str, int] = dict(conn.execute(
                select(targets.c.run_key, func.count()).where(targets.c.run_key.in_(keys))
                .group_by(targets.c.run_key)
            ).all()) if keys else {}
        whole, part, all_effects = _fit(keys, per_key, batch)
        finished = all(len(found) < batch for _, _, found in children) and all_effects
        rows = 0
        if not ids:  # only running runs here: nothing to delete
            return PruneStep(0, 0, window[-1].id + 1)
        with self._db.bulk_write() as conn:
            began = time.perf_counter()
            for table, key, found in children:
                if found:
                    rows += conn.execute(delete(table).where(key.in_(found))).rowcount
            if whole:
                rows += conn.execute(delete(targets).where(targets.c.run_key.in_(whole))).rowcount
            if part is not None:
                rows += _delete_some_targets(conn, *part)
            done = 0
            if finished:
                done = conn.execute(delete(runs).where(
                    runs.c.id.in_(ids), runs.c.status != "running", runs.c.started_at < cutoff
                )).rowcount
                rows += done
        held = time.perf_counter() - began
        self._db.checkpoint()  # outside the write turn: the job's writes go on meanwhile
        # Children left over: the same window again; otherwise the next one.
        return PruneStep(done, rows, window[-1].id + 1 if finished else start, held)

    def prune_events_step(self, older_than: datetime, *, batch: int = PRUNE_BATCH) -> int:
        """Delete up to ``batch`` bot events handled before ``older_than``; how many."""
        cutoff = aware_utc(older_than)
        with self._db.read() as conn:
            old = conn.execute(
                select(events.c.event_id).where(events.c.handled_at < cutoff).limit(batch)
            ).scalars().all()
        if not old:
            return 0
        with self._db.write() as conn:
            conn.execute(delete(events).where(
                events.c.event_id.in_(old), events.c.handled_at < cutoff))
        return len(old)


def _fit(keys: Sequence[str], per_key: dict[str, int],
         batch: int) -> tuple[list[str], tuple[str, int] | None, bool]:
    """Which effects one step deletes: the run keys whose effects all fit in ``batch``
    rows, then (key, n) for the first n effects of the next key when room is left, and
    whether that is every effect of ``keys``."""
    whole: list[str] = []
    room = batch
    for key in keys:
        n = per_key.get(key, 0)
        if n > room:
            return whole, ((key, room) if room else None), False
        whole.append(key)
        room -= n
    return whole, None, True


def _delete_some_targets(conn: Connection, key: str, n: int) -> int:
    """Delete ``n`` effects of run ``key`` (its first ones by target)."""
    some = (select(targets.c.target).where(targets.c.run_key == key)
            .order_by(targets.c.target).limit(n).scalar_subquery())
    return int(conn.execute(delete(targets).where(
        and_(targets.c.run_key == key, targets.c.target.in_(some)))).rowcount)
