"""Schedules in words: English from cron-descriptor, grammatical Russian built here."""

from __future__ import annotations

import re

import pytest

from runner.schedule_words import describe, describe_cron_ru, describe_every, plural
from tests.catalogue.fakes import job_spec

# cron line, Russian, English
CRONS = [
    ("0 9 * * 1-5", "в 09:00 с понедельника по пятницу", "At 09:00, Monday through Friday"),
    ("0 9 * * 5", "в 09:00 по пятницам", "At 09:00, only on Friday"),
    ("0 18 * * fri", "в 18:00 по пятницам", "At 18:00, only on Friday"),
    (
        "0 9 * * 1,3,5",
        "в 09:00 по понедельникам, средам и пятницам",
        "At 09:00, only on Monday, Wednesday, and Friday",
    ),
    (
        "0 9 * * sat,sun",
        "в 09:00 по субботам и воскресеньям",
        "At 09:00, only on Saturday and Sunday",
    ),
    ("0 9 * * 0", "в 09:00 по воскресеньям", "At 09:00, only on Sunday"),
    ("0 9 * * 7", "в 09:00 по воскресеньям", "At 09:00, only on Sunday"),
    ("0 9 * * 2-4", "в 09:00 со вторника по четверг", "At 09:00, Tuesday through Thursday"),
    ("0 9 * * 3-5", "в 09:00 со среды по пятницу", "At 09:00, Wednesday through Friday"),
    ("0 10 * * 1-7", "каждый день в 10:00", "At 10:00, Monday through Sunday"),
    ("0 9 1 1 *", "в 09:00 1 января", "At 09:00, on day 1 of the month, only in January"),
    ("0 9 * jan *", "в 09:00 в январе", "At 09:00, only in January"),
    ("0 9 * 1-3 *", "в 09:00 с января по март", "At 09:00, January through March"),
    ("0 9 * 6-8 *", "в 09:00 с июня по август", "At 09:00, June through August"),
    (
        "0 9 1 mar-may *",
        "в 09:00 1-го числа с марта по май",
        "At 09:00, on day 1 of the month, March through May",
    ),
    (
        "0 9 1 1,7 *",
        "в 09:00 1-го числа в январе и июле",
        "At 09:00, on day 1 of the month, only in January and July",
    ),
    (
        "0 9 1 */3 *",
        "в 09:00 1-го числа в январе, апреле, июле и октябре",
        "At 09:00, on day 1 of the month, every 3 months",
    ),
    ("0 9 * 12 5", "в 09:00 по пятницам в декабре", "At 09:00, only on Friday, only in December"),
    ("45 23 31 12 *", "в 23:45 31 декабря", "At 23:45, on day 31 of the month, only in December"),
    ("0 9 25 12 *", "в 09:00 25 декабря", "At 09:00, on day 25 of the month, only in December"),
    ("0 0 29 2 *", "в 00:00 29 февраля", "At 00:00, on day 29 of the month, only in February"),
    ("0 0 1,15 * *", "в 00:00 1-го и 15-го числа", "At 00:00, on day 1 and 15 of the month"),
    ("0 12 15 * *", "в 12:00 15-го числа", "At 12:00, on day 15 of the month"),
    (
        "0 9 28-31 * *",
        "в 09:00 с 28-го по 31-е число",
        "At 09:00, between day 28 and 31 of the month",
    ),
    ("0 9 31 * *", "в 09:00 31-го числа", "At 09:00, on day 31 of the month"),
    ("0 9 30 * *", "в 09:00 30-го числа", "At 09:00, on day 30 of the month"),
    ("0 9 */2 * *", "в 09:00 каждые 2 дня", "At 09:00, every 2 days"),
    (
        "0 9 1-7 * 1",
        "в 09:00 с 1-го по 7-е число или по понедельникам",
        "At 09:00, between day 1 and 7 of the month, or on Monday",
    ),
    (
        "0 9 1 * 1",
        "в 09:00 1-го числа или по понедельникам",
        "At 09:00, on day 1 of the month, or on Monday",
    ),
    ("*/15 * * * *", "каждые 15 минут", "Every 15 minutes"),
    ("* * * * *", "каждую минуту", "Every minute"),
    (
        "*/5 9-18 * * 1-5",
        "каждые 5 минут с 09:00 до 18:59 с понедельника по пятницу",
        "Every 5 minutes, between 09:00 and 18:59, Monday through Friday",
    ),
    ("*/10 * * * 6", "каждые 10 минут по субботам", "Every 10 minutes, only on Saturday"),
    ("0 */2 * * *", "каждые 2 часа", "Every 2 hours"),
    ("0 8-20/2 * * *", "каждые 2 часа с 08:00 до 20:00", "Every 2 hours, between 08:00 and 20:59"),
    ("15 * * * *", "каждый час в :15", "At 15 minutes past the hour"),
    (
        "30 9-18 * * *",
        "каждый час с 09:30 до 18:30",
        "At 30 minutes past the hour, between 09:00 and 18:59",
    ),
    (
        "0,30 9-17 * * 1-5",
        "каждый час в :00 и :30, с 09:00 до 17:30 с понедельника по пятницу",
        "At 0 and 30 minutes past the hour, between 09:00 and 17:59, Monday through Friday",
    ),
    ("0 9,13,18 * * *", "каждый день в 09:00, 13:00 и 18:00", "At 09:00, 13:00 and 18:00"),
    ("0 9,21 * * *", "каждый день в 09:00 и 21:00", "At 09:00 and 21:00"),
    ("0 0 * * *", "каждый день в 00:00", "At 00:00"),
    (
        "*/30 8-20/4 * * *",
        "каждые 30 минут в часы 08, 12, 16 и 20",
        "Every 30 minutes, every 4 hours, between 08:00 and 20:59",
    ),
]


