"""A year of fires across DST changes: nothing skipped, nothing doubled, gaps at one instant.

Zones cover northern and southern DST, changes at 01:00, 02:00 and midnight (Santiago,
Tehran in 2021, when it still had DST), a half-hour change (Lord Howe), and two zones
without DST (UTC, Moscow) as controls.
"""

from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.schedule import next_fire_times
from runner.scheduler import latest_fire
from tests.catalogue.fakes import job_spec


@dataclass(frozen=True)
class Zone:
    """A zone, a year, and the local times its spring gap and autumn fold cover that year."""

    key: str
    year: int
    gap: tuple[int, int] | None  # (hour, minute) missing on the spring day
    fold: tuple[int, int] | None  # (hour, minute) that happens twice in autumn
    spring: str | None = None  # the spring fire of the gap time: local ISO time
    autumn: str | None = None  # the one fire of the fold time: local ISO time

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.key)


ZONES = [
    Zone("Europe/Berlin", 2026, (2, 30), (2, 30),
         "2026-03-29T03:00:00+02:00", "2026-10-25T02:30:00+02:00"),
    Zone("Europe/London", 2026, (1, 30), (1, 30),
         "2026-03-29T02:00:00+01:00", "2026-10-25T01:30:00+01:00"),
    Zone("America/New_York", 2026, (2, 30), (1, 30),
         "2026-03-08T03:00:00-04:00", "2026-11-01T01:30:00-04:00"),
    Zone("America/Los_Angeles", 2026, (2, 30), (1, 30),
         "2026-03-08T03:00:00-07:00", "2026-11-01T01:30:00-07:00"),
    Zone("Australia/Sydney", 2026, (2, 30), (2, 30),
         "2026-10-04T03:00:00+11:00", "2026-04-05T02:30:00+11:00"),
    Zone("America/Santiago", 2026, (0, 30), (23, 30),
         "2026-09-06T01:00:00-03:00", "2026-04-04T23:30:00-03:00"),
    Zone("Asia/Tehran", 2021, (0, 30), (23, 30),
         "2021-03-22T01:00:00+04:30", "2021-09-21T23:30:00+04:30"),
    Zone("Australia/Lord_Howe", 2026, (2, 15), (1, 45),
         "2026-10-04T02:30:00+11:00", "2026-04-05T01:45:00+11:00"),
    Zone("UTC", 2026, None, None),
    Zone("Europe/Moscow", 2026, None, None),
]  # fmt: skip
ALL = [pytest.param(z, id=f"{z.key}-{z.year}") for z in ZONES]
DST = [pytest.param(z, id=f"{z.key}-{z.year}") for z in ZONES if z.gap]


def year_of_fires(cron: str, zone: Zone) -> list[datetime]:
    """Every fire of ``cron`` in ``zone``'s local calendar year."""
    tz = zone.tz
    start = datetime(zone.year, 1, 1, tzinfo=tz)
    end = datetime(zone.year + 1, 1, 1, tzinfo=tz)
    times = next_fire_times(job_spec(crons=[cron], timezone=zone.key), 400, start - timedelta(1))
    return [t for t in times if start <= t < end]


def assert_strictly_increasing(times: list[datetime]) -> None:
    instants = [t.astimezone(UTC) for t in times]
    assert all(a < b for a, b in itertools.pairwise(instants)), "fires out of order or doubled"


def wall_exists(day: date, hour: int, minute: int, tz: ZoneInfo) -> bool:
    naive = datetime(day.year, day.month, day.day, hour, minute)
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def assert_gap_end(fire: datetime, hour: int, minute: int, tz: ZoneInfo) -> None:
    """``fire`` is the first instant after a gap that swallowed ``hour:minute`` that day."""
    # One real second earlier (aware arithmetic in one zone is wall-clock arithmetic).
    before = (fire.astimezone(UTC) - timedelta(seconds=1)).astimezone(tz)
    assert before.utcoffset() != fire.utcoffset()
    wanted = datetime(fire.year, fire.month, fire.day, hour, minute)
    assert before.replace(tzinfo=None) < wanted < fire.replace(tzinfo=None)


def same_instant(a: datetime | None, b: datetime) -> bool:
    """``==`` across zones is always False for a time in a fold (PEP 495): compare in UTC."""
    return a is not None and a.astimezone(UTC) == b.astimezone(UTC)


