"""Values that came from ``${VAR}``, and how to keep them out of every message.

The loader records each value it fills in from the environment together with the
reference that produced it. Any text meant for an operator (a problem found in the
file or in a template, a run's error) goes through ``Masks.hide`` once, where it is
made: whatever part of it repeats a recorded value (whole, cut short as messages quote
long values, or as a piece of a longer name) is replaced by the reference as written,
``${NAME}``. So no message has to remember to hide what it quotes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.errors import Problem

MIN_SECRET = 4
"""Shorter values are not hidden inside other text: "ru" or "42" are no secrets, and
hiding them would garble line numbers and limits the message states."""
_RUN = 12
"""A piece of a value this long (or the whole of a shorter value) found in a message is
taken for a quote of it: a message may cut a long value short or quote part of it."""


@dataclass
class Masks:
    """Interpolated values (and the ``${NAME}`` each came from) to hide from messages."""

    _refs: dict[str, str] = field(default_factory=dict)

    def add(self, value: str, reference: str) -> None:
        """Remember that ``value`` was filled in by ``reference`` (e.g. ``${TOKEN}``)."""
        if len(value) < MIN_SECRET:
            return
        for form in (value, repr(value)[1:-1], value.lower(), value.upper()):
            if len(form) == len(value) or form == repr(value)[1:-1]:
                self._refs.setdefault(form, reference)

    def __bool__(self) -> bool:
        return bool(self._refs)

    def hide(self, text: str) -> str:
        """``text`` with every quote of a recorded value replaced by its reference."""
        if not self._refs or not text:
            return text
        forms = sorted(self._refs, key=len, reverse=True)
        for value in forms:  # whole quotes first: a piece must not split a whole one
            text = text.replace(value, self._refs[value])
        for value in forms:
            text = _replace_runs(text, value, self._refs[value])
        return text

    def problem(self, problem: Problem, *, keep_file: str = "") -> Problem:
        """``problem`` with its message (and file, unless it is ``keep_file``) hidden."""
        file = problem.file if problem.file == keep_file else self.hide(problem.file)
        return replace(problem, file=file, message=self.hide(problem.message))


def _replace_runs(text: str, value: str, reference: str) -> str:
    """``text`` with each run of ``_RUN`` or more characters of ``value`` replaced."""
    size = min(len(value), _RUN)
    pieces = {value[i:i + size] for i in range(len(value) - size + 1)}
    out: list[str] = []
    done = i = 0
    while i <= len(text) - size:
        if text[i:i + size] not in pieces:
            i += 1
            continue
        end = i + size
        while end < len(text) and text[i:end + 1] in value:
            end += 1
        out += [text[done:i], reference]
        done = i = end
    return "".join(out) + text[done:]


class _LogMask(logging.Filter):
    """Rewrites each record's message (and traceback) through ``hide`` before it is shown."""

    def __init__(self, hide: Callable[[str], str]) -> None:
        super().__init__()
        self.hide = hide

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = self.hide(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.hide(record.exc_text)
        return True


def mask_logs(hide: Callable[[str], str]) -> None:
    """Hide values from ``${VAR}`` in everything the root logger's handlers write.

    A later call (a reloaded catalogue) replaces the earlier mask.
    """
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, _LogMask)]:
            handler.removeFilter(old)
        handler.addFilter(_LogMask(hide))
