"""Export periods are UTC days: a run never asks for a day still going on in UTC, and
consecutive fires of a schedule export every UTC day exactly once, in every zone."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.kinds.export.period import FixedPeriod, last_ended_day, utc_days
from runner.workspace import WorkspaceServer
from tests.jobs.export_support import ExportEnv, make_env

# UTC-12 .. UTC+14, half- and quarter-hour offsets, and DST zones of both hemispheres
# (Lord Howe's DST is half an hour; Chatham's clocks sit at +12:45 / +13:45).
ZONES = [
    "Etc/GMT+12", "Pacific/Pago_Pago", "Pacific/Honolulu", "America/Anchorage",
    "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
    "America/Santiago", "America/St_Johns", "America/Sao_Paulo", "Atlantic/Azores", "UTC",
    "Europe/London", "Europe/Berlin", "Europe/Moscow", "Asia/Tehran", "Asia/Kolkata",
    "Asia/Kathmandu", "Asia/Shanghai", "Australia/Adelaide", "Australia/Sydney",
    "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Apia",
    "Pacific/Kiritimati", "Etc/GMT-14",
]

# Each period with how far apart its fires are: once per period it names.
STEPS = {"yesterday": ("day", 40), "previous_week": ("week", 12), "previous_month": ("month", 14)}


def local_fires(step: str, first: date, hour: int, minute: int, zone: ZoneInfo,
                count: int) -> list[datetime]:
    """``count`` fire times a day, week or month apart at the local wall time hour:minute.

    Built by hand, as cron means them (a time in a DST gap fires when the clocks jump),
    rather than through APScheduler 3's CronTrigger: from a day before a spring DST
    change, it skips the next month's fire (0 0 1 * * in Europe/Berlin goes from
    March 2 to May 1).
    """
    times = []
    for i in range(count):
        if step == "day":
            day = first + timedelta(days=i)
        elif step == "week":
            day = first + timedelta(weeks=i)
        else:
            months = first.month - 1 + i
            day = first.replace(year=first.year + months // 12, month=months % 12 + 1)
        wall = datetime.combine(day, time(hour, minute), tzinfo=zone)
        times.append(wall.astimezone(UTC).astimezone(zone))
    return times


@settings(max_examples=300, deadline=None)
@given(
    zone=st.one_of(st.sampled_from(ZONES), st.timezones().map(str)),
    period=st.sampled_from(sorted(STEPS)),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 1, 15, 30, 45, 59]),
    first=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 28)),
)
def test_consecutive_fires_export_every_utc_day_once_and_only_ended_ones(
    zone: str, period: str, hour: int, minute: int, first: date
) -> None:
    tz = ZoneInfo(zone)
    step, count = STEPS[period]
    if step == "month":
        first = first.replace(day=min(first.day, 28))
    times = local_fires(step, first, hour, minute, tz, count)
    spans = [utc_days(period, at, tz) for at in times]  # type: ignore[arg-type]
    for at, span in zip(times, spans, strict=True):
        if span is not None:
            assert span[1] <= last_ended_day(at), f"{zone} at {at}: {span} is not over yet"
    covered = [s for s in spans if s is not None]
    assert len(covered) >= count - 2, "almost every fire exports something"
    for (_, end), (nxt, _) in itertools.pairwise(covered):
        assert nxt == end + timedelta(days=1), f"{zone}: {end} then {nxt}: gap or overlap"


@pytest.mark.parametrize("zone", ZONES)
def test_last_30_days_end_with_the_last_day_ended_before_the_fire(zone: str) -> None:
    tz = ZoneInfo(zone)
    for at in local_fires("day", date(2026, 1, 1), 0, 30, tz, 400):
        span = utc_days("last_30_days", at, tz)
        assert span is not None and span[1] <= last_ended_day(at)
        # 30 local days hold 29 to 31 UTC midnights (a DST day is 23 or 25 hours).
        assert 28 <= (span[1] - span[0]).days <= 30


def test_moscow_yesterday_at_one_am_is_the_last_utc_day_that_has_ended() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    at = datetime(2026, 11, 20, 1, 0, tzinfo=moscow)  # 2026-11-19 22:00 UTC
    assert utc_days("yesterday", at, moscow) == (date(2026, 11, 18), date(2026, 11, 18))
    la = ZoneInfo("America/Los_Angeles")
    at = datetime(2026, 11, 20, 1, 0, tzinfo=la)  # 2026-11-20 09:00 UTC
    assert utc_days("yesterday", at, la) == (date(2026, 11, 19), date(2026, 11, 19))
    fixed = FixedPeriod(start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert utc_days(fixed, at, la) == (date(2026, 1, 1), date(2026, 1, 31))


@pytest.fixture
def env(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> ExportEnv:
    return make_env(fresh_workspace, tmp_path)


@pytest.mark.parametrize(("zone", "hour", "minute"), [
    ("Europe/Moscow", 1, 0),  # 22:00 UTC the day before: today's UTC day is not over
    ("America/Los_Angeles", 16, 30),  # 23:30 UTC in summer, 00:30 UTC in winter
])
async def test_daily_exports_ask_for_each_utc_day_once_across_a_dst_change(
    env: ExportEnv, zone: str, hour: int, minute: int
) -> None:
    env.job(period="yesterday", timezone=zone, schedule=f"{minute} {hour} * * *")
    # Los Angeles leaves DST on 2026-11-01; Moscow has none: the same days serve both.
    times = local_fires("day", date(2026, 10, 28), hour, minute, ZoneInfo(zone), 7)
    for at in times:
        # Pachca's clock at the fire time: it refuses a day that has not ended.
        env.h.control("POST", "clock", json={"now": at.astimezone(UTC).isoformat()})
        outcome = await env.h.run("exp", at=at)
        assert outcome.status == "succeeded", outcome.error

    asked = [(e["start_at"], e["end_at"]) for e in env.exports()]
    days = [date.fromisoformat(a) for a, b in asked if a == b]
    assert len(days) == len(asked) >= len(times) - 1
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))], asked
    for at, (_, end) in zip(times, asked, strict=False):
        assert date.fromisoformat(end) <= last_ended_day(at)
    assert len(env.files()) == len(days)


async def test_a_fixed_period_ending_on_a_day_not_over_is_refused_before_asking(
    env: ExportEnv
) -> None:
    at = datetime(2026, 11, 20, 1, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    env.job(period={"start": "2026-11-01", "end": "2026-11-19"}, timezone="Europe/Moscow")
    mark = env.h.mark()

    outcome = await env.h.run("exp", at=at)

    assert outcome.status == "failed" and outcome.error is not None
    assert "2026-11-19 (UTC), a day that has not ended yet" in outcome.error
    assert "the last whole day is 2026-11-18" in outcome.error
    assert env.h.writes(mark) == [] and env.exports() == []
