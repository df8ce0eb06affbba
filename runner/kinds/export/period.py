"""Periods of the ``export`` kind: relative names resolved to UTC days, and API-sized chunks.

Pachca reads ``start_at`` / ``end_at`` as UTC days and its archive holds one file per
UTC day, while a job's named periods ("yesterday", "previous_month") are calendar
periods of its own zone. ``utc_days`` maps one onto the other by a single rule: a UTC
day belongs to the local period during which it **ended** (its end instant lies in
``(start, end]`` of the local period). Periods of consecutive fires tile the timeline,
so every UTC day ends in exactly one of them: each is exported exactly once, in every
zone and across DST changes, and a run never asks for a day that is still going on.
In UTC the two agree; in Europe/Moscow "yesterday" at 01:00 gives the UTC day before
(the last one that has ended), and a UTC day ending in a 23-hour local day with no UTC
midnight in it goes to the next period.

Kept apart from the kind so the date arithmetic can be read (and tested) on its own.
The leading underscore keeps the registry from taking this module for a kind.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from runner import words
from runner.periods import Day, midnight

RelativePeriod = Literal["previous_month", "last_30_days", "previous_week", "yesterday"]

MAX_DAYS = 45
"""Longest period of one export request (Pachca's limit)."""
MAX_DAYS_WITH_CHATS = 366
"""Longest period when the request names ``chat_ids``."""


class FixedPeriod(BaseModel):
    """``{start: 2026-01-01, end: 2026-03-31}``: UTC days (Pachca's), both included."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: Day = Field(
        description="First UTC day (inclusive).", examples=["2026-01-01"],
        json_schema_extra={"description_ru": "Первый день по UTC (включительно)."},
    )
    end: Day = Field(
        description="Last UTC day (inclusive); it must have ended when the job runs.",
        examples=["2026-03-31"],
        json_schema_extra={"description_ru": "Последний день по UTC (включительно); к запуску"
                           " он должен закончиться."},
    )

    @model_validator(mode="after")
    def _ordered(self) -> FixedPeriod:
        if self.end < self.start:
            raise ValueError(words.text("period.order", end=self.end, start=self.start))
        return self


Period = RelativePeriod | FixedPeriod


def resolve(period: Period, today: date) -> tuple[date, date]:
    """First and last calendar day (inclusive) of ``period`` as seen on ``today``.

    Days of whatever calendar ``today`` is in; ``utc_days`` turns a job's local
    period into the UTC days Pachca exports.
    """
    if isinstance(period, FixedPeriod):
        return period.start, period.end
    if period == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if period == "last_30_days":
        return today - timedelta(days=30), today - timedelta(days=1)
    if period == "previous_week":
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)
    # previous_month
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def last_ended_day(now: datetime) -> date:
    """The latest UTC day that is over at ``now`` (the latest an export may ask for)."""
    return now.astimezone(UTC).date() - timedelta(days=1)


def utc_days(period: Period, now: datetime, zone: ZoneInfo) -> tuple[date, date] | None:
    """The UTC days (first, last, inclusive) a run at ``now`` exports; None if no day.

    A fixed period is taken as UTC days as written. A named period is the job's local
    calendar period (see ``resolve``) turned into the UTC days that ended within it
    (module docstring); None when none did (a 23-hour local day may hold no UTC
    midnight: its day is exported by the next period).
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if isinstance(period, FixedPeriod):
        return period.start, period.end
    first, last = resolve(period, now.astimezone(zone).date())
    begins = midnight(first, zone).astimezone(UTC)
    ends = midnight(last + timedelta(days=1), zone).astimezone(UTC)
    # UTC midnights in (begins, ends] close the days begins.date() .. ends.date() - 1.
    start, end = begins.date(), ends.date() - timedelta(days=1)
    return (start, end) if start <= end else None


def chunks(start: date, end: date, max_days: int) -> list[tuple[date, date]]:
    """Consecutive inclusive ranges of at most ``max_days`` days covering start..end."""
    if max_days < 1:
        raise ValueError("max_days must be at least 1")
    spans: list[tuple[date, date]] = []
    first = start
    while first <= end:
        last = min(first + timedelta(days=max_days - 1), end)
        spans.append((first, last))
        first = last + timedelta(days=1)
    return spans
