"""The catalogue's models: top-level sections, job fields and the validated JobSpec."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator

from runner.durations import Duration
from runner.jobs.base import KindParams

COMMON_FIELDS = (
    "kind",
    "description",
    "schedule",
    "timezone",
    "workdays",
    "enabled",
    "jitter",
    "misfire_grace",
    "catchup",
    "timeout",
)
TOP_FIELDS = ("timezone", "defaults", "alerts", "bot", "unfurl", "jobs")
DEFAULT_MISFIRE_GRACE = 600.0
DEFAULT_TIMEOUT = 1800.0
_JOB_NAME = re.compile(r"[\w-]+")



def suggest(word: str, choices: Sequence[str]) -> str:
    """ " — did you mean 'x'?" for the closest choice, or ""."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=0.6)
    return f" — did you mean '{lowered[close[0]]}'?" if close else ""


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def check_zone(value: str) -> str:
    """``value`` if it names an IANA time zone; ValueError with a suggestion otherwise."""
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        raise ValueError(f"unknown time zone '{value}'{suggest(value, _zones())}") from None
    return value


def check_country(value: Any) -> str:
    """An upper-cased country code the ``holidays`` library knows."""
    import holidays

    if isinstance(value, bool):
        raise ValueError(
            "must be a country code like RU; write 'NO' in quotes (YAML reads NO as false)"
        )
    code = str(value).upper()
    known = holidays.list_supported_countries()
    if code not in known:
        raise ValueError(
            f"'{value}' is not a country with a holiday calendar{suggest(code, list(known))}"
            " (use a code like RU, KZ, BY)"
        )
    return code


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    @field_validator("timezone", check_fields=False)
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        return None if v is None else check_zone(v)

    @field_validator("workdays", mode="before", check_fields=False)
    @classmethod
    def _country(cls, v: Any) -> str | None:
        return None if v is None else check_country(v)


class Defaults(_Fields):
    """``defaults:``: common job fields applied to every job that does not set them."""

    timezone: str | None = None
    workdays: str | None = None
    enabled: bool | None = None
    jitter: Duration | None = None
    misfire_grace: Duration | None = None
    catchup: Duration | None = None
    timeout: Duration | None = None


class _JobFields(Defaults):
    kind: str
    description: str = ""
    schedule: Any


class Alerts(_Fields):
    """``alerts:``: where failure alerts go and how often an ongoing failure is repeated."""

    chat_id: int
    template: str = "alert.md.j2"
    repeat_every: Duration = 6 * 3600.0


class Bot(_Fields):
    """``bot:``: how the bot receives events."""

    events: Literal["poll", "push", "off"] = "off"
    poll_every: Duration = 10.0
    webhook_path: str = "/pachca/events"

    @field_validator("webhook_path")
    @classmethod
    def _slash(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError("must start with '/', e.g. /pachca/events")
        return v


class UnfurlRule(_Fields):
    """One ``unfurl:`` item: how to preview links to ``domain``; strings are Jinja."""

    domain: str
    source: str
    headers: dict[str, str] = {}
    title: str | None = None
    description: str | None = None
    image_url: str | None = None
    _line: int | None = PrivateAttr(default=None)

    @field_validator("domain")
    @classmethod
    def _bare(cls, v: str) -> str:
        if not v or "/" in v or ":" in v or " " in v:
            raise ValueError(
                "must be a bare domain like tracker.example.com (no https://, no path)"
            )
        return v.lower()


class Schedule(BaseModel):
    """When a job fires: crontab lines (standard meaning), or an interval in seconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    crons: list[str] | None = None
    every: float | None = None


class JobSpec(BaseModel):
    """One job, defaults applied, ready for the scheduler."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    kind: str
    schedule: Schedule
    timezone: str
    params: KindParams
    enabled: bool = True
    jitter: float | None = None
    misfire_grace: float = DEFAULT_MISFIRE_GRACE
    catchup: float = DEFAULT_MISFIRE_GRACE
    timeout: float = DEFAULT_TIMEOUT
    description: str = ""
    workdays: str | None = None
    line: int | None = None


class Catalogue(BaseModel):
    """The whole of jobs.yaml, validated."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: Path
    timezone: str
    templates_dir: Path
    defaults: Defaults = Defaults()
    jobs: dict[str, JobSpec] = {}
    alerts: Alerts | None = None
    bot: Bot = Bot()
    unfurl: list[UnfurlRule] = []

