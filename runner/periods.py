"""Time windows that reports and digests cover, in the job's time zone.

A ``Window`` is half-open, ``[start, end)``, between two aware datetimes. Named periods
("yesterday", "previous_week", ...) are calendar periods of the job's zone: their
bounds are local midnights, computed on local dates and only then given an offset, so
a week that contains a DST change is 167 or 169 hours long, as the calendar says.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from runner import words

PeriodName = Literal[
    "yesterday",
    "today",
    "last_7_days",
    "last_30_days",
    "previous_week",
    "previous_month",
    "this_month",
]
PERIOD_NAMES: tuple[str, ...] = PeriodName.__args__  # type: ignore[attr-defined]
_LAST_DAYS = re.compile(r"last_(\d+)_days")
MAX_LAST_DAYS = 3650
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
"""The days a fixed period may name: outside them date arithmetic overflows (year 1)
and no Pachca workspace has data anyway."""


_Fixed = TypeVar("_Fixed", bound=BaseModel)


def _sensible_day(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(words.text("period.day_range", low=FIRST_DAY, high=LAST_DAY, got=day))
    return day


Day = Annotated[date, AfterValidator(_sensible_day)]
"""A day of a fixed period: from 2000-01-01 to 2099-12-31."""


class FixedPeriod(BaseModel):
    """``{start: 2026-01-01, end: 2026-01-31}``: whole days, both inclusive, in the job's zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: Day = Field(
        description="First day of the period (inclusive).",
        examples=["2026-01-01"],
        json_schema_extra={"description_ru": "Первый день периода (включительно)."},
    )
    end: Day = Field(
        description="Last day of the period (inclusive).",
        examples=["2026-01-31"],
        json_schema_extra={"description_ru": "Последний день периода (включительно)."},
    )

    @model_validator(mode="after")
    def _ordered(self) -> FixedPeriod:
        if self.end < self.start:
            raise ValueError(words.text("period.order", end=self.end, start=self.start))
        return self


def fixed_period(value: dict[str, Any], model: type[_Fixed]) -> _Fixed:
    """``value`` as fixed dates of ``model``, or one plain error naming what is wrong.

    Kinds whose periods differ (the export's are UTC days) pass their own model.
    """
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        message = str(err.get("ctx", {}).get("error", err["msg"]))
        if err["type"] == "missing":
            message = words.text("period.required")
        elif err["type"].startswith("date"):
            message = words.text("period.date")
        raise ValueError(words.text("period.fixed", where=f"'{where}': " if where else "",
                                    detail=message)) from None


def check_period(value: Any, extra: tuple[str, ...] = ()) -> Any:
    """Turn ``value`` into a period name or FixedPeriod, with one plain error if it is neither.

    Runs before pydantic's union, whose own errors (one per member) would read badly.
    """
    names = (*extra, *PERIOD_NAMES)
    if isinstance(value, str):
        last = _LAST_DAYS.fullmatch(value)
        if last and not 1 <= int(last.group(1)) <= MAX_LAST_DAYS:
            raise ValueError(words.text("period.last_days", high=MAX_LAST_DAYS, got=value))
        if value in names or last:
            return value
        close = difflib.get_close_matches(value, names, n=1)
        hint = words.text("hint.did_you_mean", word=close[0]) if close else "."
        raise ValueError(words.text("period.unknown", value=value, hint=hint,
                                    names=", ".join(names)))
    if isinstance(value, dict):
        return fixed_period(value, FixedPeriod)
    if isinstance(value, FixedPeriod):
        return value
    raise ValueError(words.text("period.type"))


_DESCRIPTION = ("A named period (" + ", ".join(PERIOD_NAMES) + ", any last_N_days) or fixed "
                "dates {start: YYYY-MM-DD, end: YYYY-MM-DD} (inclusive, in the job's time zone).")
_DESCRIPTION_RU = ("Период по названию (" + ", ".join(PERIOD_NAMES) + ", любой last_N_days)"
                   " или даты {start: ГГГГ-ММ-ДД, end: ГГГГ-ММ-ДД} (включительно, в часовом"
                   " поясе задания).")

Period = Annotated[
    str | FixedPeriod,
    BeforeValidator(check_period),
    Field(
        description=_DESCRIPTION,
        examples=["previous_week", {"start": "2026-01-01", "end": "2026-01-31"}],
        json_schema_extra={"description_ru": _DESCRIPTION_RU},
    ),
]
"""A pydantic field type for ``period:`` in a job entry."""

