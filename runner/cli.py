"""The ``pachca-runner`` command: parse, build objects, call the library, map errors.

No logic lives here (rule: cli only parses and wires). Heavy imports happen inside
the commands, so ``pachca-runner --help`` starts fast. Exit codes: 0 success, 1 a job
failed, 2 bad input (usage, catalogue, settings).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from runner.cli_help import SpeakingGroup
from runner.errors import InputError, RunnerError

if TYPE_CHECKING:
    from runner.catalogue import Catalogue
    from runner.settings import Settings


TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


class RunnerGroup(SpeakingGroup):
    """Turns RunnerError into one readable line and its exit code; speaks the chosen
    language in --help. The top group (``with_kinds``) also offers the commands job
    kinds add (``JobKind.commands``), loading the kinds only when a command is not one
    of its own (so a built-in command starts fast)."""

    with_kinds = False

    def _kinds_commands(self) -> dict[str, click.Command]:
        if not self.with_kinds:
            return {}
        from runner.kinds import registry

        return {n: c for n, c in registry.commands().items() if n not in self.own}

    @property
    def own(self) -> dict[str, click.Command]:
        """The commands defined here, without the kinds'."""
        return self.__dict__.setdefault("_own", {})

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        """Every command: this module's and the kinds'."""
        return {**self.own, **self._kinds_commands()}

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self.__dict__["_own"] = dict(value)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Add one of this module's commands."""
        name = name or cmd.name
        if name is None:
            raise TypeError("a command needs a name")
        self.own[name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A command of this module, else of a kind."""
        return self.own.get(cmd_name) or self._kinds_commands().get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, sorted."""
        return sorted(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        from runner import words

        try:
            return super().invoke(ctx)
        except RunnerError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                # The traceback, and still the exit code scripts rely on (2: bad input).
                import traceback

                traceback.print_exc()
            _fail(exc)
        finally:
            words.use(None)  # the language chosen from settings ends with the command


def _fail(exc: RunnerError) -> NoReturn:
    from runner import words
    from runner.errors import CatalogueError

    if isinstance(exc, CatalogueError) and len(exc.problems) > 1:
        for problem in exc.problems:
            click.echo(words.text("cli.error", detail=problem), err=True)
        click.echo(words.text("cli.problems", n=len(exc.problems)), err=True)
    else:
        click.echo(words.text("cli.error", detail=exc), err=True)
    sys.exit(exc.exit_code)


@click.group(cls=RunnerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pachca-runner", prog_name="pachca-runner")
@click.option("--catalogue", "-c", type=click.Path(path_type=Path), default=None,
              help="The job catalogue (default: $PACHCA_RUNNER_CATALOGUE or ./jobs.yaml).")
@click.option("--debug", is_flag=True, help="Show full tracebacks and debug logs.")
@click.option("--verbose", "-v", is_flag=True, help="Show what happens, step by step.")
@click.pass_context
def main(ctx: click.Context, catalogue: Path | None, debug: bool, verbose: bool) -> None:
    """Scheduled automation for Pachca: digests, reports, sweeps, exports."""
    from runner import logs

    logs.configure(verbose=verbose, debug=debug)
    ctx.obj = {"debug": debug, "verbose": verbose, "catalogue": catalogue}


main.with_kinds = True  # the kinds' commands sit beside ours


def settings_of(ctx: click.Context) -> Settings:
    """Settings from the environment, with the command line's overrides."""
    from runner import words
    from runner.settings import load_settings

    settings = load_settings(catalogue=ctx.obj.get("catalogue"))
    words.use(settings.lang)  # PACHCA_RUNNER_LANG may come from .env, not the environment
    _log_to(ctx, settings)
    return settings


def _log_to(ctx: click.Context, settings: Settings, zone: str | None = None) -> None:
    """The log in the settings' format (may come from .env), times in ``zone``."""
    from zoneinfo import ZoneInfo

    from runner import logs

    logs.configure(verbose=ctx.obj.get("verbose", False), debug=ctx.obj.get("debug", False),
                   fmt=settings.log_format, zone=ZoneInfo(zone) if zone else None)


def load(settings: Settings, path: Path | None = None) -> Catalogue:
    """The validated catalogue, templates included."""
    from runner import words
    from runner.catalogue import load_configured
    from runner.catalogue.masks import mask_logs

    catalogue = load_configured(settings, path)
    mask_logs(catalogue.mask)  # what is logged from now on hides this catalogue's ${VAR} values
    for warning in catalogue.warnings:
        click.echo(words.text("cli.warning", detail=warning), err=True)
    return catalogue


@main.command()
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option("--offline", is_flag=True,
              help="Do not ask Pachca whether the token may post to each recipient.")
@click.pass_context
def validate(ctx: click.Context, file: Path | None, offline: bool) -> None:
    """Check the catalogue and its templates, and (with a token) that the token may post
    to every recipient; list every problem."""
    from runner import app, words

    settings = settings_of(ctx)
    catalogue = load(settings, file)
    file_, n = catalogue.path, len(catalogue.jobs)
    if offline or settings.token is None or not settings.token.get_secret_value():
        why = "--offline" if offline else words.text("validate.no_token")
        click.echo(words.text("validate.ok_unchecked", file=file_, n=n, why=why))
        return
    problems = asyncio.run(app.check_access(settings, catalogue))
    for job, check in problems:
        click.echo(words.text("validate.cannot_post", job=job, label=check.label,
                              problem=check.problem), err=True)
    if problems:
        click.echo(words.text("validate.problems", file=file_, n=len(problems)), err=True)
        sys.exit(1)
    click.echo(words.text("validate.ok", file=file_, n=n))


@main.command()
@click.option("--from", "start", type=click.DateTime(TIME_FORMATS), default=None, metavar="WHEN",
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


@main.command("hash-password")
def hash_password() -> None:
    """Ask for a password; print its argon2 hash for PACHCA_RUNNER_CONSOLE_USERS."""
    from runner import words
    from runner.web.auth import hash_password as make

    password = click.prompt(words.text("cli.password"), hide_input=True,
                            confirmation_prompt=True)
    click.echo(make(password))


@main.command("run-job")
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="Touch nothing; print what would be done.")
@click.option("--at", "at", type=click.DateTime(TIME_FORMATS), default=None, metavar="WHEN",
              help="Run as if at this time (in the job's time zone).")
@click.option("--plan", "plan_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Sweeps: apply exactly this saved plan (from `plan NAME --out"
              " FILE`); chats that changed since are skipped.")
@click.pass_context
def run_job(
    ctx: click.Context, name: str, dry_run: bool, at: datetime | None, plan_file: Path | None
) -> None:
    """Run one job once, now, and print what it did."""
    from runner import app, console

    settings = settings_of(ctx)
    catalogue = load(settings)
    job = app.find_job(catalogue, name)
    plan = None
    if plan_file is not None:
        from runner.kinds.registry import get_kind

        plan = get_kind(job.kind).read_plan(plan_file, job)
    with console.progress_bar(True) as progress:
        outcome = asyncio.run(
            app.run_once(settings, catalogue, job, dry_run=dry_run, at=at, progress=progress,
                         plan=plan)
        )
    console.print_outcome(outcome, dry_run=outcome.dry_run)
    sys.exit(0 if outcome.status != "failed" else 1)


@main.command()
@click.argument("name")
@click.pass_context
def preview(ctx: click.Context, name: str) -> None:
    """Render the job's messages from live data; post nothing."""
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
@click.option("--from", "start", type=click.DateTime(TIME_FORMATS), default=None, metavar="WHEN",
              help="Count fire times and chats as of this moment (job's time zone), not now.")
@click.pass_context
def diff(ctx: click.Context, old: Path, new: Path, start: datetime | None) -> None:
    """What changing the catalogue from OLD to NEW does: jobs added and removed,
    schedules moved, and the chats a changed sweep would affect now (needs the token)."""
    from runner import changes
    from runner.catalogue import load_configured
    from runner.catalogue.diff import lines

    settings = settings_of(ctx)
    before = load_configured(settings, old, templates=False)
    after = load_configured(settings, new, templates=False)
    result = asyncio.run(changes.diff_catalogues(settings, before, after, now=start))
    click.echo("\n".join(lines(result)))


@main.command()
@click.option("--out", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the schema to this file (e.g. jobs.schema.json) instead of printing.")
def schema(out: Path | None) -> None:
    """The JSON Schema of jobs.yaml: editors then complete fields and flag mistakes."""
    from runner.catalogue.schema import catalogue_schema, dumps

    _write(dumps(catalogue_schema()), out)


@main.group()
def docs() -> None:
    """Reference pages made from the code (job kinds, settings)."""


@docs.command("kinds")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of the page.")
@click.option("--out", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to this file (docs/kinds.md, docs/kinds.ru.md) instead of printing.")
def docs_kinds(lang: str, out: Path | None) -> None:
    """The job-kind reference: every field, its type, default, meaning and an example."""
    from runner.catalogue.schema import catalogue_schema
    from runner.reference import kinds_markdown

    _write(kinds_markdown(catalogue_schema(), lang), out)


@docs.command("templates")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of the page.")
@click.option("--out", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to this file (docs/templates.md, docs/templates.ru.md).")
def docs_templates(lang: str, out: Path | None) -> None:
    """The variables each template gets, the filters, and the alerts, bot and unfurl
    sections of the catalogue."""
    from runner.template_docs import templates_markdown

    _write(templates_markdown(lang), out)


@docs.command("settings")
def docs_settings() -> None:
    """The settings table (environment variables) of the README."""
    from runner.reference import settings_markdown

    click.echo(settings_markdown(), nl=False)


def _write(text: str, out: Path | None) -> None:
    """Print ``text``, or write it to ``out`` and say so."""
    from runner import words

    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{out}: " + words.text("file.unwritable", reason=exc.strerror)) from None
    click.echo(words.text("cli.wrote", path=out))


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the scheduler until stopped (SIGTERM/Ctrl+C); SIGHUP reloads the catalogue."""
    from runner import app

    settings = settings_of(ctx)
    catalogue = load(settings)
    _log_to(ctx, settings, catalogue.timezone)  # the daemon's lines tell time as its jobs do
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


@main.command()
@click.option("--keep", is_flag=True, help="Keep the workspace running afterwards.")
@click.pass_context
def demo(ctx: click.Context, keep: bool) -> None:
    """Start the embedded workspace and run every sample job once against it."""
    from runner import demo as demo_mod

    settings = settings_of(ctx)
    code = demo_mod.run_demo(settings, keep=keep)
    sys.exit(code)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), default=".")
def init(folder: Path) -> None:
    """Start a catalogue in FOLDER (default: here): jobs.yaml with comments, its schema,
    templates/ and .env.example; never overwrites a file."""
    from runner import words
    from runner.defaults import init_folder

    written = init_folder(folder)
    for path in written:
        click.echo(f"  {path}")
    click.echo(words.text("init.done", n=len(written), folder=folder))


@main.command()
@click.option("--search", "-s", default=None, help="Only chats whose name holds TEXT.")
@click.pass_context
def chats(ctx: click.Context, search: str | None) -> None:
    """Chat ids for jobs.yaml: the token's chats and open ones, its role in each, and
    whether it may post there and archive them."""
    from runner import lookup

    found = asyncio.run(lookup.find_chats(settings_of(ctx), search))
    click.echo("\n".join(lookup.chat_lines(found, search)))


@main.command()
@click.option("--search", "-s", default=None,
              help="Only users whose name, nickname or email holds TEXT.")
@click.pass_context
def users(ctx: click.Context, search: str | None) -> None:
    """User ids for jobs.yaml: id, name, nickname, workspace role."""
    from runner import lookup

    found = asyncio.run(lookup.find_users(settings_of(ctx), search))
    click.echo("\n".join(lookup.user_lines(found, search)))


@main.group()
def workspace() -> None:
    """The embedded Pachca workspace (for trying things without an account)."""


@workspace.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8081, show_default=True, type=int, help="Port to listen on.")
@click.option("--seed", default=1, show_default=True, type=int,
              help="Same seed, same data; the sample jobs.yaml's ids are seed 1's.")
@click.option("--speed", default=1.0, show_default=True, type=float,
              help="Multiply the rate limits (and divide delays) by this.")
def workspace_serve(host: str, port: int, seed: int, speed: float) -> None:
    """Serve the demo's workspace until Ctrl+C; prints the variables for the runner."""
    from runner import words
    from runner.demo import runner_variables, workspace_config
    from runner.workspace.server import serve_forever

    def ready(info: dict[str, Any]) -> None:
        click.echo(words.text("ws.at", url=info["base_url"]))
        for line in runner_variables(info):
            click.echo(f"  {line}")
        click.echo(words.text("ws.stop"), nl=True)
        sys.stdout.flush()

    serve_forever(workspace_config(seed=seed, speed=speed), host, port, on_ready=ready)


@main.group()
def bot() -> None:
    """The bot: poll its events, point its webhook at this runner, check its settings."""


@bot.command("poll")
@click.option("--once", is_flag=True, help="One pass over the event history, then exit.")
@click.pass_context
def bot_poll(ctx: click.Context, once: bool) -> None:
    """Handle the bot's pending events (clicks, links), deleting each once handled."""
    from runner import app

    settings = settings_of(ctx)
    result = asyncio.run(app.poll_command(settings, load(settings), once=once))
    click.echo(result.summary())


@bot.command("set-webhook")
@click.option("--bot-id", type=int, default=None,
              help="The bot's id (its user id); only with a user's token, not the bot's own.")
@click.option("--url", default=None, help="Webhook URL (default: public URL + bot.webhook_path).")
@click.pass_context
def bot_set_webhook(ctx: click.Context, bot_id: int | None, url: str | None) -> None:
    """Point the bot's outgoing webhook at this runner; prints what is now configured."""
    from runner.bot import admin

    settings = settings_of(ctx)
    status = asyncio.run(admin.set_webhook(settings, load(settings).bot, bot_id, url))
    click.echo("\n".join(status.lines()))


@bot.command("status")
@click.option("--bot-id", type=int, default=None,
              help="The bot's id (its user id); only with a user's token, not the bot's own.")
@click.pass_context
def bot_status(ctx: click.Context, bot_id: int | None) -> None:
    """Show the token's scopes and the bot's webhook URL, events and history, and whether
    they match this runner."""
    from runner.bot import admin

    settings = settings_of(ctx)
    status = asyncio.run(admin.status(settings, load(settings).bot, bot_id))
    click.echo("\n".join(status.lines()))


def _usage(message: str) -> NoReturn:
    raise InputError(message)


if __name__ == "__main__":  # pragma: no cover
    main()
