"""Seeing before doing: ``plan`` (a sweep's next run, chat by chat) and the chats a
sweep would act on now, which ``diff`` compares before and after a change.

Both only read: the client is the read-only view and no run is claimed or recorded.
The decisions come from the sweep itself (``runner.kinds.sweep.plans`` over its scanner).
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from runner import words
from runner.catalogue import JobSpec
from runner.errors import InputError
from runner.kinds.base import JobContext, Progress, no_progress
from runner.kinds.sweep import plans
from runner.kinds.sweep.params import SweepParams
from runner.runtime import Runtime
from runner.state import RunHandle


def sweep_params(job: JobSpec) -> SweepParams:
    """The sweep's fields of ``job``; InputError if it is not a sweep."""
    if not isinstance(job.params, SweepParams):
        raise InputError(words.text("plan.not_sweep", job=job.name, kind=job.kind))
    return job.params


def _context(rt: Runtime, job: JobSpec, progress: Progress, bot_user_id: int | None
             ) -> JobContext:
    """A context that can only read: no claim (``run`` is a placeholder nothing records)."""
    zone = ZoneInfo(job.timezone)
    handle = RunHandle(run_id=0, key=f"{job.name}@plan", job=job.name, attempt=0,
                       resumed=False, scheduled_for=None)
    return JobContext(
        job=job, client=rt.client.read_only_view(), renderer=rt.renderer, state=rt.state,
        run=handle, now=rt.clock, scheduled_for=rt.clock().astimezone(zone), dry_run=True,
        log=logging.getLogger(f"runner.plan.{job.name}"), progress=progress,
        bot_user_id=bot_user_id, button_secret=rt.button_secret, server=rt.server,
    )


async def _plan(rt: Runtime, job: JobSpec, progress: Progress, *, snapshot: bool
                ) -> plans.SweepPlan:
    ctx = _context(rt, job, progress, await rt.bot_user.get())
    return await plans.make_plan(ctx, sweep_params(job), rt.button_secret, snapshot=snapshot)


async def plan_in(rt: Runtime, job: JobSpec, progress: Progress = no_progress
                  ) -> plans.SweepPlan:
    """What the sweep ``job`` would do now, with a runtime already open (``plan``, the
    console)."""
    return await _plan(rt, job, progress, snapshot=True)


async def affected(rt: Runtime, job: JobSpec) -> dict[int, str]:
    """The chats the sweep ``job`` would warn or archive now (id -> name), for ``diff``."""
    made = await _plan(rt, job, no_progress, snapshot=False)
    return {c.chat_id: c.name for c in made.actions}
