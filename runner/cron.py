"""Crontab lines, checked: the five fields' grammar (numbers, ranges, steps, month and
weekday names) and the plain-language problems of a line that is not one.

Apart from ``runner.schedule`` (which turns checked lines into APScheduler triggers) so
that reading a catalogue checks its schedules without importing APScheduler: ``history``
reads the catalogue for its jobs' time zones and builds no trigger.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass

from runner import words
from runner.errors import CronProblem

MONTHS = {
    name: i
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
WEEKDAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}

# Names an operator may write instead of crontab's: whole English words (`monday`, `june`
# start with crontab's name) and Russian abbreviations, each told as crontab's name.
_RUSSIAN = dict(zip(
    ("вс", "пн", "вт", "ср", "чт", "пт", "сб", "янв", "фев", "мар", "апр", "май", "июн", "июл",
     "авг", "сен", "окт", "ноя", "дек"),
    (*WEEKDAYS, *MONTHS), strict=True))

# (name in messages, low, high, names allowed)
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day", 1, 31, {}),
    ("month", 1, 12, MONTHS),
    ("weekday", 0, 7, WEEKDAYS),
)
_ITEM = re.compile(r"(?P<first>\*|[0-9a-z]+)(?:-(?P<last>[0-9a-z]+))?(?:/(?P<step>[0-9a-z]+))?")
_NICKNAMES = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
              "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
              "@hourly": "0 * * * *"}
"""Some crontabs' shorthands, with the five fields each stands for."""



def _problem(message_id: str, field: str | None = None, **values: object) -> CronProblem:
    """A CronProblem in the operator's language; ``field`` is one of _FIELDS' names."""
    if field is not None:
        values["field"] = words.text(f"cron.{field}")
    return CronProblem(words.text(message_id, **values))


@dataclass(frozen=True)
class Cron:
    """A checked crontab line: the values each field selects, and APScheduler's spelling."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday ... 6 = Saturday
    day_restricted: bool
    weekday_restricted: bool
    fields: tuple[str, str, str, str, str]  # as written, lower-cased


def _guess(item: str, names: dict[str, int]) -> str:
    """ " — did you mean 'mon-fri'?" for an item of misspelt or Russian names, or ""."""
    if not names:
        return ""
    guessed, changed = item, False
    for word in set(re.findall(r"[^\W\d_]+", item)):
        if word in names:
            continue
        found = word[:3] if word[:3] in names else _RUSSIAN.get(word[:3])
        if found not in names:
            found = words.closest(word, list(names))
        if found is None:
            return ""
        guessed, changed = re.sub(rf"\b{re.escape(word)}\b", found, guessed), True
    return words.suggest(guessed, [guessed]) if changed else ""


def _number(
    field: str, token: str, low: int, high: int, names: dict[str, int], item: str
) -> int:
    if token.isdigit():
        value = int(token)
    elif token in names:
        value = names[token]
    else:
        hint = words.text(f"cron.hint_{field}") if field in ("month", "weekday") else ""
        raise _problem("cron.token", field, token=token, low=low, high=high,
                       hint=hint + _guess(item, names))
    if not low <= value <= high:
        raise _problem("cron.range", field, low=low, high=high, value=value)
    return value


def _expand(field: str, text: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        m = _ITEM.fullmatch(item)
        if not item:
            raise _problem("cron.empty_item", field, text=text)
        if m is None:
            # Russian names (пн-пт) do not match at all: the guess helps most here.
            said = _problem("cron.unreadable", field, item=item)
            raise CronProblem(f"{said}{_guess(item, names)}")
        step = 1
        if m["step"] is not None:
            if not m["step"].isdigit() or int(m["step"]) < 1:
                raise _problem("cron.step", field)
            step = int(m["step"])
        if m["first"] == "*":
            if m["last"] is not None:
                raise _problem("cron.unreadable", field, item=item)
            first, last = low, high
        else:
            first = _number(field, m["first"], low, high, names, item)
            if m["last"] is not None:
                last_token = "7" if field == "weekday" and m["last"] == "sun" else m["last"]
                last = _number(field, last_token, low, high, names, item)
            else:
                last = high if m["step"] is not None else first
            if first > last:
                raise _problem("cron.backwards", field, first=m["first"], last=m["last"])
        values.update(range(first, last + 1, step))
    return values


def parse_cron(expr: str) -> Cron:
    """Check a standard five-field crontab line; CronProblem names the bad field."""
    if not isinstance(expr, str):
        raise _problem("cron.text")
    return _parsed(expr)


@functools.lru_cache(maxsize=4096)
def _parsed(expr: str) -> Cron:
    # Once per distinct line: a big catalogue repeats its schedules, and the daemon parses
    # each job's again when it builds the triggers. A Cron is frozen; a CronProblem is
    # raised anew each time (lru_cache keeps no exceptions).
    parts = expr.lower().split()
    if len(parts) != 5:
        if parts and parts[0] in _NICKNAMES:  # crontab's @daily and kin: not standard cron
            raise _problem("cron.nickname", nickname=parts[0], cron=_NICKNAMES[parts[0]])
        if parts and parts[0] in ("every", "каждые", "каждый", "каждую", "каждое"):
            raise _problem("cron.every")
        raise _problem("cron.fields", n=len(parts))
    sets = [_expand(name, part, lo, hi, nm) for part, (name, lo, hi, nm) in zip(parts, _FIELDS)]
    weekdays = frozenset(d % 7 for d in sets[4])
    day_restricted = not parts[2].startswith("*")
    weekday_restricted = not parts[4].startswith("*")
    if not (day_restricted and weekday_restricted):
        longest = max(calendar.monthrange(2024, m)[1] for m in sets[3])
        if min(sets[2]) > longest:
            raise _problem("cron.never", expr=expr)
    return Cron(
        text=expr,
        minutes=frozenset(sets[0]),
        hours=frozenset(sets[1]),
        days=frozenset(sets[2]),
        months=frozenset(sets[3]),
        weekdays=weekdays,
        day_restricted=day_restricted,
        weekday_restricted=weekday_restricted,
        fields=tuple(parts),  # type: ignore[arg-type]
    )
