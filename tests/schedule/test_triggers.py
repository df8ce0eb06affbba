"""Schedules -> triggers: crontab meaning, DST, working days, intervals."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.interval import IntervalTrigger

from runner.errors import CronProblem
from runner.schedule import (
    WorkdayTrigger,
    build_trigger,
    next_fire_times,
    parse_cron,
    skipped_dates,
)
from tests.catalogue.fakes import job_spec

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")


def days(times: list[datetime]) -> list[str]:
    return [t.strftime("%a %d") for t in times]


# -- crontab meaning ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("0 9 * * 1-5", ["Mon 23", "Tue 24", "Wed 25", "Thu 26", "Fri 27"]),
        ("0 9 * * mon-fri", ["Mon 23", "Tue 24", "Wed 25", "Thu 26", "Fri 27"]),
        ("0 9 * * 0", ["Sun 22", "Sun 29", "Sun 06", "Sun 13", "Sun 20"]),
        ("0 9 * * 7", ["Sun 22", "Sun 29", "Sun 06", "Sun 13", "Sun 20"]),
        ("0 9 * * 5-7", ["Sun 22", "Fri 27", "Sat 28", "Sun 29", "Fri 04"]),
        ("0 9 * * fri-sun", ["Sun 22", "Fri 27", "Sat 28", "Sun 29", "Fri 04"]),
        ("0 9 * * */2", ["Sun 22", "Tue 24", "Thu 26", "Sat 28", "Sun 29"]),  # 0,2,4,6 from Sunday
        ("0 9 * * 6,0", ["Sun 22", "Sat 28", "Sun 29", "Sat 05", "Sun 06"]),
    ],
)
def test_weekdays_count_from_sunday_as_in_crontab(cron: str, expected: list[str]) -> None:
    # Saturday 2026-11-21, after 09:00
    now = datetime(2026, 11, 21, 10, 0, tzinfo=MSK)
    times = next_fire_times(job_spec(crons=[cron]), 5, now)
    assert days(times) == expected
    assert all((t.hour, t.minute) == (9, 0) and t.tzinfo == MSK for t in times)


def test_day_and_weekday_both_restricted_means_either_as_in_crontab() -> None:
    now = datetime(2026, 6, 1, 10, 0, tzinfo=MSK)  # a Monday, the 1st, after 09:00
    times = next_fire_times(job_spec(crons=["0 9 1 * 1"]), 6, now)
    assert [t.date().isoformat() for t in times] == [
        "2026-06-08",
        "2026-06-15",
        "2026-06-22",
        "2026-06-29",
        "2026-07-01",
        "2026-07-06",
    ]


def test_steps_lists_and_month_names() -> None:
    now = datetime(2026, 1, 1, 0, 0, tzinfo=MSK)
    times = next_fire_times(job_spec(crons=["10-40/15 8,17 1 mar,jun *"]), 4, now)
    assert [t.strftime("%m-%d %H:%M") for t in times] == [
        "03-01 08:10",
        "03-01 08:25",
        "03-01 08:40",
        "03-01 17:10",
    ]


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("60 * * * *", "'minute' must be 0–59, got 60"),
        ("0 9 0 * *", "'day' must be 1–31, got 0"),
        ("0 9 * * 8", "'weekday' must be 0–7, got 8"),
        ("0 9 * foo *", "'month' has 'foo'"),
        ("0 9 * * 1,,2", "empty item"),
        ("0 9 L * *", "'day' has 'l'"),
        ("0 9 * *", "got 4"),
        ("0 9 30 2 *", "never fires"),
    ],
)
def test_bad_cron_names_the_field(cron: str, words: str) -> None:
    with pytest.raises(CronProblem, match=words):
        parse_cron(cron)


# -- time zones and DST ------------------------------------------------------------------


def test_daily_run_keeps_wall_clock_across_spring_dst_change() -> None:
    now = datetime(2026, 3, 27, 12, 0, tzinfo=BERLIN)
    times = next_fire_times(job_spec(crons=["0 9 * * *"], timezone="Europe/Berlin"), 4, now)
    assert [(t.day, t.hour) for t in times] == [(28, 9), (29, 9), (30, 9), (31, 9)]
    assert [t.utcoffset() for t in times] == [timedelta(hours=h) for h in (1, 2, 2, 2)]


def test_time_in_the_spring_gap_runs_once_when_the_gap_ends() -> None:
    now = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    times = next_fire_times(job_spec(crons=["30 2 * * *"], timezone="Europe/Berlin"), 2, now)
    assert times[0].astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert (times[0].hour, times[0].minute) == (3, 0)
    assert times[1] == datetime(2026, 3, 30, 2, 30, tzinfo=BERLIN)


def test_time_repeated_in_autumn_runs_once() -> None:
    now = datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN)
    times = next_fire_times(job_spec(crons=["30 2 * * *"], timezone="Europe/Berlin"), 3, now)
    assert [t.date().day for t in times] == [25, 26, 27]
    assert times[0].astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_minutely_cron_keeps_running_through_the_repeated_hour() -> None:
    now = datetime(2026, 10, 25, 1, 50, tzinfo=BERLIN)
    times = next_fire_times(job_spec(crons=["*/30 * * * *"], timezone="Europe/Berlin"), 5, now)
    gaps = {b.astimezone(UTC) - a.astimezone(UTC) for a, b in itertools.pairwise(times)}
    assert gaps == {timedelta(minutes=30)}


def test_interval_counts_real_time_across_dst() -> None:
    now = datetime(2026, 11, 1, 0, 30, tzinfo=NY)
    times = next_fire_times(job_spec(every=3600, timezone="America/New_York"), 4, now)
    utc = [t.astimezone(UTC) for t in times]
    assert {b - a for a, b in itertools.pairwise(utc)} == {timedelta(hours=1)}
    assert [t.hour for t in times] == [1, 1, 2, 3]  # 01:xx happens twice that night


# -- working days ------------------------------------------------------------------------


def test_russian_new_year_holidays_are_skipped() -> None:
    now = datetime(2025, 12, 29, 10, 0, tzinfo=MSK)
    job = job_spec(crons=["0 9 * * 1-5"], workdays="RU")
    times = next_fire_times(job, 3, now)
    assert [t.date() for t in times] == [date(2025, 12, 30), date(2026, 1, 12), date(2026, 1, 13)]
    assert isinstance(build_trigger(job), WorkdayTrigger)


def test_unity_day_is_skipped() -> None:
    now = datetime(2026, 11, 3, 10, 0, tzinfo=MSK)
    times = next_fire_times(job_spec(crons=["0 9 * * *"], workdays="RU"), 2, now)
    assert [t.date() for t in times] == [date(2026, 11, 5), date(2026, 11, 6)]


def test_saturday_made_a_working_day_in_russia_fires() -> None:
    # 2025-11-01 (Saturday) was a working day; Monday 2025-11-03 a day off in exchange,
    # then 2025-11-04 is Unity Day.
    now = datetime(2025, 10, 31, 10, 0, tzinfo=MSK)
    times = next_fire_times(job_spec(crons=["0 9 * * *"], workdays="RU"), 2, now)
    assert [t.date() for t in times] == [date(2025, 11, 1), date(2025, 11, 5)]


def test_skipped_dates_lists_what_the_working_day_rule_drops() -> None:
    now = datetime(2025, 12, 29, 10, 0, tzinfo=MSK)
    job = job_spec(crons=["0 9 * * 1-5"], workdays="RU")
    assert skipped_dates(job, days=16, now=now) == [
        date(2025, 12, 31),
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 1, 5),
        date(2026, 1, 6),
        date(2026, 1, 7),
        date(2026, 1, 8),
        date(2026, 1, 9),
    ]
    assert skipped_dates(job_spec(crons=["0 9 * * *"]), days=30, now=now) == []


def test_working_day_is_judged_in_the_jobs_zone() -> None:
    # 23:30 in Moscow on 2026-01-08 (a holiday) is 20:30 UTC: still the 8th in Moscow.
    now = datetime(2026, 1, 8, 0, 0, tzinfo=MSK)
    times = next_fire_times(job_spec(crons=["30 23 * * *"], workdays="RU"), 1, now)
    assert times[0] == datetime(2026, 1, 12, 23, 30, tzinfo=MSK)


def test_interval_on_working_days_resumes_after_holidays() -> None:
    now = datetime(2026, 1, 8, 22, 0, tzinfo=MSK)
    times = next_fire_times(job_spec(every=3600, workdays="RU"), 2, now)
    assert times == [
        datetime(2026, 1, 12, 0, 0, tzinfo=MSK),
        datetime(2026, 1, 12, 1, 0, tzinfo=MSK),
    ]


# -- combining, jitter -------------------------------------------------------------------


def test_several_crons_are_or_ed() -> None:
    job = job_spec(crons=["0 9 * * mon", "0 18 * * fri"])
    assert isinstance(build_trigger(job), OrTrigger)
    now = datetime(2026, 11, 21, 10, 0, tzinfo=MSK)
    assert [t.strftime("%a %H") for t in next_fire_times(job, 4, now)] == [
        "Mon 09",
        "Fri 18",
        "Mon 09",
        "Fri 18",
    ]


def test_interval_trigger_is_anchored_so_replicas_agree() -> None:
    job = job_spec(every=900)
    assert isinstance(build_trigger(job), IntervalTrigger)
    # Fires sit on a fixed 15-minute grid, whenever the process started.
    now = datetime(2026, 11, 21, 10, 7, 31, tzinfo=MSK)
    assert [t.strftime("%H:%M") for t in next_fire_times(job, 3, now)] == [
        "10:15",
        "10:30",
        "10:45",
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"crons": ["0 9 * * *"]},
        {"crons": ["0 9 * * 1", "0 9 * * 3"]},
        {"every": 3600},
        {"crons": ["0 9 * * *"], "workdays": "RU"},
    ],
)
def test_jitter_delays_by_at_most_the_jitter(fields: dict[str, object]) -> None:
    job = job_spec(jitter=30, **fields)
    now = datetime(2026, 11, 24, 10, 0, tzinfo=MSK)
    exact = next_fire_times(job, 1, now)[0]
    trigger = build_trigger(job)
    for _ in range(20):
        fire = trigger.get_next_fire_time(None, now)
        assert fire is not None
        assert timedelta(0) <= fire - exact <= timedelta(seconds=30)


@pytest.mark.parametrize(("line", "start", "expected"), [
    # days of the month only: the next listed day, skipping months too short for it
    ("0 9 31 * *", "2026-02-01", ["2026-03-31", "2026-05-31", "2026-07-31", "2026-08-31"]),
    ("0 9 29 * *", "2027-01-30", ["2027-03-29", "2027-04-29"]),
    ("0 9 29 * *", "2028-01-30", ["2028-02-29", "2028-03-29"]),
    ("0 9 1,15 * *", "2026-11-15T10:00", ["2026-12-01", "2026-12-15", "2027-01-01"]),
    # with the weekdays as well (crontab's OR), and with every weekday written out
    ("0 9 13 * 5", "2026-11-01", ["2026-11-06", "2026-11-13", "2026-11-20"]),
    ("0 9 13 * 0-6", "2026-11-30", ["2026-11-30", "2026-12-01", "2026-12-02"]),
])
def test_day_of_month_lines_find_their_next_days(line: str, start: str,
                                                  expected: list[str]) -> None:
    from runner.schedule import parse_cron
    from runner.wall_clock import WallClockCron

    zone = ZoneInfo("Europe/Berlin")
    trigger = WallClockCron(parse_cron(line), zone)
    now, fires = datetime.fromisoformat(start).replace(tzinfo=zone), []
    previous = None
    for _ in expected:
        previous = trigger.get_next_fire_time(previous, now)
        assert previous is not None
        fires.append(previous.date().isoformat())
        now = previous
    assert fires == expected


# -- one trigger asked by many jobs (the daemon shares a schedule's trigger) ---------------


@pytest.mark.parametrize(
    ("schedule", "workdays", "zone"),
    [("0 9 1 * *", "RU", "Europe/Moscow"), ("30 2 * * *", None, "Europe/Berlin"),
     ("0 9 * * 1-5", "RU", "Europe/Moscow"), ("*/20 1-3 * * *", None, "America/New_York")],
)
def test_a_shared_trigger_answers_as_a_fresh_one_from_any_moment(
    schedule: str, workdays: str | None, zone: str
) -> None:
    """Asked from moments that go forward, back, across a DST change and past its last
    answer, in any order, one trigger gives what a new trigger gives each time."""
    job = job_spec(crons=[schedule], timezone=zone, workdays=workdays)
    shared = build_trigger(job, jitter=False)
    start = datetime(2026, 3, 27, 23, 0, tzinfo=UTC)  # the weekend of Europe's spring change
    moments = [start + timedelta(minutes=37 * i) for i in range(0, 200, 7)]
    moments += [start + timedelta(days=d, hours=h) for d in (40, 3, 1, 300, 2) for h in (0, 9)]
    for now in moments:
        fresh = build_trigger(job, jitter=False).get_next_fire_time(None, now)
        assert shared.get_next_fire_time(None, now) == fresh, now
        if fresh is not None:  # from just after a fire, as the scheduler asks next
            after = build_trigger(job, jitter=False).get_next_fire_time(fresh, fresh)
            assert shared.get_next_fire_time(fresh, fresh) == after, fresh
