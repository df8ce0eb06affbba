"""A crontab line's fire times, found on the wall clock and only then placed on the timeline.

APScheduler 3.x's ``CronTrigger`` steps its fields by adding the wall-clock difference
in UTC, so across a DST change it lands an hour off the value it was aiming at and then
rolls the next field: ``0 0 1 * *`` in Berlin, asked on 2 March, gives 1 May. Here the
search runs on naive wall-clock times, where there are no DST changes, and each match is
turned into an instant last, by one rule for the two cases a zone can produce:

* a time that does not exist (spring gap): a line with fixed hours fires once, at the
  first instant after the gap (02:30 in Berlin on the spring day -> 03:00 CEST); a line
  with ``*`` hours skips it, as crontab does, since its next match follows anyway;
* a time that happens twice (autumn fold): a line with fixed hours fires once, at the
  first occurrence; a line with ``*`` hours fires at both, because both hours elapse.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

if TYPE_CHECKING:
    from runner.cron import Cron

# Wider than any DST shift (Troll's is 2 h): how far before the asked instant a wall-clock
# match can lie and still be due after it (the second pass of a fold, or a gap's end).
_MARGIN = timedelta(hours=3)
_MINUTE = timedelta(minutes=1)
_TICK = timedelta(microseconds=1)
_YEARS = 30  # a day-of-month/month pair that needs longer never fires (caught on load)


class WallClockCron(BaseTrigger):
    """Fires at the instants a checked crontab line names in ``zone``; see the module."""

    __slots__ = ("_last", "cron", "days", "delay", "hours", "minutes", "once", "zone")

    def __init__(self, cron: Cron, zone: ZoneInfo, delay: float | None = None) -> None:
        self.cron = cron
        self.zone = zone
        self.delay = delay
        self.once = not cron.fields[1].startswith("*")  # crontab's own line for DST
        self.hours = sorted(cron.hours)
        self.minutes = sorted(cron.minutes)
        # Only days of the month select (`0 9 1 * *`): the next selected day is found by
        # list, not by stepping a day at a time (a month of steps for every trigger of a
        # 10,000-job catalogue was most of the daemon's start).
        days_only = cron.day_restricted and len(cron.weekdays) == 7
        self.days = sorted(cron.days) if days_only else None
        self._last: tuple[datetime, datetime] | None = None  # see first_at_or_after

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The first fire from ``now``, or from just after an earlier ``previous_fire_time``."""
        start = now.astimezone(UTC)
        if previous_fire_time is not None:
            # As CronTrigger: from just after the previous fire when that is earlier (the
            # scheduler lists missed fires so), and never the previous fire itself again.
            previous = previous_fire_time.astimezone(UTC)
            start = min(start, previous + _TICK)
            if start == previous:
                start += _TICK
        fire = self.first_at_or_after(start)
        return self._apply_jitter(fire, self.delay, now) if fire is not None else None

    def first_at_or_after(self, start: datetime) -> datetime | None:
        """The earliest fire instant ``>= start`` (aware, in the zone), or None if none.

        The last answer holds for every ``start`` from the one it was asked for up to
        itself (nothing fires in between): the daemon gives one trigger to the jobs of
        one schedule, and each of 10,000 jobs asks from a moment later than the last.
        """
        last = self._last
        if last is not None and last[0] <= start <= last[1]:
            return last[1]
        fire = self._search(start)
        if fire is not None:
            self._last = (start, fire)
        return fire

    def _search(self, start: datetime) -> datetime | None:
        local = start.astimezone(self.zone)
        wall = local.replace(tzinfo=None, second=0, microsecond=0, fold=0)
        if self._near_change(start):
            wall -= _MARGIN  # by a fold or gap, earlier wall times may still be due
        best: datetime | None = None
        match = self.next_wall(wall)
        while match is not None:
            first = self._first_instant(match)
            if best is not None and first >= best:
                break  # the first instants only grow with the wall time: nothing earlier left
            for instant in self.instants(match):
                if instant >= start and (best is None or instant < best):
                    best = instant
            match = self.next_wall(match + _MINUTE)
        return best.astimezone(self.zone) if best is not None else None

    def _near_change(self, start: datetime) -> bool:
        """Whether the zone's offset changes within ``_MARGIN`` of ``start``."""
        offsets = {(start + d).astimezone(self.zone).utcoffset() for d in (-_MARGIN, _MARGIN)}
        return offsets != {start.astimezone(self.zone).utcoffset()}

    def instants(self, wall: datetime) -> list[datetime]:
        """The UTC instants that the naive wall-clock time ``wall`` fires at."""
        first = wall.replace(tzinfo=self.zone).astimezone(UTC)
        second = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        if first == second:
            return [first]
        if first > second:  # zoneinfo's sign of a gap: the time does not exist
            return [_gap_end(second, first, self.zone)] if self.once else []
        return [first] if self.once else [first, second]

    def _first_instant(self, wall: datetime) -> datetime:
        first = wall.replace(tzinfo=self.zone).astimezone(UTC)
        second = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
        return _gap_end(second, first, self.zone) if first > second else first

    def next_wall(self, wall: datetime) -> datetime | None:
        """The first naive wall-clock minute ``>= wall`` that the line selects."""
        day, clock = wall.date(), wall.time()
        limit = day.replace(day=1) + timedelta(days=366 * _YEARS)
        while day < limit:
            if day.month not in self.cron.months:
                day = _first_of_next_month(day)
                clock = time(0)
                continue
            if self._day_matches(day):
                found = self._first_time(clock)
                if found is not None:
                    return datetime.combine(day, found)
                day += timedelta(days=1)
            elif self.days is not None:
                day = _next_listed(day, self.days)
            else:
                day += timedelta(days=1)
            clock = time(0)
        return None

    def _day_matches(self, day: date) -> bool:
        cron = self.cron
        in_days = day.day in cron.days
        in_weekdays = (day.weekday() + 1) % 7 in cron.weekdays  # crontab: 0 = Sunday
        if cron.day_restricted and cron.weekday_restricted:
            return in_days or in_weekdays  # crontab's OR when both are restricted
        return in_days and in_weekdays

    def _first_time(self, clock: time) -> time | None:
        i = bisect_left(self.hours, clock.hour)
        if i < len(self.hours) and self.hours[i] == clock.hour:
            j = bisect_left(self.minutes, clock.minute)
            if j < len(self.minutes):
                return time(clock.hour, self.minutes[j])
            i += 1
        return time(self.hours[i], self.minutes[0]) if i < len(self.hours) else None

    def __str__(self) -> str:
        return f"cron[{self.cron.text}] in {self.zone.key}"

    def __repr__(self) -> str:
        return f"<WallClockCron ({self.cron.text!r}, zone={self.zone.key!r})>"


def _gap_end(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The first instant after a gap, found between two UTC instants on either side of it."""
    offset = before.astimezone(zone).utcoffset()
    low, high = before, after  # offset(low) is the old one, offset(high) the new one
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high


def _next_listed(day: date, days: list[int]) -> date:
    """The first day after ``day`` whose day of the month is in ``days`` (sorted), within
    ``day``'s month, else the first of the next month."""
    for number in days[bisect_right(days, day.day):]:
        try:
            return day.replace(day=number)
        except ValueError:  # the month is shorter
            break
    return _first_of_next_month(day)


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
