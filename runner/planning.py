"""Seeing before doing: ``plan`` (a sweep's next run, chat by chat) and ``diff`` (what a
catalogue change does, with the chats a sweep change would affect now).

Both only read: the client is the read-only view and no run is claimed or recorded.
The decisions come from the sweep itself (``runner.sweep.plans`` over its scanner).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from runner import app, words
from runner.catalogue import Catalogue, JobSpec
from runner.catalogue.diff import Affected, CatalogueDiff, compare
from runner.errors import InputError, PachcaError
from runner.execute import Runtime, shifted_clock, system_clock
from runner.jobs.base import JobContext, Progress, no_progress
from runner.settings import Settings
from runner.state import RunHandle
from runner.sweep import plans
from runner.sweep.params import SweepParams


def _sweep_params(job: JobSpec) -> SweepParams:
    if not isinstance(job.params, SweepParams):
        raise InputError(f"'{job.name}' is a {job.kind} job: plans are made for sweep jobs"
                         f" (see what it would do with `run-job {job.name} --dry-run`)")
    return job.params


def _context(rt: Runtime, job: JobSpec, progress: Progress) -> JobContext:
    """A context that can only read: no claim (``run`` is a placeholder nothing records)."""
    zone = ZoneInfo(job.timezone)
    handle = RunHandle(run_id=0, key=f"{job.name}@plan", job=job.name, attempt=0,
                       resumed=False, scheduled_for=None)
    return JobContext(
        job=job, client=rt.client.read_only_view(), renderer=rt.renderer, state=rt.state,
        run=handle, now=rt.clock, scheduled_for=rt.clock().astimezone(zone), dry_run=True,
        log=logging.getLogger(f"runner.plan.{job.name}"), progress=progress,
        bot_user_id=rt.bot_user_id, services=rt.services,
    )


async def _plan(rt: Runtime, job: JobSpec, progress: Progress, *, snapshot: bool
                ) -> plans.SweepPlan:
    secret = rt.services["button_secret"]
    return await plans.make_plan(_context(rt, job, progress), _sweep_params(job), secret,
                                 snapshot=snapshot)


async def plan_in(rt: Runtime, job: JobSpec) -> plans.SweepPlan:
    """What the sweep ``job`` would do now, with a runtime already open (the console)."""
    return await _plan(rt, job, no_progress, snapshot=True)


async def plan_sweep(
    settings: Settings,
    catalogue: Catalogue,
    job: JobSpec,
    *,
    at: datetime | None = None,
    progress: Progress = no_progress,
) -> plans.SweepPlan:
    """What the sweep ``job`` would do if it ran now (or at ``at``, naive = the job's zone)."""
    _sweep_params(job)
    clock = system_clock
    if at is not None:
        clock = shifted_clock(at if at.tzinfo else at.replace(tzinfo=ZoneInfo(job.timezone)))
    async with app.runtime(settings, catalogue, clock=clock) as rt:
        return await _plan(rt, job, progress, snapshot=True)


async def diff_catalogues(
    settings: Settings, old: Catalogue, new: Catalogue, *, now: datetime | None = None
) -> CatalogueDiff:
    """``compare(old, new)``, and for each sweep whose fields changed, the chats it would
    warn or archive now (or at ``now``, naive = the catalogue's zone) under each version,
    when a token is set."""
    diff = compare(old, new, now)
    sweeps = [c for c in diff.changed if c.sweep_changed]
    if not sweeps:
        return diff
    token = settings.token.get_secret_value() if settings.token else ""
    if not token:
        for change in sweeps:
            change.note = words.text("diff.no_token")
        return diff
    clock = system_clock
    if now is not None:
        clock = shifted_clock(now if now.tzinfo else now.replace(tzinfo=ZoneInfo(new.timezone)))
    try:
        async with app.runtime(settings, new, clock=clock) as rt:
            for change in sweeps:
                before = await _plan(rt, old.jobs[change.name], no_progress, snapshot=False)
                after = await _plan(rt, new.jobs[change.name], no_progress, snapshot=False)
                change.affected = Affected({c.chat_id: c.name for c in before.actions},
                                           {c.chat_id: c.name for c in after.actions})
    except PachcaError as exc:
        for change in sweeps:
            if change.affected is None:
                change.note = words.text("diff.cannot_count", error=exc)
    return diff