def test_every_dst_zone_in_the_table_really_changes_that_year() -> None:
    for zone in ZONES:
        offsets = {datetime(zone.year, m, 15, tzinfo=zone.tz).utcoffset() for m in range(1, 13)}
        assert (len(offsets) == 2) == (zone.gap is not None), zone.key


@pytest.mark.parametrize("zone", ALL)
@pytest.mark.parametrize("clock", [(0, 0), (2, 0), (9, 30)])
def test_monthly_fires_in_every_month(zone: Zone, clock: tuple[int, int]) -> None:
    times = year_of_fires(f"{clock[1]} {clock[0]} 1 * *", zone)
    assert [(t.month, t.day) for t in times] == [(m, 1) for m in range(1, 13)]
    assert_strictly_increasing(times)


@pytest.mark.parametrize("zone", ALL)
def test_monthly_at_the_start_of_the_day_from_the_reported_date(zone: Zone) -> None:
    # The reported case: Berlin, from 2 March, gave 1 May; check it in every zone.
    now = datetime(zone.year, 3, 2, tzinfo=zone.tz)
    times = next_fire_times(job_spec(crons=["0 0 1 * *"], timezone=zone.key), 3, now)
    assert [(t.month, t.day, t.hour, t.minute) for t in times] == [
        (4, 1, 0, 0), (5, 1, 0, 0), (6, 1, 0, 0)
    ]  # fmt: skip


@pytest.mark.parametrize("zone", ALL)
@pytest.mark.parametrize("which", ["gap", "fold", "morning", "midnight"])
def test_daily_fires_every_day_exactly_once(zone: Zone, which: str) -> None:
    named = {"morning": (9, 0), "midnight": (0, 0), "gap": zone.gap, "fold": zone.fold}
    hour, minute = named[which] or (2, 30)  # the zones without DST: any night time
    times = year_of_fires(f"{minute} {hour} * * *", zone)
    first = date(zone.year, 1, 1)
    every_day = [first + timedelta(n) for n in range(366 if calendar.isleap(zone.year) else 365)]
    assert [t.date() for t in times] == every_day
    assert_strictly_increasing(times)
    for t in times:
        if wall_exists(t.date(), hour, minute, zone.tz):
            assert (t.hour, t.minute, t.fold) == (hour, minute, 0)  # the first occurrence
        else:
            assert_gap_end(t, hour, minute, zone.tz)


@pytest.mark.parametrize("zone", DST)
def test_the_spring_gap_fire_is_at_the_documented_instant(zone: Zone) -> None:
    assert zone.gap and zone.spring
    times = year_of_fires(f"{zone.gap[1]} {zone.gap[0]} * * *", zone)
    moved = [t for t in times if (t.hour, t.minute) != zone.gap]
    assert [t.isoformat() for t in moved] == [zone.spring]


@pytest.mark.parametrize("zone", DST)
def test_no_duplicate_on_fall_back(zone: Zone) -> None:
    assert zone.fold and zone.autumn
    autumn = datetime.fromisoformat(zone.autumn)
    times = year_of_fires(f"{zone.fold[1]} {zone.fold[0]} * * *", zone)
    that_day = [t.isoformat() for t in times if t.date() == autumn.date()]
    assert that_day == [zone.autumn]
    repeat = autumn.replace(tzinfo=zone.tz, fold=1).astimezone(UTC)
    assert repeat > autumn and repeat.astimezone(zone.tz).fold == 1  # it really comes back
    assert repeat not in [t.astimezone(UTC) for t in times]


@pytest.mark.parametrize("zone", ALL)
def test_weekly_fires_every_week(zone: Zone) -> None:
    times = year_of_fires("30 2 * * 0", zone)  # Sundays, when Europe and Sydney change
    assert times[0].date() - date(zone.year, 1, 1) < timedelta(7)
    assert {b.date() - a.date() for a, b in itertools.pairwise(times)} == {timedelta(7)}
    assert date(zone.year, 12, 31) - times[-1].date() < timedelta(7)
    assert_strictly_increasing(times)


@pytest.mark.parametrize("zone", ALL)
def test_last_days_of_the_month(zone: Zone) -> None:
    long_months = [t.month for t in year_of_fires("30 2 31 * *", zone)]
    assert long_months == [m for m in range(1, 13) if calendar.monthrange(zone.year, m)[1] == 31]
    tail = year_of_fires("0 23 28-31 * *", zone)
    expected = sum(calendar.monthrange(zone.year, m)[1] - 27 for m in range(1, 13))
    assert len(tail) == expected
    assert_strictly_increasing(tail)