@pytest.mark.parametrize(("expr", "ru", "en"), CRONS)
def test_cron_in_both_languages(expr: str, ru: str, en: str) -> None:
    job = job_spec(crons=[expr])
    assert describe(job, lang="ru") == f"{ru[0].upper()}{ru[1:]} (Europe/Moscow)"
    assert describe(job) == f"{en} (Europe/Moscow)"


@pytest.mark.parametrize(("expr", "ru", "en"), CRONS)
def test_russian_has_no_latin_words(expr: str, ru: str, en: str) -> None:
    assert describe_cron_ru(expr) == ru
    assert not re.search(r"[A-Za-z]", ru)


INTERVALS = [
    (1, "каждую секунду", "every second"),
    (90, "каждые полторы минуты", "every 90 seconds"),
    (60, "каждую минуту", "every minute"),
    (120, "каждые 2 минуты", "every 2 minutes"),
    (900, "каждые 15 минут", "every 15 minutes"),
    (1260, "каждые 21 минуту", "every 21 minutes"),
    (3600, "каждый час", "every hour"),
    (4500, "каждые 75 минут", "every 75 minutes"),
    (5400, "каждые полтора часа", "every 90 minutes"),
    (7200, "каждые 2 часа", "every 2 hours"),
    (9000, "каждые 2 часа 30 минут", "every 2 hours 30 minutes"),
    (18000, "каждые 5 часов", "every 5 hours"),
    (79200, "каждые 22 часа", "every 22 hours"),
    (86400, "каждый день", "every day"),
    (93600, "каждые 26 часов", "every 26 hours"),
    (129600, "каждые полтора дня", "every 36 hours"),
    (172800, "каждые 2 дня", "every 2 days"),
]


@pytest.mark.parametrize(("seconds", "ru", "en"), INTERVALS)
def test_interval_in_both_languages(seconds: int, ru: str, en: str) -> None:
    assert describe_every(seconds, "ru") == ru
    assert describe_every(seconds, "en") == en
    job = job_spec(every=seconds)
    assert describe(job, lang="ru") == f"{ru[0].upper()}{ru[1:]} (Europe/Moscow)"
    assert describe(job) == f"{en[0].upper()}{en[1:]} (Europe/Moscow)"


@pytest.mark.parametrize(
    ("n", "form"),
    [
        (1, "час"),
        (2, "часа"),
        (4, "часа"),
        (5, "часов"),
        (11, "часов"),
        (12, "часов"),
        (14, "часов"),
        (21, "час"),
        (22, "часа"),
        (25, "часов"),
        (101, "час"),
        (111, "часов"),
    ],
)
def test_russian_plural(n: int, form: str) -> None:
    assert plural(n, ("час", "часа", "часов")) == form


def test_working_days_and_zone() -> None:
    job = job_spec(crons=["0 9 * * 1-5"], workdays="RU")
    assert describe(job) == (
        "At 09:00, Monday through Friday, on working days (RU) (Europe/Moscow)"
    )
    assert describe(job, lang="ru") == (
        "В 09:00 с понедельника по пятницу, только в рабочие дни (RU) (Europe/Moscow)"
    )


def test_several_crons() -> None:
    job = job_spec(crons=["0 9 * * 1", "30 18 * * 5"])
    assert describe(job) == (
        "At 09:00, only on Monday; or at 18:30, only on Friday (Europe/Moscow)"
    )
    assert describe(job, lang="ru") == (
        "В 09:00 по понедельникам; или в 18:30 по пятницам (Europe/Moscow)"
    )
