"""What the CLI prints: tables and summaries a non-developer can read.

Uses rich (imported here only, so ``--help`` stays fast). Output to a pipe or a file
is plain text without colours or boxes that break in logs.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich import box
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from collections.abc import Iterator

    from runner.catalogue import Catalogue
    from runner.execute import Outcome
    from runner.jobs.base import Progress
    from runner.state import RunRecord


def _console(pipe_width: int = 120) -> Console:
    tty = sys.stdout.isatty()
    return Console(no_color=not tty, width=None if tty else pipe_width, soft_wrap=not tty)


def as_markdown(text: str) -> Markdown:
    """A Pachca message for the terminal: Pachca keeps single line breaks, CommonMark
    would join them, so each one becomes a hard break. Links show their address: the
    operator checks where a message points, and not every terminal can click."""
    return Markdown(text.replace("\n", "  \n"), hyperlinks=False)


def _when(value: datetime | None, zone: str | None = None) -> str:
    if value is None:
        return "—"
    if zone:
        value = value.astimezone(ZoneInfo(zone))
    return value.strftime("%Y-%m-%d %H:%M %Z").strip()


def print_jobs(catalogue: Catalogue, *, lang: str = "en", start: datetime | None = None) -> None:
    """The ``jobs`` table: name, kind, schedule in words, next three fire times.

    ``start`` (naive = the job's zone) shows fire times from then instead of now.
    """
    from runner.schedule import next_fire_times, skipped_dates
    from runner.schedule_words import describe

    table = Table(title=f"Jobs in {catalogue.path}", show_lines=False)
    for column in ("job", "kind", "schedule", "next runs", "skipped (holidays)"):
        table.add_column(column)
    for job in catalogue.jobs.values():
        zone = ZoneInfo(job.timezone)
        since = None if start is None else (
            start.replace(tzinfo=zone) if start.tzinfo is None else start
        )
        if job.enabled:
            runs = "\n".join(_when(t) for t in next_fire_times(job, count=3, now=since))
        else:
            runs = "disabled"
        skipped = ""
        if job.workdays and job.enabled:
            skipped = ", ".join(
                d.isoformat() for d in skipped_dates(job, days=30, now=since)[:5]
            )
        table.add_row(job.name, job.kind, describe(job, lang=lang), runs, skipped or "—")
    _console().print(table)


def print_outcome(outcome: Outcome, *, dry_run: bool) -> None:
    """What a run did (or would have done), then its counts and outcome."""
    console = _console()
    if dry_run:
        console.print("[bold]Dry run[/bold]: nothing was posted, archived or changed.")
    for line in outcome.report.lines:
        console.print(f"  • {line}", markup=False, highlight=False)
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(outcome.report.counts.items()))
    if outcome.status == "failed":
        console.print(f"[red]✗ {outcome.job} failed[/red]: {outcome.error}", highlight=False)
        for item in outcome.report.undone:
            console.print(f"  not done: {item}", markup=False)
    elif outcome.status == "skipped":
        console.print(f"– {outcome.job} not run: {outcome.error}")
    else:
        console.print(
            f"[green]✓ {outcome.job} {outcome.status}[/green] in {outcome.duration:.1f} s"
            + (f" ({counts})" if counts else ""),
            highlight=False,
        )


def print_preview(outcome: Outcome) -> None:
    """The rendered messages, markdown shown as it will look."""
    console = _console()
    if not outcome.report.messages:
        console.print("(this run would post no message)")
    report = outcome.report
    for number, text in enumerate(report.messages, 1):
        to = report.addressed[number - 1] if number <= len(report.addressed) else ""
        console.rule(escape(f"message {number}" + (f" → {to}" if to else "")))
        console.print(as_markdown(_named(text, report.mentions)))
    print_outcome(outcome, dry_run=True)


def local_time(moment: datetime, zone: tzinfo | None) -> str:
    """``moment`` as an operator reads it: in the job's zone (UTC if unknown), named."""
    return moment.astimezone(zone or UTC).strftime("%Y-%m-%d %H:%M:%S %Z")


def _named(text: str, mentions: Mapping[int, str]) -> str:
    """``<@id>`` shown as ``@Имя Фамилия``, as Pachca shows a mention."""
    import re

    return re.sub(r"<@(\d+)>", lambda m: "@" + mentions.get(int(m.group(1)), m.group(0)),
                  text)


def run_key_label(record: RunRecord, zone: tzinfo | None = None) -> str:
    """A run's claim key without the job name: the fire time it stands for (in the job's
    ``zone``), or ``manual <id>`` / ``dry run <id>`` for the runs that stand for no fire."""
    _, _, tail = record.key.partition("@")
    for prefix, label in (("dry-run:", "dry run"), ("manual:", "manual")):
        if tail.startswith(prefix):
            rest = tail.removeprefix(prefix)
            with suppress(ValueError):  # a dry run of a fire: its fire time
                rest = local_time(datetime.fromisoformat(rest), zone)
            return f"{label} {rest}"
    if record.scheduled_for is not None:
        return local_time(record.scheduled_for, zone)
    return record.key


def print_history(records: Iterable[RunRecord],
                  zones: Mapping[str, tzinfo] | None = None) -> None:
    """The ``history`` table: one run a row; a run taken over shows its attempt. Times are
    in each job's zone (``zones``, from the catalogue; UTC for a job no longer in it)."""
    zones = zones or {}
    table = Table(title="Latest runs", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("run", "job", "key", "started", "replica", "outcome", "took"):
        table.add_column(column, no_wrap=True)
    table.add_column("counts", overflow="fold")
    table.add_column("error", overflow="fold")
    for r in records:
        took = f"{r.duration:.1f} s" if r.duration is not None else "—"
        counts = ", ".join(f"{k}={v}" for k, v in sorted((r.counts or {}).items()))
        replica = (r.replica or "—") + (f" (attempt {r.attempt})" if r.attempt > 1 else "")
        table.add_row(
            str(r.id), r.job, run_key_label(r, zones.get(r.job)),
            local_time(r.started_at, zones.get(r.job)),
            replica, r.status + (" (dry run)" if r.dry_run else ""), took, counts or "—",
            attempt_errors(r)[:240],
        )
    # Piped or logged: wide enough that a run stays on one line for grep.
    _console(pipe_width=240).print(table)


def attempt_errors(record: RunRecord) -> str:
    """The run's error, and how each earlier attempt of a resumed run ended, newest first."""
    if not record.earlier_attempts:
        return record.error or ""
    parts = [f"attempt {record.attempt}: {record.error}"] if record.error else []
    for earlier in reversed(record.earlier_attempts):
        status, error = earlier.get("status"), earlier.get("error")
        ended = {"running": "stopped before it finished", "abandoned": "abandoned"}.get(
            str(status), str(status))
        parts.append(f"attempt {earlier.get('attempt')} {ended}" + (f": {error}" if error else ""))
    return "; ".join(parts)


def print_history_json(records: Iterable[RunRecord]) -> None:
    """``history --json``: every field of every run, times in ISO-8601 UTC."""
    rows = []
    for r in records:
        row = dataclasses.asdict(r)
        for name, value in row.items():
            if isinstance(value, datetime):
                row[name] = value.isoformat()
        row["duration"] = r.duration
        rows.append(row)
    sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Progress]:
    """A progress callback: a live bar on a terminal, nothing elsewhere."""
    if not enabled or not sys.stderr.isatty():
        yield lambda what, done, total: None
        return
    from rich.progress import Progress as RichProgress

    with RichProgress(console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, object] = {}

        def update(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)  # type: ignore[arg-type]

        yield update
