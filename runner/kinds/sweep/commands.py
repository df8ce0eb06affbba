"""The commands the sweep adds to ``pachca-runner``: ``plan`` and ``undo``."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path

import click

from runner.cli import TIME_FORMATS, load, settings_of
from runner.cli_help import SpeakingCommand


@click.command(cls=SpeakingCommand)
@click.argument("name")
@click.option("--out", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also save the plan (JSON) for `run-job NAME --plan FILE`.")
@click.option("--at", "at", type=click.DateTime(TIME_FORMATS), default=None, metavar="WHEN",
              help="Plan as if at this time (in the job's time zone).")
@click.pass_context
def plan(ctx: click.Context, name: str, out: Path | None, at: datetime | None) -> None:
    """Sweeps: what the next run would do to which chat, and why; touches nothing."""
    from runner import app, console, words
    from runner.kinds.sweep import planning

    settings = settings_of(ctx)
    catalogue = load(settings)
    job = app.find_job(catalogue, name)
    with console.progress_bar(True) as progress:
        made = asyncio.run(planning.plan_sweep(settings, catalogue, job, at=at,
                                               progress=progress))
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
    from runner import words
    from runner.kinds.sweep import undo as undo_mod

    settings = settings_of(ctx)

    def confirm(plan: undo_mod.UndoPlan) -> bool:
        click.echo("\n".join(plan.lines()))
        return yes or click.confirm(words.text("undo.confirm", n=len(plan.chats)), default=False)

    result = asyncio.run(undo_mod.undo_run(settings, run_id, confirm=confirm))
    if result is None:
        click.echo(words.text("undo.nothing"))
        sys.exit(1)
    click.echo("\n".join(result.lines()))
    sys.exit(1 if result.failed else 0)


COMMANDS = (plan, undo)
