"""``--help`` and click's own messages in the operator's language.

Click writes its texts (``Usage:``, ``Options``, ``Error: ...``, ``Missing argument``)
through gettext's default domain, which reads the locale, not ``PACHCA_RUNNER_LANG``;
``speak_click`` points those lookups at ``runner.words.translated`` instead. The
commands' and options' own help is English in the code (docstrings, ``help=``) and
is swapped for its Russian text each time help is drawn, so one process can show
either language.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import click
from click import core, decorators, exceptions, formatting, parser, termui, types

from runner import words

_CLICK_MODULES = (core, decorators, exceptions, formatting, parser, termui, types)


def _gettext(message: str) -> str:
    return words.translated(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return words.translated(singular if n == 1 else plural)


def speak_click() -> None:
    """Let click's own texts follow the chosen language (idempotent)."""
    for module in _CLICK_MODULES:
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]


class _Speaking:
    """Mixed into our commands: their help and their options' help in the chosen language."""

    help: str | None
    short_help: str | None
    params: list[click.Parameter]

    def _speak(self) -> None:
        if not hasattr(self, "_english"):  # first use: the texts are still the code's English
            self._english = (self.help, self.short_help,
                             {p.name: getattr(p, "help", None) for p in self.params})
        help_, short, options = self._english
        self.help, self.short_help = _say(help_), _say(short)
        for param in self.params:
            if isinstance(param, click.Option) and param.name in options:
                param.help = _say(options[param.name])

    def english_texts(self) -> list[str]:
        """The command's help and its options' help as the code writes them (English)."""
        if hasattr(self, "_english"):
            help_, short, options = self._english
        else:
            help_, short = self.help, self.short_help
            options = {p.name: getattr(p, "help", None) for p in self.params}
        return [t for t in (help_, short, *options.values()) if t]

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """The --help option, its text in the chosen language."""
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = words.translated("Show this message and exit.")
        return option

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The help page, in the chosen language."""
        self._speak()
        super().format_help(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        """The one-line help in a group's list, in the chosen language."""
        self._speak()
        return super().get_short_help_str(limit)  # type: ignore[misc]


def _say(english: str | None) -> str | None:
    return None if english is None else words.translated(english)


class SpeakingCommand(_Speaking, click.Command):
    """A command whose help follows PACHCA_RUNNER_LANG."""


class SpeakingGroup(_Speaking, click.Group):
    """A group whose help, and its commands' help, follow PACHCA_RUNNER_LANG."""

    command_class = SpeakingCommand
    group_class: Any = type  # subgroups are of the group's own class

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line, click's own texts in the chosen language."""
        speak_click()
        # The settings read PACHCA_RUNNER_LANG from .env too, but only once a command
        # runs: --help, click's usage errors and the settings' own errors come first.
        words.use(dotenv_language())
        try:
            return super().main(*args, **kwargs)
        finally:
            words.use(None)


def dotenv_language() -> str | None:
    """PACHCA_RUNNER_LANG as the ``.env`` file the settings read sets it, when the
    environment does not (the environment wins there too); None otherwise."""
    if "PACHCA_RUNNER_LANG" in os.environ:
        return None
    try:
        text = Path(".env").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    from dotenv import dotenv_values

    value = dotenv_values(stream=io.StringIO(text)).get("PACHCA_RUNNER_LANG")
    return value if value in words.LANGS else None
