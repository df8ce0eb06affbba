"""``history`` and ``history show RUN_ID``: the run history as an operator reads it.

The list gives each run one line of short fields (id, job, the fire it stands for,
outcome, duration) and the long ones (replica, counts, error) on lines below, so it
reads at 80 columns and the id ``undo`` needs is always there. ``show`` prints one run
whole: its fields, what it did, its effects and chat actions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from runner import layout, words
from runner.errors import InputError
from runner.settings import Settings
from runner.state import RunRecord, TargetRecord

if TYPE_CHECKING:
    from runner.kinds.base import ChatAction

ERROR_SHOWN = 240
"""Characters of an error the list shows; ``history show`` prints it whole."""
FAILED = ("failed", "abandoned")
"""The outcomes ``history --failed`` lists: runs that did not end well."""


def local_time(moment: datetime, zone: tzinfo | None) -> str:
    """``moment`` as an operator reads it: in the job's zone (UTC if unknown), named."""
    return moment.astimezone(zone or UTC).strftime("%Y-%m-%d %H:%M:%S %Z")


def attempt_errors(record: RunRecord) -> str:
    """The run's error, and how each earlier attempt of a resumed run ended, newest first."""
    error = words.in_language(record.error) if record.error else ""
    if not record.earlier_attempts:
        return error
    parts = [words.text("history.attempt_error", n=record.attempt, error=error)] if error else []
    for earlier in reversed(record.earlier_attempts):
        status, error = str(earlier.get("status")), earlier.get("error")
        ended = (words.text("history.attempt_stopped") if status == "running"
                 else words.text_or(f"outcome.{status}", status))
        ended = words.text("history.attempt_ended", n=earlier.get("attempt"), ended=ended)
        parts.append(ended + (f": {words.in_language(error)}" if error else ""))
    return "; ".join(parts)


def run_key_label(record: RunRecord, zone: tzinfo | None = None) -> str:
    """A run's claim key without the job name: the fire time it stands for (in the job's
    ``zone``), or ``manual <id>`` / ``dry run <id>`` for the runs that stand for no fire."""
    _, _, tail = record.key.partition("@")
    for prefix, label in (("dry-run:", "history.dry_key"), ("manual:", "history.manual")):
        if tail.startswith(prefix):
            rest = tail.removeprefix(prefix)
            with suppress(ValueError):  # a dry run of a fire: its fire time
                rest = local_time(datetime.fromisoformat(rest), zone)
            return f"{words.text(label)} {rest}"
    if record.scheduled_for is not None:
        return local_time(record.scheduled_for, zone)
    return record.key


def outcome(record: RunRecord) -> str:
    """``succeeded``, ``failed (dry run)``: the outcome in the operator's language."""
    name = f"outcome.{record.status}"
    shown = words.text(name) if name in words.MESSAGES else record.status
    return shown + (words.text("history.dry") if record.dry_run else "")


def took(record: RunRecord) -> str:
    """The run's duration, ``—`` while it runs."""
    seconds = record.duration
    return "—" if seconds is None else words.text("unit.seconds", n=words.decimal(seconds))


def counts(record: RunRecord) -> list[str]:
    """``posted=3``, one item a count, sorted."""
    return [f"{words.count_name(k)}={v}" for k, v in sorted((record.counts or {}).items())]


def _status(status: str) -> str:
    """An effect's status (``done``, ``pending``) in words; an unknown one as it is."""
    return words.text_or(f"target.{status}", status)


def replica(record: RunRecord) -> str:
    """The replica that ran it, with the attempt when it was taken over."""
    name = record.replica or "—"
    return words.text("history.attempt", replica=name, n=record.attempt) if record.attempt > 1 \
        else name


def parse_since(value: str, zone: tzinfo, now: datetime) -> datetime:
    """``--since``: a date or date and time (in ``zone``), or a duration back from ``now``."""
    from runner.durations import parse_duration

    with suppress(ValueError):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    try:
        return now - timedelta(seconds=parse_duration(value))
    except ValueError:
        raise InputError(words.text("history.bad_since", value=value)) from None


def check_job(name: str, known: Iterable[str]) -> None:
    """An InputError suggesting the closest name when ``name`` is neither in the catalogue
    nor in the history (an empty table would hide the typo)."""
    names = sorted(set(known))
    if name in names:
        return
    close = difflib.get_close_matches(name, names, n=1)
    hint = words.text("hint.did_you_mean", word=close[0]) if close else ""
    raise InputError(words.text("history.unknown_job", name=name, hint=hint,
                                known=", ".join(names) or words.text("word.none")))


def history_lines(records: Sequence[RunRecord], zones: Mapping[str, tzinfo],
                  total: int) -> list[str]:
    """The ``history`` list at ``total`` columns (see the module's docstring)."""
    if not records:
        return [words.text("history.empty")]
    header = words.text("history.columns").split("|")
    cells = [header] + [
        [str(r.id), r.job, run_key_label(r, zones.get(r.job)), outcome(r), took(r)]
        for r in records
    ]
    firsts = layout.rows(cells, total, right=(0,))
    lines = [words.text("history.title"), *firsts[0]]
    for record, first in zip(records, firsts[1:], strict=True):
        lines += first
        details = [words.text("history.on", replica=replica(record)), *counts(record)]
        lines += layout.fill(details, "", total)
        error = attempt_errors(record)
        if error:
            if len(error) > ERROR_SHOWN:
                error = error[:ERROR_SHOWN] + words.text("history.more", id=record.id)
            lines += layout.wrap(words.text("history.error", error=error), total)
    return lines


