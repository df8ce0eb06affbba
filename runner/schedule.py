"""Job schedules -> APScheduler triggers, their next fire times and a description in words.

Cron expressions are standard five-field crontab lines, meant as crontab means them:
weekday numbers count from Sunday (0 or 7 = Sunday, 1 = Monday), and when both day-of-month
and weekday are restricted the line fires when *either* matches. Their fire times come from
``runner.wall_clock.WallClockCron``, not APScheduler's ``CronTrigger``, which skips whole
months across DST changes; every caller (daemon, catch-up, ``jobs``, ``diff``, the console)
gets its times through ``build_trigger`` or ``next_fire_times`` here.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.interval import IntervalTrigger

from runner import words
from runner.errors import CronProblem
from runner.wall_clock import WallClockCron

if TYPE_CHECKING:
    import holidays

    from runner.catalogue import JobSpec

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
_SKIP_LIMIT = 800  # non-working days skipped in a row before a schedule counts as never firing


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


@functools.lru_cache(maxsize=8192)
def working_day(country: str, day: date) -> bool:
    """Whether ``day`` is a working day in ``country``.

    Asked by every working-days trigger of a catalogue, often about the same days: one
    calendar a country (building one costs milliseconds, and each fills in the years it
    is asked about), and each answer computed once.
    """
    return bool(_calendar(country).is_working_day(day))


@functools.cache
def _calendar(country: str) -> holidays.HolidayBase:
    import holidays  # a fifth of a second of imports, only for working-day schedules

    return holidays.country_holidays(country)


class WorkdayTrigger(BaseTrigger):
    """Fires when ``base`` does, except on days that are not working days in ``country``.

    Working days come from the ``holidays`` library: weekends, public holidays and, where
    the library models them (Russia does), weekend days moved to be working days.
    """

    __slots__ = ("_last", "base", "country", "jitter", "zone")

    def __init__(
        self, base: BaseTrigger, country: str, zone: ZoneInfo, jitter: float | None = None
    ) -> None:
        self.base = base
        self.country = country
        self.zone = zone
        self.jitter = jitter
        self._last: tuple[datetime, datetime] | None = None  # as WallClockCron's

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day in this trigger's country."""
        return working_day(self.country, day)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The base trigger's next fire time that falls on a working day."""
        # The first fire from ``now`` is also the first from any later moment up to it
        # (WallClockCron.first_at_or_after); jitter makes each answer its own.
        remember = previous_fire_time is None and not self.jitter
        last = self._last
        if remember and last is not None and last[0] <= now <= last[1]:
            return last[1]
        fire = self.base.get_next_fire_time(previous_fire_time, now)
        for _ in range(_SKIP_LIMIT):
            if fire is None:
                return None
            day = fire.astimezone(self.zone).date()
            if self.is_working_day(day):
                if remember:
                    self._last = (now, fire)
                return self._apply_jitter(fire, self.jitter, now)
            # Jump to the next midnight rather than stepping fire by fire: a minutely
            # schedule over the New Year holidays would otherwise take ten thousand steps.
            fire = self.base.get_next_fire_time(None, _next_midnight(day, self.zone))
        return None

    def __str__(self) -> str:
        return f"{self.base} on working days ({self.country})"

    def __repr__(self) -> str:
        return f"<WorkdayTrigger ({self.base!r}, country={self.country!r})>"


def _next_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def _base_trigger(
    job: JobSpec, zone: ZoneInfo, jitter: float | None, start: datetime | None
) -> BaseTrigger:
    if job.schedule.every is not None:
        start_date = start + timedelta(seconds=job.schedule.every) if start else None
        return IntervalTrigger(
            seconds=job.schedule.every, start_date=start_date, timezone=zone, jitter=jitter
        )
    triggers = [WallClockCron(parse_cron(expr), zone) for expr in job.schedule.crons or ()]
    if len(triggers) == 1:
        triggers[0].delay = jitter
        return triggers[0]
    return OrTrigger(triggers, jitter=jitter)


# Interval schedules count from a fixed anchor, not from each process's start, so every
# replica (and ``jobs``) computes the same fire times, and so the same claim keys.
INTERVAL_ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)


def build_trigger(
    job: JobSpec, *, jitter: bool = True, start: datetime | None = None
) -> BaseTrigger:
    """The APScheduler trigger for ``job``, in the job's time zone.

    ``jitter=False`` leaves out the random delay (the daemon applies jitter itself, after
    the fire time is fixed). ``start`` anchors an interval schedule; default
    ``INTERVAL_ANCHOR``, so ``every: 15m`` fires at :00, :15, :30 and :45.
    """
    start = start or INTERVAL_ANCHOR
    zone = ZoneInfo(job.timezone)
    delay = job.jitter if jitter and job.jitter else None
    if job.workdays:
        return WorkdayTrigger(_base_trigger(job, zone, None, start), job.workdays, zone, delay)
    return _base_trigger(job, zone, delay, start)


def next_fire_times(job: JobSpec, count: int = 3, now: datetime | None = None) -> list[datetime]:
    """The next ``count`` fire times of ``job`` (aware, in the job's zone), without jitter."""
    zone = ZoneInfo(job.timezone)
    now = (now or datetime.now(zone)).astimezone(zone)
    trigger = build_trigger(job, jitter=False)
    out: list[datetime] = []
    previous: datetime | None = None
    cursor = now
    while len(out) < count:
        fire = trigger.get_next_fire_time(previous, cursor)
        if fire is None:
            break
        out.append(fire.astimezone(zone))
        previous = cursor = fire
    return out


def skipped_dates(job: JobSpec, days: int = 30, now: datetime | None = None) -> list[date]:
    """Dates within ``days`` on which the schedule would fire but the working-day rule skips."""
    if not job.workdays:
        return []
    zone = ZoneInfo(job.timezone)
    now = (now or datetime.now(zone)).astimezone(zone)
    end = now + timedelta(days=days)
    base = _base_trigger(job, zone, None, INTERVAL_ANCHOR)
    out: list[date] = []
    fire = base.get_next_fire_time(None, now)
    while fire is not None and fire < end:
        day = fire.astimezone(zone).date()
        if not working_day(job.workdays, day):
            out.append(day)
        fire = base.get_next_fire_time(None, _next_midnight(day, zone))
    return out
