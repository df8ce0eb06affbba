"""Seeing before doing: ``plan`` (a sweep's next run, chat by chat) and the chats a
sweep would act on now, which ``diff`` compares before and after a change.

Both only read: the client is the read-only view and no run is claimed or recorded.
The decisions come from the sweep itself (``runner.kinds.sweep.plans`` over its scanner).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from runner import app, words
from runner.catalogue import Catalogue, JobSpec
from runner.errors import InputError
from runner.kinds.base import JobContext, Progress, no_progress
from runner.kinds.sweep import plans
from runner.kinds.sweep.params import SweepParams
from runner.runtime import Runtime, shifted_clock, system_clock
from runner.settings import Settings
from runner.state import RunHandle


def _sweep_params(job: JobSpec) -> SweepParams:
    if not isinstance(job.params, SweepParams):
        raise InputError(words.text("plan.not_sweep", job=job.name, kind=job.kind))
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
        bot_user_id=rt.bot_user_id, button_secret=rt.button_secret, server=rt.server,
    )


async def _plan(rt: Runtime, job: JobSpec, progress: Progress, *, snapshot: bool
                ) -> plans.SweepPlan:
    return await plans.make_plan(_context(rt, job, progress), _sweep_params(job), rt.button_secret,
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


async def affected(rt: Runtime, job: JobSpec) -> dict[int, str]:
    """The chats the sweep ``job`` would warn or archive now (id -> name), for ``diff``."""
    made = await _plan(rt, job, no_progress, snapshot=False)
    return {c.chat_id: c.name for c in made.actions}