def run_lines(record: RunRecord, zone: tzinfo | None, effects: Sequence[TargetRecord],
              actions: Sequence[ChatAction], total: int) -> list[str]:
    """``history show RUN_ID``: every field of one run, then its lines and effects."""
    labels = words.text("run.fields").split("|")
    values = [
        record.key, run_key_label(record, zone), local_time(record.started_at, zone),
        local_time(record.finished_at, zone) if record.finished_at else "—", took(record),
        replica(record), outcome(record), ", ".join(counts(record)) or "—",
        attempt_errors(record) or "—",
    ]
    wide = max(len(label) for label in labels) + 2
    lines = [words.text("run.title", id=record.id, job=record.job, kind=record.kind)]
    for label, value in zip(labels, values, strict=True):
        lines += _field(f"{label}:".ljust(wide), value, total)
    sections: list[tuple[str, list[str]]] = [
        ("run.lines", [words.in_language(line) for line in record.lines]),
        ("run.effects", [f"{t.target}: {_status(t.status)} {_detail(t.detail, t.target)}".rstrip()
                         for t in effects]),
        ("run.actions", [f"{local_time(a.at, zone)} {words.text_or('action.' + a.action, a.action)}"
                          f" {words.text('post.chat', id=a.chat_id)}"
                         f" {_detail(a.detail, str(a.chat_id))}".rstrip() for a in actions]),
    ]
    for title, items in sections:
        if title != "run.lines" and not items:
            continue
        lines += ["", words.text(title)]
        for item in items or [words.text("run.none")]:
            lines += layout.wrap(f"• {item}", total, indent=2)
    return lines


def _field(label: str, value: str, total: int) -> list[str]:
    """``label value``, the value wrapped under itself when long."""
    pad = " " * (2 + len(label))
    wrapped = layout.wrap(value, total - len(pad) + layout.INDENT)
    first, *rest = [line.strip() for line in wrapped] or [""]
    return [f"  {label}{first}", *(pad + "  " + line for line in rest)]


def _detail(detail: Mapping[str, object], named: str) -> str:
    """What an operator reads of an effect's or a chat action's record: the chat's or
    file's name, the message or chat it made (unless ``named`` already says which), the
    files it sent, the reason, and whether a later run found it done. Hashes, cursors and
    attempt times are the runner's own bookkeeping: ``--json`` shows them."""
    said = [f"«{detail['name']}»"] if detail.get("name") else []
    ids_named = set(re.split(r"\D+", named))
    for key in ("message_id", "chat_id"):
        value = detail.get(key)
        if value and str(value) not in ids_named:
            said.append(words.text(f"run.detail.{key}", id=value))
    files = detail.get("files")
    if isinstance(files, list) and files:
        names = ", ".join(str(f.get("name", "")) for f in files if isinstance(f, Mapping))
        said.append(words.text("run.detail.files", names=names))
    if detail.get("reason"):
        said.append(str(detail["reason"]))
    if detail.get("recovered"):
        said.append(words.text("run.detail.recovered"))
    return "; ".join(said)


def show_history(settings: Settings, job: str | None, *, limit: int, failed: bool,
                 since: str | None, as_json: bool) -> None:
    """``history``: the latest runs, filtered; an unknown job name is an error."""
    from runner.opening import job_zones, open_state

    zones = job_zones(settings)
    state = open_state(settings, reading=True)  # the core tables only
    try:
        if job is not None and job not in zones:  # the history's names: only when needed
            check_job(job, [*zones, *state.job_names()])
        start = None
        if since is not None:
            zone = zones.get(job or "") or zone_of(settings.timezone)
            start = parse_since(since, zone, datetime.now(UTC))
        records = state.runs(job, limit=limit, statuses=FAILED if failed else None,
                             since=start)
    finally:
        state.close()
    if as_json:
        from runner.console import print_history_json  # rich: only for --json

        print_history_json(records)
    else:
        echo(history_lines(records, zones, layout.width(piped=240)))


def show_run(settings: Settings, run_id: str, *, as_json: bool) -> None:
    """``history show RUN_ID``: one run whole."""
    from runner.console import print_history_json
    from runner.kinds import registry
    from runner.opening import job_zones, open_state

    state = open_state(settings)
    try:
        record = state.get_run(int(run_id)) if run_id.isdigit() else None
        if record is None:
            raise InputError(words.text("history.no_run", id=run_id))
        effects, actions = state.targets(record.key), registry.run_actions(state, record.id)
    finally:
        state.close()
    if as_json:
        print_history_json([record])
        return
    zone = job_zones(settings).get(record.job)
    echo(run_lines(record, zone, effects, actions, layout.width()))


def zone_of(name: str | None) -> tzinfo:
    """A zone by name (UTC when none)."""
    return ZoneInfo(name) if name else UTC


def echo(lines: Sequence[str]) -> None:
    """Print the lines as they are (no re-wrapping, no markup)."""
    click.echo("\n".join(lines))
