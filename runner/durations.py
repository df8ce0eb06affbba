"""Durations as operators write them: ``30s``, ``15m``, ``2h``, ``1d``, ``1h30m`` or seconds."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from runner import words

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?\s*[dhms]\s*)+")
PATTERN = r"^\s*(\d+(\.\d+)?\s*[dhmsDHMS]\s*)+$|^\s*\d+(\.\d+)?\s*$"
"""What a duration looks like as text, for the JSON Schema of jobs.yaml."""
JSON_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string", "pattern": PATTERN},
              {"type": "number", "minimum": 0, "maximum": 366 * 86400.0}]
}
"""A duration in the JSON Schema: text (15m) or seconds, not only pydantic's "number"."""


_SPELLED = re.compile(r"(\d+)\s*([^\d\s,]+)[\s,]*")
_UNIT_WORDS = {
    "s": {"s", "sec", "secs", "second", "seconds", "с", "сек", "секунда", "секунды", "секунд",
          "секунду"},
    "m": {"min", "mins", "minute", "minutes", "м", "мин", "минута", "минуты", "минут",
          "минуту"},
    "h": {"h", "hr", "hrs", "hour", "hours", "ч", "час", "часа", "часов"},
    "d": {"d", "day", "days", "д", "дн", "день", "дня", "дней", "сут", "сутки", "суток"},
}
"""Unit words in English and Russian, each with the letter a duration writes for it."""


def _spelled_out(text: str) -> str | None:
    """``5m`` for '5 minutes' or '5 мин', ``1h30m`` for '1 час 30 минут'; None unless the
    whole text is numbers each followed by a unit word."""
    if _SPELLED.sub("", text):
        return None
    short = []
    for number, word in _SPELLED.findall(text):
        unit = next((u for u, known in _UNIT_WORDS.items() if word in known), None)
        if unit is None:
            return None
        short.append(f"{number}{unit}")
    return "".join(short) or None


def parse_duration(value: Any) -> float:
    """Seconds in ``value``; ValueError with a message an operator can act on.

    ValueError even for a wrong type: pydantic turns only ValueError into a field error.
    """
    if isinstance(value, bool):
        raise ValueError(words.text("duration.bad", got=str(value).lower()))  # noqa: TRY004
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(words.text("duration.negative"))
        return float(value)
    if not isinstance(value, str):
        # Python's names for the type (dict, NoneType) mean nothing to an operator
        if isinstance(value, dict | list | tuple) or value is None:
            got = words.text("got.mapping" if isinstance(value, dict) else
                             "got.list" if value is not None else "got.empty")
        else:  # a date YAML read (2026-01-01)
            got = str(value)[:60]
        raise ValueError(words.text("duration.bad", got=got))  # noqa: TRY004
    text = value.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    clock = re.fullmatch(r"(\d+):([0-5]\d)", text)
    if clock is not None:  # 1:30: hours and minutes, or minutes and seconds?
        hours, minutes = int(clock[1]), int(clock[2])
        raise ValueError(words.text("duration.clock", got=f"'{value}'",
                                    hm=f"{hours}h{minutes}m", ms=f"{hours}m{minutes}s"))
    if not text or not _WHOLE.fullmatch(text):
        short = _spelled_out(text)
        if short is not None:
            raise ValueError(words.text("duration.spelled", got=f"'{value}'", short=short))
        raise ValueError(words.text("duration.bad", got=f"'{value}'"))
    units = [unit for _, unit in _PART.findall(text)]
    if len(set(units)) != len(units):
        raise ValueError(words.text("duration.repeat", got=f"'{value}'"))
    return sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(text))


def format_duration(seconds: float) -> str:
    """The short form of ``seconds``: 5400 -> ``1h30m``."""
    rest = round(seconds)
    if rest == 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        n, rest = divmod(rest, int(size))
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts)


DAY = 86400.0
LONGEST = 366 * DAY
"""No duration in jobs.yaml may be longer: a year covers every schedule and wait, and
longer ones overflow date arithmetic (a `catchup` of 10^12 days stopped the daemon)."""


def parse_within(low: float, high: float, value: Any) -> float:
    """``parse_duration(value)``, refused with the allowed range unless low <= it <= high."""
    seconds = parse_duration(value)
    if not low <= seconds <= high:
        raise ValueError(words.text("duration.range", low=format_duration(low),
                                    high=format_duration(high), got=f"'{str(value)[:40]}'"))
    return seconds


def _check(low: float, high: float) -> BeforeValidator:
    return BeforeValidator(partial(parse_within, low, high))


def _schema(low: float, high: float) -> WithJsonSchema:
    text, _ = JSON_SCHEMA["anyOf"]
    return WithJsonSchema({"anyOf": [text, {"type": "number", "minimum": low, "maximum": high}]})


Duration = Annotated[float, _check(0, LONGEST), _schema(0, LONGEST)]
"""A pydantic field type: a duration in seconds (0 to 366 days), in the operator's notation."""
UpToDay = Annotated[float, _check(0, DAY), _schema(0, DAY)]
"""A duration of at most a day (a random delay before a run)."""
Interval = Annotated[float, _check(1, DAY), _schema(1, DAY)]
"""How often something is repeated within the process: 1 second to a day."""
RunTimeout = Annotated[float, _check(1, 7 * DAY), _schema(1, 7 * DAY)]
"""How long a run may take: 1 second to a week."""
