"""How a due fire reaches the daemon: APScheduler's wake-up, and the executor that
passes the fire time on.

APScheduler does not tell a job function which fire time it stands for, and the run
key needs it, so a small executor passes the scheduled time along; it also coalesces
late fires itself, saying each one it merges (see ``runner.scheduler``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.base import BaseExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler

if TYPE_CHECKING:
    from apscheduler.job import Job

Fire = Callable[[str, datetime], Awaitable[None]]
Merged = Callable[[str, datetime, datetime], None]
"""Told of a fire merged into a later one: ``(job id, fire time, the later fire)``."""


class WakingScheduler(AsyncIOScheduler):
    """APScheduler's asyncio scheduler, its timer calling the job processing directly.

    Its own timer calls ``wakeup``, which is made for other threads: it goes through
    ``call_soon_threadsafe``, one more turn of a busy loop that every fire of the
    wake-up waits for. ``wakeup`` stays as it is for adding jobs.
    """

    def _start_timer(self, wait_seconds: float | None) -> None:
        self._stop_timer()
        if wait_seconds is not None:
            self._timeout = self._eventloop.call_later(wait_seconds, self._woken)

    def _woken(self) -> None:
        self._stop_timer()
        self._start_timer(self._process_jobs())


class FireExecutor(BaseExecutor):
    """Runs ``fire(job_id, scheduled_time)`` as a task on the scheduler's loop; tells
    ``due(job_id)`` first, at once, while APScheduler is still submitting the wake-up's
    other fires."""

    def __init__(self, fire: Fire, merged: Merged, due: Callable[[str], None]) -> None:
        super().__init__()
        self._fire = fire
        self._merged = merged
        self._due = due
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self, scheduler: Any, alias: str) -> None:
        super().start(scheduler, alias)
        self._loop = scheduler._eventloop

    def shutdown(self, wait: bool = True) -> None:
        """Nothing to do: the daemon waits for running tasks itself (see ``Daemon.stop``)."""

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        # Coalescing: one run, for the latest missed time; the earlier ones are said.
        *merged, scheduled = run_times
        for when in merged:
            self._merged(job.id, when, scheduled)
        late = (datetime.now(UTC) - scheduled).total_seconds()
        grace = job.misfire_grace_time
        if grace is not None and late > grace:
            self._run_job_success(
                job.id, [JobExecutionEvent(EVENT_JOB_MISSED, job.id, "default", scheduled)]
            )
            return

        self._due(job.id)

        async def run() -> None:
            try:
                await self._fire(job.id, scheduled)
            finally:
                self._run_job_success(job.id, [])

        task = self._loop.create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