SinceLastRunOrPeriod = Annotated[
    str | FixedPeriod,
    BeforeValidator(lambda v: check_period(v, ("since_last_run",))),
    Field(
        description="`since_last_run` (since the fire time of the latest earlier fire that "
        "succeeded; the first run covers the 24 hours before it) or "
        + _DESCRIPTION[0].lower() + _DESCRIPTION[1:],
        examples=["since_last_run", "yesterday"],
        json_schema_extra={"description_ru": "`since_last_run` (со времени последнего более"
                           " раннего успешного запуска по расписанию; первый запуск берёт"
                           " 24 часа до себя) или " + _DESCRIPTION_RU[0].lower() + _DESCRIPTION_RU[1:]},
    ),
]
"""A pydantic field type for a digest's ``window:``."""


@dataclass(frozen=True)
class Window:
    """The half-open interval ``[start, end)`` between two aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a window needs aware datetimes")
        if self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, moment: datetime) -> bool:
        # In UTC: Python compares two datetimes of the same zone by wall time, which is
        # wrong in the repeated hour of a DST change.
        utc = moment.astimezone(UTC)
        return self.start.astimezone(UTC) <= utc < self.end.astimezone(UTC)

    @property
    def duration(self) -> timedelta:
        """How long the window is in elapsed time (a DST day is 23 or 25 hours)."""
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    @property
    def last_moment(self) -> datetime:
        """The last instant inside the window, for inclusive displays («с 14 по 20 ноября»)."""
        return max(self.start, self.end - timedelta(microseconds=1))

    def in_zone(self, zone: ZoneInfo) -> Window:
        """The same window with both bounds shown in ``zone``."""
        return Window(self.start.astimezone(zone), self.end.astimezone(zone))

    def as_context(self) -> dict[str, datetime]:
        """What templates get: ``start``, ``end`` (exclusive) and ``last`` (inclusive)."""
        return {"start": self.start, "end": self.end, "last": self.last_moment}


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone``.

    Where a DST gap swallows midnight, ``fold=0`` maps the missing 00:00 to the moment
    the clocks jumped, which is exactly when that day began; the round trip through UTC
    gives it the offset that is really in force.
    """
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC).astimezone(zone)


def _days_back(now: datetime, days: int) -> datetime:
    """The same wall-clock time ``days`` calendar days before ``now`` (DST-aware)."""
    zone = now.tzinfo
    naive = now.replace(tzinfo=None) - timedelta(days=days)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def resolve_period(period: str | FixedPeriod | dict, now: datetime, zone: ZoneInfo | str) -> Window:
    """The window a period stands for, as seen at ``now`` in ``zone``.

    - ``yesterday``: the previous calendar day; ``today``: from midnight until ``now``;
    - ``last_7_days`` / ``last_30_days`` (any ``last_N_days``): the N days until ``now``;
    - ``previous_week``: Monday to Sunday of the week before this one;
    - ``previous_month``: the previous calendar month; ``this_month``: from the 1st until now;
    - fixed dates ``{start, end}``: whole days, both inclusive.
    """
    if isinstance(zone, str):
        zone = ZoneInfo(zone)
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    local = now.astimezone(zone)
    today = local.date()
    if isinstance(period, dict):
        period = FixedPeriod.model_validate(period)
    if isinstance(period, FixedPeriod):
        return Window(midnight(period.start, zone), midnight(period.end + timedelta(days=1), zone))
    if period == "yesterday":
        return Window(midnight(today - timedelta(days=1), zone), midnight(today, zone))
    if period == "today":
        return Window(midnight(today, zone), local)
    if period == "previous_week":
        monday = today - timedelta(days=today.weekday())
        return Window(midnight(monday - timedelta(days=7), zone), midnight(monday, zone))
    if period == "this_month":
        return Window(midnight(today.replace(day=1), zone), local)
    if period == "previous_month":
        first = today.replace(day=1)
        previous_first = (first - timedelta(days=1)).replace(day=1)
        return Window(midnight(previous_first, zone), midnight(first, zone))
    match = _LAST_DAYS.fullmatch(str(period))
    if match and int(match.group(1)) >= 1:
        return Window(_days_back(local, int(match.group(1))), local)
    raise ValueError(
        f"unknown period {period!r}: use one of {', '.join(PERIOD_NAMES)} or {{start, end}}"
    )
