"""Periods of the ``export`` kind: relative names resolved to dates, and API-sized chunks.

Kept apart from the kind so the date arithmetic can be read (and tested) on its own.
The leading underscore keeps the registry from taking this module for a kind.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from runner import words
from runner.periods import Day

RelativePeriod = Literal["previous_month", "last_30_days", "previous_week", "yesterday"]

MAX_DAYS = 45
"""Longest period of one export request (Pachca's limit)."""
MAX_DAYS_WITH_CHATS = 366
"""Longest period when the request names ``chat_ids``."""


class FixedPeriod(BaseModel):
    """``{start: 2026-01-01, end: 2026-03-31}``: both days included."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: Day = Field(
        description="First day (inclusive).", examples=["2026-01-01"],
        json_schema_extra={"description_ru": "Первый день (включительно)."},
    )
    end: Day = Field(
        description="Last day (inclusive).", examples=["2026-03-31"],
        json_schema_extra={"description_ru": "Последний день (включительно)."},
    )

    @model_validator(mode="after")
    def _ordered(self) -> FixedPeriod:
        if self.end < self.start:
            raise ValueError(words.text("period.order", end=self.end, start=self.start))
        return self


Period = RelativePeriod | FixedPeriod


def resolve(period: Period, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of ``period`` as seen on ``today``."""
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
