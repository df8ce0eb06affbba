"""The top group of ``pachca-runner`` and what its commands share: error lines and exit
codes, settings, the catalogue, time formats, writing a file or printing it.
"""

from __future__ import annotations

import gc
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from runner.cli_help import SpeakingGroup
from runner.errors import RunnerError

if TYPE_CHECKING:
    from collections.abc import Callable

    from runner.catalogue import Catalogue
    from runner.render import Renderer
    from runner.settings import Settings


TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


class Moment(click.DateTime):
    """A ``--at`` / ``--from`` moment: one of TIME_FORMATS, within the years schedules and
    periods can compute (year 1 or 9999 overflowed the date arithmetic)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        from runner import words
        from runner.periods import FIRST_DAY, LAST_DAY

        if not isinstance(value, datetime) and not any(
            _parsed(str(value), time_format) for time_format in self.formats
        ):  # click's own message lists strptime's codes (%Y-%m-%d)
            self.fail(words.text("cli.moment_format", got=value), param, ctx)
        moment = super().convert(value, param, ctx)
        if not FIRST_DAY <= moment.date() <= LAST_DAY:
            self.fail(words.text("cli.moment_range", got=value, low=FIRST_DAY, high=LAST_DAY),
                      param, ctx)
        return moment


def _parsed(text: str, time_format: str) -> datetime | None:
    try:
        return datetime.strptime(text, time_format)
    except ValueError:
        return None


MOMENT = Moment(TIME_FORMATS)


class RunnerGroup(SpeakingGroup):
    """Turns RunnerError into one readable line and its exit code; speaks the chosen
    language in --help. The top group (``with_kinds``) also offers the commands job
    kinds add (``registry.commands``: their ``commands`` modules, not the kinds), looked
    up only when a command is not one of its own (so a built-in command starts fast)."""

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

        before = words.chosen()  # .env's language, chosen before the command line was read
        try:
            return super().invoke(ctx)
        except RunnerError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                # The traceback, and still the exit code scripts rely on (2: bad input).
                import traceback

                traceback.print_exc()
            _fail(exc)
        finally:
            words.use(before)  # the language chosen from settings ends with the command
            gc.unfreeze()  # what `load` froze: a process that goes on (tests) collects it


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
    log_to(ctx, settings)
    return settings


def log_to(ctx: click.Context, settings: Settings, zone: str | None = None) -> None:
    """The log in the settings' format (may come from .env), times in ``zone``."""
    from zoneinfo import ZoneInfo

    from runner import logs

    logs.configure(verbose=ctx.obj.get("verbose", False), debug=ctx.obj.get("debug", False),
                   fmt=settings.log_format, zone=ZoneInfo(zone) if zone else None)


def load(settings: Settings, path: Path | None = None, *,
         renderer_factory: Callable[[Path], Renderer] | None = None) -> Catalogue:
    """The validated catalogue, templates included (checked by ``renderer_factory``'s
    renderer, as for ``validate``).

    What loading made is frozen out of the collector's walks until the command ends
    (``collector_paused``; ``RunnerGroup.invoke`` unfreezes), and again at the process's
    exit, whose full collections walked it for over a second of a 10,000-job
    ``validate`` only to hand the memory back to the system anyway. (Objects left in
    cycles are then not finalised at exit; Python never promises they are, and the
    runner closes what it opens explicitly.)
    """
    import atexit

    from runner import words
    from runner.catalogue import load_configured
    from runner.catalogue.masks import mask_logs
    from runner.collector import collector_paused

    with collector_paused(freeze=True):
        catalogue = load_configured(settings, path, renderer_factory=renderer_factory)
    atexit.unregister(gc.freeze)  # once, however often a catalogue is loaded
    atexit.register(gc.freeze)
    mask_logs(catalogue.mask)  # what is logged from now on hides this catalogue's ${VAR} values
    for warning in catalogue.warnings:
        click.echo(words.text("cli.warning", detail=warning), err=True)
    return catalogue
