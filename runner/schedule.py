"""Job schedules -> APScheduler triggers, their next fire times and a description in words.

Cron expressions are standard five-field crontab lines, meant as crontab means them:
weekday numbers count from Sunday (0 or 7 = Sunday, 1 = Monday), and when both day-of-month
and weekday are restricted the line fires when *either* matches. Their fire times come from
``runner.wall_clock.WallClockCron``, not APScheduler's ``CronTrigger``, which skips whole
months across DST changes; every caller (daemon, catch-up, ``jobs``, ``diff``, the console)
gets its times through ``build_trigger`` or ``next_fire_times`` here. The lines
themselves are checked by ``runner.cron``.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.interval import IntervalTrigger

from runner.cron import parse_cron
from runner.wall_clock import WallClockCron

if TYPE_CHECKING:
    import holidays

    from runner.catalogue import JobSpec

_SKIP_LIMIT = 800  # non-working days skipped in a row before a schedule counts as never firing


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
