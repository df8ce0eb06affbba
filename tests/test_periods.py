"""Periods in the job's zone: the windows an operator expects, across DST and month ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from runner.kinds.activity_report import ActivityReportParams
from runner.periods import PERIOD_NAMES, FixedPeriod, Window, midnight, resolve_period

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
SANTIAGO = ZoneInfo("America/Santiago")  # DST starts at midnight: 00:00 does not exist


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def test_yesterday_is_the_previous_calendar_day_in_the_zone() -> None:
    # 01:30 in Moscow is still the previous day in UTC: the zone decides.
    now = at(MSK, 2026, 11, 20, 1, 30)
    w = resolve_period("yesterday", now, MSK)
    assert (w.start, w.end) == (at(MSK, 2026, 11, 19), at(MSK, 2026, 11, 20))


def test_today_runs_from_midnight_until_now() -> None:
    now = at(MSK, 2026, 11, 20, 9, 15)
    assert resolve_period("today", now, MSK) == Window(at(MSK, 2026, 11, 20), now)


def test_previous_week_is_monday_to_sunday_before_this_week() -> None:
    for day in range(23, 30):  # every day of the week of Mon 23 Nov 2026
        w = resolve_period("previous_week", at(MSK, 2026, 11, day, 9), MSK)
        assert w.start == at(MSK, 2026, 11, 16)
        assert w.end == at(MSK, 2026, 11, 23)
        assert w.last_moment.date() == date(2026, 11, 22)  # Sunday, for «с 16 по 22 ноября»


def test_previous_and_this_month_across_a_year_end() -> None:
    now = at(MSK, 2026, 1, 10, 12)
    assert resolve_period("previous_month", now, MSK) == Window(at(MSK, 2025, 12, 1),
                                                                at(MSK, 2026, 1, 1))
    assert resolve_period("this_month", now, MSK) == Window(at(MSK, 2026, 1, 1), now)


def test_previous_month_in_march_ends_with_february() -> None:
    w = resolve_period("previous_month", at(MSK, 2028, 3, 1, 0, 0), MSK)
    assert (w.start, w.end) == (at(MSK, 2028, 2, 1), at(MSK, 2028, 3, 1))
    assert w.last_moment.date() == date(2028, 2, 29)


def test_last_n_days_end_now_and_keep_the_wall_clock_time_across_dst() -> None:
    now = at(BERLIN, 2026, 4, 1, 9, 0)  # DST began on 29 March
    w = resolve_period("last_7_days", now, BERLIN)
    assert w.end == now
    assert w.start == at(BERLIN, 2026, 3, 25, 9, 0)
    assert w.duration == timedelta(days=7, hours=-1)  # one hour was skipped
    assert resolve_period("last_30_days", now, BERLIN).start == at(BERLIN, 2026, 3, 2, 9)


def test_a_week_with_the_autumn_change_lasts_169_hours() -> None:
    w = resolve_period("previous_week", at(BERLIN, 2026, 11, 2, 9), BERLIN)
    assert w.start == at(BERLIN, 2026, 10, 26) and w.end == at(BERLIN, 2026, 11, 2)
    w = resolve_period("previous_week", at(BERLIN, 2026, 10, 26, 9), BERLIN)
    assert w.duration == timedelta(hours=7 * 24 + 1)  # 25 October had 25 hours


def test_a_day_whose_midnight_does_not_exist_starts_when_the_clocks_jump() -> None:
    # Chile moved clocks from 00:00 to 01:00 on 7 September 2025.
    start = midnight(date(2025, 9, 7), SANTIAGO)
    assert start.astimezone(UTC) == datetime(2025, 9, 7, 4, 0, tzinfo=UTC)
    w = resolve_period("yesterday", at(SANTIAGO, 2025, 9, 8, 10), SANTIAGO)
    assert w.duration == timedelta(hours=23)


def test_fixed_dates_are_inclusive_whole_days_in_the_zone() -> None:
    w = resolve_period({"start": "2026-01-01", "end": "2026-01-31"}, at(MSK, 2026, 8, 1), MSK)
    assert w.start == at(MSK, 2026, 1, 1)
    assert w.end == at(MSK, 2026, 2, 1)
    assert at(MSK, 2026, 1, 31, 23, 59) in w
    assert at(MSK, 2026, 2, 1) not in w
    one_day = resolve_period(FixedPeriod(start=date(2026, 3, 8), end=date(2026, 3, 8)),
                             at(MSK, 2026, 8, 1), "Europe/Moscow")
    assert one_day.duration == timedelta(days=1)


def test_bad_periods_in_the_catalogue_read_as_one_plain_sentence() -> None:
    def error(period: object) -> str:
        with pytest.raises(ValidationError) as info:
            ActivityReportParams.model_validate({"to": {"chats": [1]}, "period": period})
        errors = info.value.errors()
        assert len(errors) == 1
        return str(errors[0]["msg"])

    assert "did you mean 'previous_week'" in error("previous_weak")
    assert "is before start" in error({"start": "2026-02-01", "end": "2026-01-01"})
    assert "unknown period 'fortnight'. Use one of" in error("fortnight")


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1),
                 timezones=st.sampled_from([MSK, BERLIN, SANTIAGO, UTC])),
    st.sampled_from(PERIOD_NAMES),
)
def test_every_period_is_a_valid_window_not_after_now(now: datetime, name: str) -> None:
    zone = now.tzinfo if isinstance(now.tzinfo, ZoneInfo) else ZoneInfo("UTC")
    w = resolve_period(name, now, zone)
    assert w.start <= w.end <= now + timedelta(seconds=1)
    assert w.start.tzinfo is not None
