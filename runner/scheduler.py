"""The daemon: the catalogue loaded into APScheduler 3 (asyncio), with listeners.

APScheduler's options are set explicitly (rule 6): coalesce, one instance per job,
the job's own misfire grace (APScheduler's default of 1 s silently drops runs).
Coalescing is done here, not by APScheduler, which drops the earlier fire times of a
late wake-up without a word: each merged fire gets the daemon's skip line, so every
fire a replica saw is accounted for in its log, however slow the machine was.
APScheduler does not tell a job function which fire time it stands for, and the run
key needs it, so a small executor passes the scheduled time along (``runner.firing``).
Every replica loads every job; the claim in the state store decides which one runs
each fire.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import random
import signal
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    JobSubmissionEvent,
)

from runner import logs, words
from runner.collector import collector_paused
from runner.daemon_lines import local as _local
from runner.daemon_lines import log_outcome, one_line, reload_changes
from runner.errors import RunnerError
from runner.execute import Outcome, execute, run_key
from runner.firing import FireExecutor, PauseChecks, WakingScheduler
from runner.runtime import Runtime
from runner.schedule import build_trigger

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

    from runner.catalogue import Catalogue, JobSpec
    from runner.state import RunRecord
    from runner.state.operator import Pause

log = logging.getLogger("runner.scheduler")

OnMissed = Callable[["JobSpec", datetime, str], Coroutine[Any, Any, None]]
"""Told of a fire that never ran: ``(job, fire time, why)``, why ``"missed"`` (beyond its
grace time) or ``"overlap"`` (the previous run still going); ``AlertNotifier.on_missed``."""

OVERLAP_REASON = "previous run still going"
"""The history's error of a fire skipped because the job's previous run had not ended."""
MISSED_REASON = "missed beyond its grace time"
"""The history's error of a fire that came later than its ``misfire_grace``."""


