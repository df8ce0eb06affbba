"""The commands the sweep adds to ``pachca-runner``: ``plan`` and ``undo``, and the
wiring they need (a runtime or a store and client of their own).

The registry imports this module to list and parse the commands (``--help``), so it
imports only click at the top; the runtime, the client and the sweep's own modules are
imported by the commands when they run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from runner.cli.group import MOMENT, load, settings_of
from runner.cli_help import SpeakingCommand
from runner.kinds.base import Progress, no_progress

if TYPE_CHECKING:
    from runner.catalogue import Catalogue, JobSpec
    from runner.kinds.sweep import plans
    from runner.kinds.sweep.params import SweepParams
    from runner.kinds.sweep.undo import UndoPlan, UndoResult
    from runner.settings import Settings


@click.command(cls=SpeakingCommand)
@click.argument("name")
@click.option("--out", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also save the plan (JSON) for `run-job NAME --plan FILE`.")
@click.option("--at", "at", type=MOMENT, default=None, metavar="WHEN",
              help="Plan as if at this time (in the job's time zone).")
@click.pass_context
def plan(ctx: click.Context, name: str, out: Path | None, at: datetime | None) -> None:
    """Sweeps: what the next run would do to which chat, and why; touches nothing."""
    import asyncio

    from runner import app, console, words

    settings = settings_of(ctx)
    catalogue = load(settings)
    job = app.find_job(catalogue, name)
    with console.progress_bar(True) as progress:
        made = asyncio.run(plan_sweep(settings, catalogue, job, at=at, progress=progress))
    click.echo("\n".join(made.lines()))
    if out is not None:
        made.save(out)
        click.echo(words.text("plan.saved", out=out, job=job.name))


@click.command(cls=SpeakingCommand)
@click.argument("run_id", type=int)
@click.option("--yes", "-y", is_flag=True, help="Do not ask; unarchive at once.")
@click.pass_context
def undo(ctx: click.Context, run_id: int, yes: bool) -> None:
    """Unarchive every chat a sweep run archived (shows them and asks first)."""
    import asyncio

    from runner import words

    settings = settings_of(ctx)

    def confirm(plan: UndoPlan) -> bool:
        click.echo("\n".join(plan.lines()))
        return yes or click.confirm(words.text("undo.confirm", n=len(plan.chats)), default=False)

    result = asyncio.run(undo_run(settings, run_id, confirm=confirm))
    if result is None:
        click.echo(words.text("undo.nothing"))
        sys.exit(1)
    click.echo("\n".join(result.lines()))
    sys.exit(1 if result.failed else 0)


async def plan_sweep(
    settings: Settings,
    catalogue: Catalogue,
    job: JobSpec,
    *,
    at: datetime | None = None,
    progress: Progress = no_progress,
) -> plans.SweepPlan:
    """What the sweep ``job`` would do if it ran now (or at ``at``, naive = the job's zone)."""
    from zoneinfo import ZoneInfo

    from runner import app
    from runner.kinds.sweep.planning import plan_in, sweep_params
    from runner.runtime import shifted_clock, system_clock

    sweep_params(job)
    clock = system_clock
    if at is not None:
        clock = shifted_clock(at if at.tzinfo else at.replace(tzinfo=ZoneInfo(job.timezone)))
    async with app.runtime(settings, catalogue, clock=clock) as rt:
        return await plan_in(rt, job, progress)


def sweep_rules(settings: Settings, job: str) -> SweepParams | None:
    """The sweep job's fields from the catalogue, or None if they cannot be read (undo
    does not need the catalogue, so a broken or changed one does not stop it)."""
    from runner.catalogue import load_configured
    from runner.errors import RunnerError
    from runner.kinds.sweep.params import SweepParams

    try:
        spec = load_configured(settings).jobs.get(job)
    except (RunnerError, OSError):
        return None
    params = spec.params if spec is not None else None
    return params if isinstance(params, SweepParams) else None


async def undo_run(
    settings: Settings, run_id: int, *, confirm: Callable[[UndoPlan], bool]
) -> UndoResult | None:
    """Plan the undo, ask ``confirm(plan)``, then do it; None when not confirmed."""
    from runner import app
    from runner.kinds.sweep.undo import apply
    from runner.kinds.sweep.undo import plan as plan_undo
    from runner.offload import blocking

    state = await app.open_store(settings)
    client = app.make_client(settings)
    try:
        undo = await plan_undo(state, client, run_id, await blocking(app.job_zones, settings))
        undo.rules = await blocking(sweep_rules, settings, undo.run.job)
        if not confirm(undo):
            return None
        return await apply(state, client, undo)
    finally:
        await client.aclose()
        await state.close()


COMMANDS = (plan, undo)
