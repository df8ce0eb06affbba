"""How a due fire reaches the daemon: APScheduler's wake-up, and the executor that
passes the fire time on.

APScheduler does not tell a job function which fire time it stands for, and the run
key needs it, so a small executor passes the scheduled time along; it also coalesces
late fires itself, saying each one it merges (see ``runner.scheduler``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.base import BaseExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler

if TYPE_CHECKING:
    from apscheduler.job import Job

    from runner.state.operator import Pause

Fire = Callable[[str, datetime], Awaitable[None]]
Merged = Callable[[str, datetime, datetime], None]
"""Told of a fire merged into a later one: ``(job id, fire time, the later fire)``."""


class WakingScheduler(AsyncIOScheduler):
    """APScheduler's asyncio scheduler, its timer calling the job processing directly.

    Its own timer calls ``wakeup``, which is made for other threads: it goes through
    ``call_soon_threadsafe``, one more turn of a busy loop that every fire of the
    wake-up waits for. ``wakeup`` stays as it is for adding jobs. ``processed`` is told
    each time the due jobs have been submitted.
    """

    def __init__(self, *, processed: Callable[[], None], **options: Any) -> None:
        super().__init__(**options)
        self._processed = processed

    def _process_jobs(self) -> float | None:
        """APScheduler's processing of the due jobs, then ``processed()`` is told."""
        wait: float | None = super()._process_jobs()
        self._processed()
        return wait

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


class PauseChecks:
    """Whether the jobs of a wake-up's fires are paused: asked of the store in one read
    for all of them, submitted the moment APScheduler has submitted the fires.

    On a busy loop each turn is long; the answer is handed to the fires from the store's
    thread by one callback, so a fire waits for the read and two turns of the loop (that
    callback, then its own task), not for tasks started one after another.
    """

    def __init__(self, ask: Callable[[list[str]], Future[dict[str, Pause]]]) -> None:
        self._ask = ask
        self._asked: dict[str, asyncio.Future[Pause | None]] = {}
        self._due: list[str] = []

    def due(self, job_id: str) -> None:
        """A fire of ``job_id`` is submitted: its pause is asked with the wake-up's others."""
        earlier = self._asked.pop(job_id, None)
        if earlier is not None:
            earlier.cancel()
        loop = asyncio.get_running_loop()
        self._asked[job_id] = loop.create_future()
        if not self._due:  # a fire submitted outside a wake-up is asked for all the same
            loop.call_soon(self.submitted)
        self._due.append(job_id)

    def submitted(self) -> None:
        """Every due fire of the wake-up is submitted: ask the store for them all."""
        names, self._due = self._due, []
        if not names:
            return
        loop = asyncio.get_running_loop()
        waiting = {name: self._asked[name] for name in names if name in self._asked}
        read = self._ask(names)

        def answered(done: Future[dict[str, Pause]]) -> None:  # on the store's thread
            try:
                loop.call_soon_threadsafe(_hand_over, waiting, done)
            except RuntimeError:  # the loop closed meanwhile: nobody waits any more
                pass

        read.add_done_callback(answered)

    def take(self, job_id: str) -> asyncio.Future[Pause | None] | None:
        """The answer asked for the fire of ``job_id`` (None: not asked, a fire not from
        the scheduler)."""
        return self._asked.pop(job_id, None)


def _hand_over(waiting: dict[str, asyncio.Future[Pause | None]],
               done: Future[dict[str, Pause]]) -> None:
    error = done.exception()
    for name, future in waiting.items():
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(done.result().get(name))
