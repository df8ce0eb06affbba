"""Several daemons on one state store: the SQLite one-replica rule and the maintenance
every replica runs between fires.

Every replica schedules every job; the claim in the state store decides which one runs
each fire (``runner.execute``). What a claim alone cannot do is done here, on a beat
of a third of the lease (see ``Daemon.run``):

- heartbeat, so ``history`` and the SQLite rule know who is alive;
- runs whose replica died (lease expired, still ``running``): a scheduled run is taken
  over, resuming from its recorded per-target progress, so an interrupted fire is
  finished rather than lost. Several replicas may try at once; ``claim`` lets one win.
  A dry run or a manual ``run-job`` is marked ``abandoned`` instead: nobody scheduled
  it, the operator who started it saw it die and decides whether to run it again;
- run history older than ``history_retention_days`` is pruned (hourly, not every beat),
  in bounded steps that each hold the write lock briefly (``runner.state.prune``).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from runner import words

if TYPE_CHECKING:
    from runner.catalogue import JobSpec
    from runner.runtime import Runtime
    from runner.settings import Settings
    from runner.state import RunRecord, StateStore

log = logging.getLogger("runner.replicas")

PRUNE_EVERY = 3600.0
"""Seconds between two prunings of the run history by one replica."""

TakeOver = Callable[["JobSpec", "RunRecord"], None]
"""Starts resuming a stale run in the background (``Daemon.take_over``)."""


@contextlib.contextmanager
def single_replica(settings: Settings, open_state: Callable[[], StateStore]) -> Iterator[None]:
    """Hold the SQLite one-replica rule for the daemon's lifetime (no-op on PostgreSQL).

    Checked before anything starts (the runner's HTTP server included), so a second
    ``run`` on the same SQLite file stops with the one line that explains why.
    """
    if not settings.state_url.lower().startswith("sqlite"):
        yield
        return
    guard = open_state()
    try:
        guard.heartbeat()  # for the heartbeat fallback where no file lock exists
        guard.ensure_single_replica_allowed()
        yield
    finally:
        guard.close()


class Maintenance:
    """One beat of a replica's housekeeping; ``await maintenance()`` runs it."""

    def __init__(self, rt: Runtime, *, retention_days: int, take_over: TakeOver) -> None:
        self.rt = rt
        self.retention = timedelta(days=retention_days)
        self.take_over = take_over
        self._pruned_at: float | None = None

    async def __call__(self) -> None:
        """Heartbeat, deal with stale runs, prune when due."""
        state = self.rt.state
        await state.replicas.heartbeat()
        await self.stale_runs()
        now = time.monotonic()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            deleted = await self.prune(self.rt.clock() - self.retention)
            if deleted:
                log.info("%s", words.text("replica.pruned", n=deleted, days=self.retention.days))

    async def prune(self, cutoff: datetime) -> int:
        """Prune the history step by step (``runner.state.prune``), each step its own
        short transaction on the store's threads, so the daemon's own writes (claims,
        effects) take turns with it; returns the number of runs deleted."""
        from runner.state.prune import BatchSize

        state = self.rt.state
        size = BatchSize()  # each step's batch follows how long the last held the lock
        deleted, start = 0, None
        while True:
            step = await state.runs.prune_step(cutoff, start, batch=size.size)
            size.after(step)
            deleted += step.runs
            if step.start is None:
                break
            start = step.start
        while await state.runs.prune_events_step(cutoff, batch=size.size):
            pass
        return deleted

    async def stale_runs(self) -> None:
        """Take over each stale scheduled run; mark the others abandoned."""
        for record in await self.rt.state.runs.stale():
            job = self.rt.catalogue.jobs.get(record.job)
            reason = _not_resumable(record, job)
            if reason is None:
                assert job is not None  # _not_resumable says why when it is gone
                log.warning("%s", words.text("replica.taking_over", job=job.name, key=record.key,
                                             attempt=record.attempt, replica=record.replica))
                self.take_over(job, record)
                continue
            if await self.rt.state.runs.abandon(record, reason):
                log.warning("%s", words.text("replica.abandoned", job=record.job, id=record.id,
                                             key=record.key, replica=record.replica,
                                             reason=reason))


def _not_resumable(record: RunRecord, job: JobSpec | None) -> str | None:
    """Why a stale run is abandoned rather than resumed, or None to resume it."""
    if record.dry_run:
        return words.text("replica.dry_not_resumed")
    if record.scheduled_for is None:
        return words.text("replica.manual_not_resumed")
    if job is None:
        return words.text("replica.job_gone")
    if not job.enabled:
        return words.text("replica.job_disabled")
    return None