@pytest.mark.parametrize("zone", ALL)
def test_star_hours_skip_the_gap_and_run_through_the_fold(zone: Zone) -> None:
    # "*/30 * * * *" is real time every half hour, whatever the wall clock does.
    for month in range(1, 13):
        now = datetime(zone.year, month, 1, tzinfo=zone.tz)
        times = next_fire_times(job_spec(crons=["*/30 * * * *"], timezone=zone.key), 48 * 31, now)
        utc = [t.astimezone(UTC) for t in times]
        assert {b - a for a, b in itertools.pairwise(utc)} == {timedelta(minutes=30)}, month


@pytest.mark.parametrize("zone", ALL)
def test_every_interval_counts_real_time(zone: Zone) -> None:
    now = datetime(zone.year, 1, 1, tzinfo=zone.tz)
    times = next_fire_times(job_spec(every=3 * 3600, timezone=zone.key), 8 * 366, now)
    utc = [t.astimezone(UTC) for t in times]
    assert {b - a for a, b in itertools.pairwise(utc)} == {timedelta(hours=3)}


@pytest.mark.parametrize("zone", DST)
def test_catch_up_finds_the_gap_fire_and_the_first_fold_fire(zone: Zone) -> None:
    assert zone.gap and zone.fold and zone.spring and zone.autumn
    spring, autumn = datetime.fromisoformat(zone.spring), datetime.fromisoformat(zone.autumn)
    gap_job = job_spec(crons=[f"{zone.gap[1]} {zone.gap[0]} * * *"], timezone=zone.key)
    assert same_instant(latest_fire(gap_job, spring + timedelta(minutes=10), 3600), spring)
    fold_job = job_spec(crons=[f"{zone.fold[1]} {zone.fold[0]} * * *"], timezone=zone.key)
    after_both = autumn + timedelta(hours=2)  # past the repeated wall time too
    assert same_instant(latest_fire(fold_job, after_both, 3 * 3600), autumn)


@pytest.mark.parametrize("zone", ALL)
def test_catch_up_of_a_monthly_job_finds_its_first_of_the_month(zone: Zone) -> None:
    monthly = job_spec(crons=["0 0 1 * *"], timezone=zone.key)
    for month in range(2, 13):
        first = datetime(zone.year, month, 1, tzinfo=zone.tz)
        assert same_instant(latest_fire(monthly, first + timedelta(minutes=30), 86400), first)


# -- a property over random cron lines ---------------------------------------------------

ZONE_KEYS = [z.key for z in ZONES]
SHAPES = ("monthly", "weekly", "daily")


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONE_KEYS),
    shape=st.sampled_from(SHAPES),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 1, 15, 29, 30, 45, 59]),
    day=st.integers(1, 28),
    weekday=st.integers(0, 6),
    start=st.datetimes(datetime(2019, 1, 1), datetime(2028, 12, 31)),
)
def test_no_period_is_skipped_or_doubled(
    zone: str, shape: str, hour: int, minute: int, day: int, weekday: int, start: datetime
) -> None:
    tz = ZoneInfo(zone)
    cron = {
        "monthly": f"{minute} {hour} {day} * *",
        "weekly": f"{minute} {hour} * * {weekday}",
        "daily": f"{minute} {hour} * * *",
    }[shape]
    count = {"monthly": 14, "weekly": 56, "daily": 120}[shape]
    now = start.replace(tzinfo=tz)
    times = next_fire_times(job_spec(crons=[cron], timezone=zone), count, now)
    assert len(times) == count
    assert times[0] >= now
    assert_strictly_increasing(times)
    if shape == "monthly":
        months = [t.year * 12 + t.month for t in times]
        assert {b - a for a, b in itertools.pairwise(months)} == {1}
        assert {t.day for t in times} == {day}
    else:
        step = timedelta(7 if shape == "weekly" else 1)
        assert {b.date() - a.date() for a, b in itertools.pairwise(times)} == {step}
        assert shape == "daily" or {(t.weekday() + 1) % 7 for t in times} == {weekday}
    for t in times:  # the written time, or the first instant after a gap that swallowed it
        if wall_exists(t.date(), hour, minute, tz):
            assert (t.hour, t.minute, t.fold) == (hour, minute, 0)
        else:
            assert_gap_end(t, hour, minute, tz)
