"""The operator's commands for jobs: check, list, pause, run, preview, compare,
run the daemon, read the history. Each imports what it runs (asyncio too), so that
``--help`` and the commands that only read stay quick.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from runner.cli.group import MOMENT, load, log_to, main, settings_of
from runner.errors import InputError

if TYPE_CHECKING:
    from runner.render import Renderer


@main.command()
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option("--offline", is_flag=True,
              help="Do not ask Pachca whether the token may post to each recipient.")
@click.pass_context
def validate(ctx: click.Context, file: Path | None, offline: bool) -> None:
    """Check the catalogue and its templates, and (with a token) that the token may post
    to every recipient; list every problem."""
    from runner import words

    settings = settings_of(ctx)
    catalogue = load(settings, file)
    file_, n = catalogue.path, len(catalogue.jobs)
    if offline or settings.token is None or not settings.token.get_secret_value():
        why = "--offline" if offline else words.text("validate.no_token")
        click.echo(words.text("validate.ok_unchecked", file=file_, n=n, why=why))
        return
    import asyncio

    from runner import app  # the client and the runtime: only to ask Pachca
    from runner.catalogue.models import ALERTS

    problems = asyncio.run(app.check_access(settings, catalogue))
    for job, field, check in problems:
        line = catalogue.line_of(job, field)
        where = f"{file_}:{line}" if line else str(file_)
        path = f"alerts.{field}" if job == ALERTS else f"jobs.{job}.{field}"
        click.echo(words.text("validate.cannot_post", where=where, path=path,
                              label=check.label, problem=check.problem), err=True)
    if problems:
        click.echo(words.text("validate.problems", file=file_, n=len(problems)), err=True)
        sys.exit(1)
    click.echo(words.text("validate.ok", file=file_, n=n))


@main.command()
@click.option("--from", "start", type=MOMENT, default=None, metavar="WHEN",
              help="Show fire times from this moment instead of now (job's time zone).")
@click.option("--json", "as_json", is_flag=True, help="Print every job's row as JSON.")
@click.pass_context
def jobs(ctx: click.Context, start: datetime | None, as_json: bool) -> None:
    """List jobs: kind, schedule in words, next three fire times."""
    from runner import app, console

    settings = settings_of(ctx)
    catalogue = load(settings)
    paused = app.paused_jobs(settings)
    if as_json:
        console.print_jobs_json(catalogue, lang=settings.lang or "en", start=start,
                                paused=paused)
    else:
        console.print_jobs(catalogue, lang=settings.lang or "en", start=start, paused=paused)


@main.command()
@click.argument("name")
@click.option("--reason", default="", help="Why (shown in `jobs`, the console and the log).")
@click.pass_context
def pause(ctx: click.Context, name: str, reason: str) -> None:
    """Skip NAME's scheduled runs until `resume` (every replica; survives restarts)."""
    from runner import app, words

    settings = settings_of(ctx)
    app.find_job(load(settings), name)
    app.set_paused(settings, name, paused=True, who=app.operator_name(), reason=reason)
    click.echo(words.text("cli.paused", job=name))


@main.command()
@click.argument("name")
@click.pass_context
def resume(ctx: click.Context, name: str) -> None:
    """Run NAME on schedule again after `pause`."""
    from runner import app, words

    settings = settings_of(ctx)
    app.find_job(load(settings), name)
    if not app.set_paused(settings, name, paused=False, who=app.operator_name()):
        click.echo(words.text("cli.not_paused", job=name))
        sys.exit(1)
    click.echo(words.text("cli.resumed", job=name))


class _Checker:
    """The renderer factory of ``run-job``'s catalogue check, which keeps what it made:
    the run renders with it, its templates compiled once for both."""

    def __init__(self) -> None:
        self.made: Renderer | None = None

    def __call__(self, templates_dir: Path) -> Renderer:
        from runner.render import Renderer

        self.made = Renderer(templates_dir)
        return self.made


@main.command("run-job")
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="Touch nothing; print what would be done.")
@click.option("--at", "at", type=MOMENT, default=None, metavar="WHEN",
              help="Run as if at this time (in the job's time zone).")
@click.option("--plan", "plan_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Sweeps: apply exactly this saved plan (from `plan NAME --out"
              " FILE`); chats that changed since are skipped.")