class Daemon:
    """``pachca-runner run``: schedules the catalogue until stopped."""

    def __init__(
        self,
        rt: Runtime,
        *,
        reload: Callable[[], Catalogue] | None = None,
        on_missed: OnMissed | None = None,
    ) -> None:
        self.rt = rt
        self._reload = reload
        self._on_missed = on_missed
        self._stopping = asyncio.Event()
        # The fires of one wake-up (dozens, at a round minute) ask the store together
        # whether their jobs are paused, as soon as APScheduler has submitted them.
        self._pauses = PauseChecks(rt.state.operator.paused_at_fire)
        self._executor = FireExecutor(self._fire, self._merged, self._pauses.due)
        self.scheduler = WakingScheduler(
            processed=self._pauses.submitted,
            timezone=rt.catalogue.timezone,
            executors={"default": self._executor},
            # False: the executor coalesces itself, saying what it merged (see above).
            job_defaults={"coalesce": False, "max_instances": 1, "misfire_grace_time": 600},
        )
        self.scheduler.add_listener(self._on_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        self.outcomes: deque[Outcome] = deque(maxlen=1000)  # the latest, for tests and demo
        self._taking_over: set[str] = set()
        self._schedules: dict[str, tuple[object, ...]] = {}  # each loaded job's, by name
        self.runs = 0  # runs this daemon ended, for the stop line

    def load(self, catalogue: Catalogue) -> None:
        """(Re)place every scheduled job by the catalogue's enabled jobs."""
        self.rt.reload(catalogue)
        # A fire already due but not yet processed (the loop was busy, e.g. parsing this
        # very catalogue after SIGHUP) would be lost without a word if the re-added job
        # counted its next fire from now: a job whose schedule is unchanged keeps it.
        pending = {job.id: job.next_run_time for job in self.scheduler.get_jobs()
                   if job.next_run_time is not None}
        before = self._schedules
        self._schedules = {}
        self.scheduler.remove_all_jobs()
        # Jobs of one schedule share one trigger: triggers are stateless but for the
        # last fire time they found, which the next job then finds at once (10,000 jobs
        # here often have a few hundred schedules between them).
        triggers: dict[tuple[object, ...], BaseTrigger] = {}
        for job in catalogue.jobs.values():
            if not job.enabled:
                logs.event("disabled", detail=True, job=job.name)
                continue
            same = (job.schedule.every, tuple(job.schedule.crons or ()), job.timezone,
                    job.workdays)
            self._schedules[job.name] = same
            kept = pending.get(job.name) if before.get(job.name) == same else None
            trigger = triggers.get(same)
            if trigger is None:
                trigger = triggers[same] = job_trigger(job)
            self.scheduler.add_job(
                _noop,
                trigger=trigger,
                id=job.name,
                name=job.name,
                misfire_grace_time=int(max(job.misfire_grace, 1)),
                coalesce=False,  # the executor coalesces, saying what it merged
                max_instances=1,
                replace_existing=True,
                **({"next_run_time": kept} if kept is not None else {}),
            )

    def _next_fire(self, name: str) -> datetime | None:
        """When the scheduled job ``name`` fires next, in its own zone (None: never)."""
        aps_job = self.scheduler.get_job(name)
        when = getattr(aps_job, "next_run_time", None)
        job = self.rt.catalogue.jobs.get(name)
        return when.astimezone(ZoneInfo(job.timezone)) if when and job else when

    def _log_start(self) -> None:
        scheduled = self.scheduler.get_jobs()
        fires = [(job.next_run_time, job.id) for job in scheduled if job.next_run_time]
        name = min(fires)[1] if fires else None
        when = self._next_fire(name) if name is not None else None  # in the job's zone
        upcoming = words.text("word.none") if when is None else words.text(
            "daemon.next", job=name, fire=logs.moment(when))
        logs.event("start", jobs=len(scheduled),
                   disabled=len(self.rt.catalogue.jobs) - len(scheduled),
                   next_job=name, next_fire=when, words_only={"next": upcoming})

    async def _fire(self, job_id: str, scheduled: datetime) -> None:
        asked = self._pauses.take(job_id)
        job = self.rt.catalogue.jobs.get(job_id)
        if job is None or self._stopping.is_set():
            if asked is not None:
                asked.cancel()
            return
        if await self._paused(job, scheduled, asked):
            return
        if job.jitter:
            # Jitter is applied here, not in the trigger, so every replica computes the
            # same fire time and therefore the same claim key.
            delay = random.uniform(0, job.jitter)
            logs.event("jitter", detail=True, job=job.name, delay=delay,
                       fire=_local(job, scheduled))
            if await self._stopped_within(delay):
                # A stop must not wait for a run that has not started (systemd's stop
                # timeout), nor start one after "no new runs will start".
                logs.event("skip", job=job.name, fire=_local(job, scheduled),
                           reason=words.text("daemon.reason.stopping"), why="stopping")
                return
        logs.event("firing", detail=True, job=job.name, fire=_local(job, scheduled))
        await self._execute(job, scheduled)
        if self.scheduler.get_job(job.name) is not None:
            logs.event("next_fire", detail=True, job=job.name,
                       fire=self._next_fire(job.name))

    async def _paused(self, job: JobSpec, scheduled: datetime,
                      asked: asyncio.Future[Pause | None] | None = None) -> bool:
        """Whether an operator paused ``job`` (then this fire is skipped, and said so).

        Asked at every fire, not at load: a pause made on another replica or by the CLI
        takes effect without a reload. ``asked``: the answer asked for when the fire was
        submitted (``PauseChecks``). A store that cannot answer does not stop a fire.
        """
        try:
            if asked is None:  # a catch-up's fire, or one a test started
                read = self.rt.state.operator.paused_at_fire([job.name])
                pause = (await asyncio.wrap_future(read)).get(job.name)
            else:
                pause = await asked
        except RunnerError as exc:
            logs.event("unrecorded", level=logging.ERROR, job=job.name,
                       fire=_local(job, scheduled), error=str(exc))
            return False
        if pause is None:
            return False
        reason = words.text("daemon.reason.paused", by=pause.by,
                            reason=f": {pause.reason}" if pause.reason else "")
        logs.event("skip", job=job.name, fire=_local(job, scheduled), reason=reason,
                   why="paused")
        return True

    async def _stopped_within(self, seconds: float) -> bool:
        """Wait ``seconds``, cut short by a stop; whether the daemon is stopping."""
        try:
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        except TimeoutError:
            pass
        return self._stopping.is_set()

    async def _execute(self, job: JobSpec, scheduled: datetime, key: str | None = None) -> None:
        try:
            outcome = await execute(self.rt, job, scheduled_for=scheduled, key=key)
        except RunnerError as exc:  # the state store failed: say so, keep the daemon going
            logs.event("unrecorded", level=logging.ERROR, job=job.name,
                       fire=_local(job, scheduled), error=str(exc))
            return
        self.outcomes.append(outcome)
        self.runs += 1
        log_outcome(job, outcome, scheduled)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` as a task the shutdown waits for (kept referenced meanwhile)."""
        task = asyncio.create_task(work)
        self._executor.tasks.add(task)
        task.add_done_callback(self._executor.tasks.discard)

    def take_over(self, job: JobSpec, record: RunRecord) -> None:
        """Resume a stale scheduled run of a stopped replica, in the background.

        Its key is claimed again (``attempt`` + 1): if several replicas try, one wins and
        the others' attempts end as ``skipped``. Not started once stopping.
        """
        if self._stopping.is_set() or record.key in self._taking_over:
            return
        scheduled = record.scheduled_for
        assert scheduled is not None  # only scheduled runs are resumed
        self._taking_over.add(record.key)

        async def resume() -> None:
            try:
                await self._execute(job, scheduled, key=record.key)
            finally:
                self._taking_over.discard(record.key)

        self._spawn(resume())

    def _on_event(self, event: JobExecutionEvent | JobSubmissionEvent) -> None:
        job = self.rt.catalogue.jobs.get(event.job_id)
        if event.code == EVENT_JOB_MAX_INSTANCES:
            *merged, when = getattr(event, "scheduled_run_times", None) or [None]
            for earlier in merged:  # coalesced into the last: one skip record, one alert
                self._merged(event.job_id, earlier, when)
            logs.event("skip", level=logging.WARNING, job=event.job_id,
                       fire=_local(job, when), reason=words.text("daemon.reason.overlap"),
                       why="overlap")
            if job is not None and when is not None:
                self._not_run(job, when, OVERLAP_REASON, "overlap")
            return
        when = getattr(event, "scheduled_run_time", None)
        grace = job.misfire_grace if job is not None else None
        logs.event("skip", level=logging.ERROR, job=event.job_id, fire=_local(job, when),
                   reason=words.text("daemon.reason.missed", grace=logs.shown(grace)),
                   why="missed")
        if job is not None and when is not None:
            self._not_run(job, when, MISSED_REASON, "missed")

    def _merged(self, job_id: str, when: datetime, into: datetime | None) -> None:
        """The skip line of a fire coalesced into the later fire ``into``."""
        job = self.rt.catalogue.jobs.get(job_id)
        logs.event("skip", level=logging.WARNING, job=job_id, fire=_local(job, when),
                   reason=words.text("daemon.reason.merged", fire=logs.shown(_local(job, into))),
                   why="merged")

    def _not_run(self, job: JobSpec, when: datetime, reason: str, why: str) -> None:
        """Record (in the background) a fire this replica did not run; see ``_record``."""
        if not self._stopping.is_set():
            self._spawn(self._record(job, when, reason, why))

    async def _record(self, job: JobSpec, when: datetime, reason: str, why: str) -> None:
        """Unless another replica runs the fire, record it as ``skipped`` with ``reason`` in
        the history and alert (``why``: ``"missed"`` or ``"overlap"``, see ``OnMissed``).

        An idle replica may still take the fire, so while others are alive the record
        waits until the fire can no longer start anywhere (its grace and jitter passed,
        and a lease more for the claim to land); a stop ends that wait without a record.
        Claiming the fire's key decides between a run elsewhere and this record, once,
        so a fire another replica ran is not alerted. If the store fails, the alert is
        still sent: a fire nobody may have run must not go unsaid.
        """
        state = self.rt.state
        key = run_key(job, when, dry_run=False)
        try:
            alive = await state.replicas.live(2 * self.rt.lease)
            if any(name != state.replica for name in alive):
                late = (self.rt.clock() - when).total_seconds()
                wait = job.misfire_grace + (job.jitter or 0) + self.rt.lease - late
                if await self._stopped_within(max(wait, 0.0)):
                    return
            handle = await state.runs.claim(job.name, key, kind=job.kind, scheduled_for=when,
                                            lease=self.rt.lease)
            if handle is None:
                return  # another replica ran the fire, or recorded it
            await state.runs.finish(handle, "skipped", counts={}, lines=[], error=reason)
            self.outcomes.append(Outcome(job.name, key, "skipped", error=reason,
                                         run_id=handle.run_id, scheduled_for=when))
        except RunnerError as exc:
            logs.event("unrecorded", level=logging.ERROR, job=job.name, fire=_local(job, when),
                       error=str(exc))
        if self._on_missed is not None:
            await self._on_missed(job, when, why)

    async def catch_up(self) -> None:
        """Run once each job whose latest fire within its catch-up window never ran."""
        now = self.rt.clock()
        for job in list(self.rt.catalogue.jobs.values()):
            if not job.enabled or job.catchup <= 0:
                continue
            due = latest_fire(job, now, job.catchup)
            if due is None:
                continue
            last = await self.rt.state.runs.last_scheduled_fire(job.name)
            if last is not None and last >= due:
                continue
            logs.event("catchup", detail=True, job=job.name, fire=_local(job, due))
            self._spawn(self._fire(job.name, due))

    def reload(self) -> None:
        """SIGHUP: load the catalogue again; a broken one is reported and ignored."""
        if self._reload is None:
            return
        from runner.errors import RunnerError

        try:
            catalogue = self._reload()
        except RunnerError as exc:
            logs.event("reload_refused", level=logging.ERROR, error=one_line(exc))
            return
        before = self.rt.catalogue
        gc.unfreeze()  # the old catalogue's objects may go now
        self.load(catalogue)
        gc.freeze()
        logs.event("reload", jobs=len(catalogue.jobs), **reload_changes(before, catalogue))

    async def run(self, maintenance: Callable[[], Awaitable[None]] | None = None) -> None:
        """Schedule until SIGTERM/SIGINT, then let running jobs finish (up to their timeout)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        if sys.platform != "win32":
            loop.add_signal_handler(signal.SIGHUP, self.reload)
        # Thousands of jobs and their first fires (see collector_paused). What they make
        # (10,000 jobs: 300,000 objects) lives as long as the daemon; left to the
        # collector, each full collection walks all of it, a pause of the whole loop of
        # 0.3-0.9 s that makes every fire due meanwhile late. Frozen, it is out of the
        # collector's walks; loading leaves no cyclic garbage to be pinned.
        with collector_paused(freeze=True):
            self.load(self.rt.catalogue)
            self.scheduler.start()
        await self.catch_up()
        self._log_start()  # after the catch-up: the line says the daemon is under way
        while not self._stopping.is_set():
            if maintenance is not None:
                try:
                    await maintenance()
                except RunnerError as exc:  # e.g. the database away for a moment
                    logs.event("maintenance_failed", level=logging.ERROR, error=str(exc))
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=max(self.rt.lease / 3, 1))
            except TimeoutError:
                pass
        self.scheduler.shutdown(wait=False)
        await self.finish_running()
        gc.unfreeze()  # a process that goes on (tests, an embedding app) collects as before
        logs.event("stop", runs=self.runs)

    async def finish_running(self) -> None:
        """Wait for every run this daemon started (fires, catch-ups, takeovers) to end."""
        running = list(self._executor.tasks)
        if running:
            await asyncio.gather(*running, return_exceptions=True)

    def stop(self) -> None:
        """Stop taking new runs; the running ones finish."""
        if not self._stopping.is_set():
            logs.event("stopping", running=len(self._executor.tasks))
            self._stopping.set()


def job_trigger(job: JobSpec) -> BaseTrigger:
    """The trigger the daemon schedules ``job`` with: no jitter, intervals anchored."""
    return build_trigger(job, jitter=False)


def latest_fire(job: JobSpec, now: datetime, window: float) -> datetime | None:
    """The job's latest fire time in ``(now - window, now]``, or None."""
    trigger = job_trigger(job)
    cursor = now - timedelta(seconds=window)
    previous = latest = None
    for _ in range(100_000):  # a 1 s interval over a day's window stays well inside
        fire = trigger.get_next_fire_time(previous, cursor)
        if fire is None or fire > now:
            break
        latest = previous = fire
        cursor = fire + timedelta(microseconds=1)
    return latest


def _noop() -> None:  # pragma: no cover - the executor never calls the job function
    """Placeholder callable: FireExecutor runs ``Daemon._fire`` instead."""


# APScheduler checks the callable's arguments for every job it adds, by inspecting its
# signature each time (a second for a 10,000-job catalogue); told once, it asks no more.
_noop.__signature__ = inspect.Signature()  # type: ignore[attr-defined]
