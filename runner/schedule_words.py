"""Job schedules in words, in English and in grammatical Russian.

English cron lines are described by cron-descriptor. Its Russian puts names in the
nominative whatever the sentence needs («понедельник по пятница», «в январь»), so the
Russian text is built here from the checked cron fields, with each name in the case
its preposition asks for: «с понедельника по пятницу», «по пятницам», «в январе».
Intervals are described here in both languages: «каждые полтора часа», "every 90 minutes".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from runner import words
from runner.cron import Cron, parse_cron

if TYPE_CHECKING:
    from runner.catalogue import JobSpec

# Weekday forms by case, Sunday first as in crontab (0 = Sunday).
_DAY_GENITIVE = ("воскресенья", "понедельника", "вторника", "среды", "четверга", "пятницы",
                 "субботы")
_DAY_ACCUSATIVE = ("воскресенье", "понедельник", "вторник", "среду", "четверг", "пятницу",
                   "субботу")
_DAY_DATIVE_PLURAL = ("воскресеньям", "понедельникам", "вторникам", "средам", "четвергам",
                      "пятницам", "субботам")
# Month forms by case, January first.
_MONTH_NOMINATIVE = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
                     "сентябрь", "октябрь", "ноябрь", "декабрь")
_MONTH_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")
_MONTH_PREPOSITIONAL = ("январе", "феврале", "марте", "апреле", "мае", "июне", "июле",
                        "августе", "сентябре", "октябре", "ноябре", "декабре")

# unit -> (seconds, English singular, Russian forms for 1 / 2-4 / 5+, Russian "one and a half",
#          Russian "every one", gender-agreeing)
_UNITS: tuple[tuple[str, int, str, tuple[str, str, str], str, str], ...] = (
    ("day", 86400, "day", ("день", "дня", "дней"), "полтора дня", "каждый день"),
    ("hour", 3600, "hour", ("час", "часа", "часов"), "полтора часа", "каждый час"),
    ("minute", 60, "minute", ("минуту", "минуты", "минут"), "полторы минуты", "каждую минуту"),
    ("second", 1, "second", ("секунду", "секунды", "секунд"), "полторы секунды",
     "каждую секунду"),
)
_STEP = re.compile(r"\*/(\d+)")
_RANGE = re.compile(r"(\d+)-(\d+)")
_RANGE_STEP = re.compile(r"\d+-\d+/(\d+)")
_ENUMERATE_TIMES = 6  # at most this many fire times a day are listed one by one


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """The Russian form of a noun for ``n``: forms for 1, for 2-4 and for 5+ (21 час, 22 часа)."""
    return words.plural(n, forms, "ru")


def _join(items: list[str], conjunction: str = "и") -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def describe_every(seconds: float, lang: str) -> str:
    """An interval in words: "every 15 minutes", «каждые полтора часа» (lower case)."""
    rest = round(seconds)
    parts: list[tuple[int, int]] = []  # (index in _UNITS, count)
    for index, unit in enumerate(_UNITS):
        n, rest = divmod(rest, unit[1])
        if n:
            parts.append((index, n))
    if len(parts) == 1 and parts[0][1] == 1:
        unit = _UNITS[parts[0][0]]
        return unit[5] if lang == "ru" else f"every {unit[2]}"
    first_index, first_n = parts[0]
    size = _UNITS[first_index][1]
    if lang == "ru" and first_n == 1 and round(seconds) == size + size // 2:
        return f"каждые {_UNITS[first_index][4]}"
    if first_n == 1 and len(parts) > 1:
        # "every 1 hour 30 minutes" reads badly in both languages: count in the next unit.
        small = parts[1][0]
        total = sum(n * _UNITS[i][1] for i, n in parts if i <= small) // _UNITS[small][1]
        parts = [(small, total)] + [(i, n) for i, n in parts if i > small]
    if lang == "ru":
        return "каждые " + " ".join(f"{n} {plural(n, _UNITS[i][3])}" for i, n in parts)
    return "every " + " ".join(
        f"{n} {_UNITS[i][2]}{'' if n == 1 else 's'}" for i, n in parts
    )


# -- Russian cron lines ---------------------------------------------------------------------


def _times(cron: Cron) -> str:
    minute, hour = cron.fields[0], cron.fields[1]
    minutes, hours = sorted(cron.minutes), sorted(cron.hours)
    if len(minutes) * len(hours) <= _ENUMERATE_TIMES or (
        len(minutes) == 1 and _STEP.fullmatch(hour) is None and _RANGE.search(hour) is None
        and hour != "*"
    ):
        return "в " + _join([f"{h:02d}:{m:02d}" for h in hours for m in minutes])
    if len(minutes) <= 4 and not _STEP.fullmatch(minute) and minute != "*":
        at = _join([f":{m:02d}" for m in minutes])
        if hour == "*":
            return "каждый час" if minutes == [0] else f"каждый час в {at}"
        step = _STEP.fullmatch(hour)
        if step:
            n = int(step[1])
            every = f"каждые {n} {plural(n, _UNITS[1][3])}"
            return every if minutes == [0] else f"{every} в {at}"
        span = f"с {hours[0]:02d}:{minutes[0]:02d} до {hours[-1]:02d}:{minutes[-1]:02d}"
        stepped = _RANGE_STEP.fullmatch(hour)
        n = int(stepped[1]) if stepped else 1
        every = f"каждые {n} {plural(n, _UNITS[1][3])}" if n > 1 else "каждый час"
        return f"{every} в {at}, {span}" if len(minutes) > 1 else f"{every} {span}"
    step = _STEP.fullmatch(minute)
    if minute == "*":
        often = "каждую минуту"
    elif step:
        n = int(step[1])
        often = f"каждые {n} {plural(n, _UNITS[2][3])}"
    else:
        often = "на минутах " + _join([str(m) for m in minutes])
    if hour == "*":
        return often
    if hours == list(range(hours[0], hours[-1] + 1)):
        return f"{often} с {hours[0]:02d}:00 до {hours[-1]:02d}:59"
    return f"{often} в часы " + _join([f"{h:02d}" for h in hours])


def _weekdays(cron: Cron) -> str:
    field = cron.fields[4]
    days = sorted(cron.weekdays)
    ranged = _RANGE.fullmatch(field)
    if ranged and len(days) > 2:
        first, last = int(ranged[1]) % 7, int(ranged[2]) % 7
        # «со вторника», «со среды»: Russian adds a vowel before these consonant clusters.
        since = "со" if first in (2, 3) else "с"
        return f"{since} {_DAY_GENITIVE[first]} по {_DAY_ACCUSATIVE[last]}"
    # Monday first, as a Russian week is read.
    ordered = sorted(days, key=lambda d: (d + 6) % 7)
    return "по " + _join([_DAY_DATIVE_PLURAL[d] for d in ordered])


def _month_days(cron: Cron) -> str:
    field = cron.fields[2]
    days = sorted(cron.days)
    step = _STEP.fullmatch(field)
    if step:
        n = int(step[1])
        return f"каждые {n} {plural(n, _UNITS[0][3])}"
    ranged = _RANGE.fullmatch(field)
    if ranged and len(days) > 2:
        return f"с {days[0]}-го по {days[-1]}-е число"
    if len(cron.months) == 1 and not _STEP.fullmatch(cron.fields[3]):
        month = _MONTH_GENITIVE[next(iter(cron.months)) - 1]
        return _join([str(d) for d in days]) + f" {month}"
    return _join([f"{d}-го" for d in days]) + " числа"


def _months(cron: Cron) -> str:
    field = cron.fields[3]
    months = sorted(cron.months)
    ranged = _RANGE.fullmatch(field) or re.fullmatch(r"([a-z]+)-([a-z]+)", field)
    if ranged and len(months) > 2:
        return f"с {_MONTH_GENITIVE[months[0] - 1]} по {_MONTH_NOMINATIVE[months[-1] - 1]}"
    return "в " + _join([_MONTH_PREPOSITIONAL[m - 1] for m in months])


def describe_cron_ru(expr: str) -> str:
    """One crontab line in grammatical Russian, lower case: «в 09:00 по пятницам»."""
    cron = parse_cron(expr)
    times = _times(cron)
    day_parts: list[str] = []
    month_named = False
    # "*/2" restricts days although crontab counts it as unrestricted for its day-OR-weekday rule.
    days_limited, weekdays_limited = len(cron.days) < 31, len(cron.weekdays) < 7
    if cron.day_restricted and cron.weekday_restricted:
        day_parts.append(f"{_month_days(cron)} или {_weekdays(cron)}")
    elif days_limited:
        day_parts.append(_month_days(cron))
        month_named = len(cron.months) == 1 and not _STEP.fullmatch(cron.fields[2]) and not (
            _RANGE.fullmatch(cron.fields[2]) and len(cron.days) > 2
        )
    if weekdays_limited and not cron.day_restricted:
        day_parts.append(_weekdays(cron))
    if len(cron.months) < 12 and not month_named:
        day_parts.append(_months(cron))
    if not day_parts and times.startswith("в "):
        return f"каждый день {times}"
    return " ".join([times, *day_parts])


def _describe_cron_en(expr: str) -> str:
    from cron_descriptor import Options, get_description

    options = Options()
    options.use_24hour_time_format = True
    options.locale_code = "en_US"
    return str(get_description(expr, options))


def describe(job: JobSpec, lang: str = "en") -> str:
    """The job's schedule in words, e.g. "At 09:00, Monday through Friday, on working days (RU)"."""
    ru = lang == "ru"
    if job.schedule.every is not None:
        parts = [describe_every(job.schedule.every, "ru" if ru else "en")]
    else:
        parts = [
            describe_cron_ru(c) if ru else _describe_cron_en(c) for c in job.schedule.crons or ()
        ]
    text = ("; или " if ru else "; or ").join(
        [parts[0]] + [p[0].lower() + p[1:] for p in parts[1:]]
    )
    text = text[0].upper() + text[1:]
    if job.workdays:
        text += f", {'только в рабочие дни' if ru else 'on working days'} ({job.workdays})"
    return f"{text} ({job.timezone})"