@click.option("--rerun", "rerun", type=int, default=None, metavar="RUN",
              help="Finish failed run RUN (an id from `history`): what it did is not done"
              " again.")
@click.pass_context
def run_job(
    ctx: click.Context, name: str, dry_run: bool, at: datetime | None, plan_file: Path | None,
    rerun: int | None,
) -> None:
    """Run one job once, now, and print what it did."""
    import asyncio

    from runner.collector import collector_paused

    # The collector waits until the catalogue is loaded (``load`` then freezes what is
    # alive): what the imports and the loading make lives as long as the command, and
    # its collections meanwhile walked it over and over (~35 ms of CPU before the run).
    with collector_paused():
        from runner import app, console

        settings = settings_of(ctx)
        checked = _Checker()
        catalogue = load(settings, renderer_factory=checked)
    job = app.find_job(catalogue, name)
    plan = None
    if plan_file is not None:
        from runner.kinds.registry import get_kind

        plan = get_kind(job.kind).read_plan(plan_file, job)
    with console.progress_bar(True) as progress:
        outcome = asyncio.run(
            app.run_once(settings, catalogue, job, dry_run=dry_run, at=at, progress=progress,
                         plan=plan, rerun=rerun, renderer=checked.made)
        )
    console.print_outcome(outcome, dry_run=outcome.dry_run)
    sys.exit(0 if outcome.status != "failed" else 1)


@main.command()
@click.argument("name")
@click.pass_context
def preview(ctx: click.Context, name: str) -> None:
    """Render the job's messages from live data; post nothing."""
    import asyncio

    from runner import app, console

    settings = settings_of(ctx)
    catalogue = load(settings)
    job = app.find_job(catalogue, name)
    outcome = asyncio.run(app.run_once(settings, catalogue, job, dry_run=True, at=None))
    console.print_preview(outcome)
    sys.exit(0 if outcome.status != "failed" else 1)


@main.command()
@click.argument("old", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--from", "start", type=MOMENT, default=None, metavar="WHEN",
              help="Count fire times and chats as of this moment (job's time zone), not now.")
@click.pass_context
def diff(ctx: click.Context, old: Path, new: Path, start: datetime | None) -> None:
    """What changing the catalogue from OLD to NEW does: jobs added and removed,
    schedules moved, and the chats a changed sweep would affect now (needs the token)."""
    import asyncio

    from runner import changes
    from runner.catalogue import load_configured
    from runner.catalogue.diff import lines

    settings = settings_of(ctx)
    before = load_configured(settings, old, templates=False)
    after = load_configured(settings, new, templates=False)
    result = asyncio.run(changes.diff_catalogues(settings, before, after, now=start))
    click.echo("\n".join(lines(result)))


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the scheduler until stopped (SIGTERM/Ctrl+C); SIGHUP reloads the catalogue."""
    import asyncio

    from runner import app

    settings = settings_of(ctx)
    catalogue = load(settings)
    log_to(ctx, settings, catalogue.timezone)  # the daemon's lines tell time as its jobs do
    asyncio.run(app.run_daemon(settings, catalogue, reload=lambda: load(settings)))


@main.command(context_settings={"ignore_unknown_options": False})
@click.argument("target", nargs=-1, metavar="[NAME | show RUN_ID]")
@click.option("--limit", "-n", default=20, show_default=True, help="How many runs to show.")
@click.option("--failed", is_flag=True, help="Only runs that failed or were abandoned.")
@click.option("--since", default=None, metavar="WHEN",
              help="Only runs started since a date (2026-12-01), a date and time, or a"
              " duration back from now (2d, 12h).")
@click.option("--json", "as_json", is_flag=True, help="Print every field as JSON.")
@click.pass_context
def history(ctx: click.Context, target: tuple[str, ...], limit: int, failed: bool,
            since: str | None, as_json: bool) -> None:
    """The latest runs: id (for `undo`), job, fire, outcome, duration, then replica, counts
    and error; `history show RUN_ID` prints one run whole (its lines and effects)."""
    from runner import history_view, words

    settings = settings_of(ctx)
    if target[:1] == ("show",) and len(target) == 2:
        history_view.show_run(settings, target[1], as_json=as_json)
        return
    if len(target) > 1:
        raise InputError(words.text("history.usage"))
    history_view.show_history(settings, target[0] if target else None, limit=limit, failed=failed,
                     since=since, as_json=as_json)
