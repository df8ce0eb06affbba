"""What a change of the catalogue does: jobs added and removed, fields and schedules changed.

Pure comparison of two validated catalogues; counting the chats a changed job would act
on needs the API and its kind (``JobKind.affected``), and lives in ``runner.changes``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runner import words
from runner.catalogue.models import COMMON_FIELDS, Catalogue, JobSpec
from runner.durations import format_duration

_DURATIONS = ("jitter", "misfire_grace", "catchup", "timeout")
_WHEN = ("schedule", "timezone", "workdays", "enabled")
"""Fields that move a job's fire times."""


@dataclass
class Affected:
    """Chats a job would act on now (a sweep: warn or archive), under the old and the new
    fields."""

    before: dict[int, str]  # chat id -> name
    after: dict[int, str]

    def line(self) -> str:
        """``chats affected now: 3 -> 7 (+4: «A», «B», ...; -0)``."""
        more = [n for i, n in self.after.items() if i not in self.before]
        fewer = [n for i, n in self.before.items() if i not in self.after]

        def names(items: list[str]) -> str:
            shown = ", ".join(f"«{n}»" for n in items[:5])
            return shown + (words.text("diff.more", n=len(items) - 5) if len(items) > 5 else "")

        parts = [f"+{len(more)}" + (f": {names(more)}" if more else "")]
        parts.append(f"-{len(fewer)}" + (f": {names(fewer)}" if fewer else ""))
        return words.text("diff.affected", old=len(self.before), new=len(self.after),
                          parts="; ".join(parts))


@dataclass
class JobChange:
    """One job present in both catalogues, and what differs."""

    name: str
    kind: str
    fields: list[tuple[str, str, str]]  # (field, old, new), values written as in YAML
    before: list[datetime] | None = None  # next fire times, when the schedule moved
    after: list[datetime] | None = None
    affected: Affected | None = None  # jobs whose own fields changed, when counted
    note: str = ""  # why chats were not counted

    @property
    def params_changed(self) -> bool:
        """Whether the kind's own fields changed (the chats it acts on may change)."""
        return any(f not in COMMON_FIELDS for f, _, _ in self.fields)


@dataclass
class CatalogueDiff:
    """Everything that differs between two catalogues."""

    added: list[JobSpec] = field(default_factory=list)
    removed: list[JobSpec] = field(default_factory=list)
    changed: list[JobChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    sections: list[tuple[str, str, str]] = field(default_factory=list)  # alerts, bot, unfurl
    now: datetime | None = None  # fire times are counted from then (None: now; naive: job's zone)
    # Hides values that came from ${VAR} in either catalogue: a changed value is quoted.
    hide: Callable[[str], str] = field(default=lambda text: text)

    @property
    def empty(self) -> bool:
        """True when the catalogues mean the same."""
        return not (self.added or self.removed or self.changed or self.sections)


def _text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def schedule_text(job: JobSpec) -> str:
    """The schedule as written: crons joined by ``; `` or ``every 15m``."""
    if job.schedule.every is not None:
        return words.text("diff.every", duration=format_duration(job.schedule.every))
    return "; ".join(job.schedule.crons or [])


def _fields(job: JobSpec) -> dict[str, str]:
    """Every field of ``job`` as text, defaults applied."""
    out = {"kind": job.kind, "description": job.description, "schedule": schedule_text(job),
           "timezone": job.timezone, "workdays": _text(job.workdays),
           "enabled": _text(job.enabled)}
    for name in _DURATIONS:
        value = getattr(job, name)
        out[name] = "null" if value is None else format_duration(value)
    for name, value in job.params.model_dump(mode="json").items():
        out[name] = _text(value)
    return out


def _fires(job: JobSpec, now: datetime | None) -> list[datetime]:
    """The next three fire times from ``now`` (naive: in the job's zone)."""
    from zoneinfo import ZoneInfo

    from runner.schedule import next_fire_times

    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo(job.timezone))
    return next_fire_times(job, count=3, now=now) if job.enabled else []


def compare(old: Catalogue, new: Catalogue, now: datetime | None = None) -> CatalogueDiff:
    """What changes from ``old`` to ``new``; fire times are counted from ``now``."""
    diff = CatalogueDiff(
        added=[j for n, j in new.jobs.items() if n not in old.jobs],
        removed=[j for n, j in old.jobs.items() if n not in new.jobs],
        now=now,
        hide=lambda text: new.mask(old.mask(text)),
    )
    for name in (n for n in new.jobs if n in old.jobs):
        before, after = old.jobs[name], new.jobs[name]
        a, b = _fields(before), _fields(after)
        changed = [(k, a.get(k, "—"), b.get(k, "—")) for k in dict.fromkeys([*a, *b])
                   if a.get(k) != b.get(k)]
        if not changed:
            diff.unchanged.append(name)
            continue
        change = JobChange(name, after.kind, changed)
        if any(k in _WHEN for k, _, _ in changed):
            change.before, change.after = _fires(before, now), _fires(after, now)
        diff.changed.append(change)
    for section in ("alerts", "bot", "unfurl"):
        a_value, b_value = _dump(getattr(old, section)), _dump(getattr(new, section))
        if a_value != b_value:
            diff.sections.append((section, a_value, b_value))
    return diff


def _dump(value: Any) -> str:
    if isinstance(value, list):
        return _text([v.model_dump(mode="json") for v in value])
    return _text(value.model_dump(mode="json") if value is not None else None)


def _times(times: list[datetime] | None) -> str:
    return ", ".join(f"{t:%Y-%m-%d %H:%M %Z}" for t in times or []) or words.text("diff.none_disabled")


def _short(text: str) -> str:
    return text if len(text) <= 70 else text[:69] + "…"


def lines(diff: CatalogueDiff) -> list[str]:
    """The difference in words, for the operator."""
    if diff.empty:
        return [words.text("diff.same")]
    out: list[str] = []
    if diff.added:
        out.append(words.text("diff.added"))
        out += [words.text("diff.added_job", job=j.name, kind=j.kind, schedule=schedule_text(j),
                           times=_times(_fires(j, diff.now))) for j in diff.added]
    if diff.removed:
        out.append(words.text("diff.removed"))
        out += [f"  - {j.name} ({j.kind}): {schedule_text(j)}" for j in diff.removed]
    if diff.changed:
        out.append(words.text("diff.changed"))
    for change in diff.changed:
        out.append(f"  ~ {change.name} ({change.kind})")
        out += [f"      {name}: {_short(a)} -> {_short(b)}" for name, a, b in change.fields]
        if change.before is not None:
            out.append(words.text("diff.before", times=_times(change.before)))
            out.append(words.text("diff.after", times=_times(change.after)))
        if change.affected is not None:
            out.append(f"      {change.affected.line()}")
        elif change.note:
            out.append(f"      {change.note}")
    for section, a, b in diff.sections:
        out.append(words.text("diff.section", section=section, old=_short(a), new=_short(b)))
    if diff.unchanged:
        out.append(words.text("diff.unchanged", names=", ".join(diff.unchanged)))
    return [diff.hide(line) for line in out]
