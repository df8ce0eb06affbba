"""Jinja filters for Russian-speaking readers: dates, periods, plurals, numbers, mentions.

Babel does the locale work (month names in the genitive, plural categories, digit
grouping with a no-break space); these functions only adapt its answers to what a
template author writes, and turn bad input into a plain ValueError the renderer words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from runner import words


def _as_date(value: Any) -> date:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(words.text("filter.date", type=type(value).__name__,
                                value=repr(str(value)[:40])))


def _as_number(value: Any, name: str) -> Any:
    """``value`` as a number for the filter ``name`` (digits written as text count too)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    try:
        return Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(words.text("filter.number", name=name,
                                    value=repr(str(value)[:40]))) from None


def _formatted(name: str, format: Any, value: Any, make: Callable[[], str]) -> str:
    """``make()``, with babel's complaint about a CLDR pattern said in words."""
    try:
        return make()
    except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError) as exc:
        # "HH:mm" on a date has no hour to show; a stray quote ends the pattern early.
        raise ValueError(words.text("filter.format", name=name, format=repr(format),
                                    value=repr(str(value)[:40]), detail=exc)) from None


def ru_date(value: Any, format: str = "d MMMM y") -> str:
    """«21 ноября 2026»; ``format`` is a CLDR pattern such as "d MMMM"."""
    from babel.dates import format_date

    day = _as_date(value)
    return _formatted("ru_date", format, value,
                      lambda: format_date(day, format, locale="ru"))


def ru_datetime(value: Any, format: str = "d MMMM y, HH:mm") -> str:
    """«21 ноября 2026, 09:00», in the datetime's own zone."""
    from babel.dates import format_datetime

    moment = _as_date(value)
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return _formatted("ru_datetime", format, value, lambda: format_datetime(
        moment, format, tzinfo=moment.tzinfo, locale="ru"))


def ru_weekday(value: Any) -> str:
    """«суббота»."""
    return ru_date(value, "EEEE")


def ru_period(start: Any, end: Any) -> str:
    """«с 14 по 20 ноября 2026»; months and years are written only where they differ."""
    a, b = _as_date(start), _as_date(end)
    if (a.year, a.month, a.day) == (b.year, b.month, b.day):
        return ru_date(a)
    if a.year != b.year:
        return f"с {ru_date(a)} по {ru_date(b)}"
    if a.month != b.month:
        return f"с {ru_date(a, 'd MMMM')} по {ru_date(b)}"
    return f"с {a.day} по {ru_date(b)}"


def number(value: Any, lang: str = "ru") -> str:
    """«1 234 567» (the group separator is babel's: a no-break space for Russian)."""
    from babel.numbers import format_decimal

    amount = _as_number(value, "number")
    try:
        return format_decimal(amount, locale=lang)
    except ArithmeticError:  # a signalling NaN, say
        raise ValueError(words.text("filter.number", name="number",
                                    value=repr(str(value)[:40]))) from None


def plural(
    n: Any,
    one: str,
    few: str,
    many: str | None = None,
    *,
    with_number: bool = True,
    lang: str = "ru",
) -> str:
    """The word for ``n`` by the language's plural rules: «1 чат», «3 чата», «5 чатов»."""
    from babel import Locale

    many = few if many is None else many
    amount = _as_number(n, "plural")
    if not math.isfinite(amount):  # no plural form for NaN or infinity
        raise ValueError(words.text("filter.number", name="plural", value=repr(str(n)[:40])))
    form = Locale.parse(lang).plural_form(abs(amount))
    word = {"one": one, "few": few, "many": many}.get(form, few if lang == "ru" else many)
    return f"{number(n, lang)} {word}" if with_number else word


def percent(value: Any, digits: int = 0, lang: str = "ru") -> str:
    """A fraction as a percentage: 0.25 -> «25 %»."""
    from babel import Locale
    from babel.numbers import format_percent

    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 10:
        raise ValueError(words.text("filter.digits", value=repr(str(digits)[:40])))
    amount = _as_number(value, "percent")
    pattern = Locale.parse(lang).percent_formats[None].pattern
    if digits:
        pattern = re.sub(r"0(?=[^0#]*%)", "0." + "0" * digits, pattern, count=1)
    try:
        return format_percent(amount, format=pattern, locale=lang)
    except ArithmeticError:
        raise ValueError(words.text("filter.number", name="percent",
                                    value=repr(str(value)[:40]))) from None


def mention(value: Any) -> str:
    """``<@123>`` for a user id, or for a mapping with an ``id``."""
    if isinstance(value, Mapping):
        value = value.get("id")
    # ASCII digits only: "٣".isdigit() is true, and would mention user 3.
    if isinstance(value, bool) or not (str(value).isascii() and str(value).isdigit()):
        raise ValueError(words.text("filter.mention", value=repr(str(value)[:40])))
    return f"<@{int(value)}>"


def _filters(lang: str) -> dict[str, Callable[..., str]]:
    return {
        "ru_date": ru_date,
        "ru_datetime": ru_datetime,
        "ru_weekday": ru_weekday,
        "ru_period": ru_period,
        "plural": lambda n, *forms, with_number=True: plural(
            n, *forms, with_number=with_number, lang=lang
        ),
        "number": lambda v: number(v, lang),
        "percent": lambda v, digits=0: percent(v, digits, lang),
        "mention": mention,
    }


# ---- the renderer -------------------------------------------------------------------------
