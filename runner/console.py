"""What the CLI prints: tables and summaries a non-developer can read.

Uses rich (imported here only, so ``--help`` stays fast). Output to a pipe or a file
is plain text without colours or boxes that break in logs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

if TYPE_CHECKING:
    from collections.abc import Iterator

    from runner.catalogue import Catalogue
    from runner.execute import Outcome
    from runner.jobs.base import Progress
    from runner.state import RunRecord


def _console() -> Console:
    tty = sys.stdout.isatty()
    return Console(no_color=not tty, width=None if tty else 120, soft_wrap=not tty)


def as_markdown(text: str) -> Markdown:
    """A Pachca message for the terminal: Pachca keeps single line breaks, CommonMark
    would join them, so each one becomes a hard break."""
    return Markdown(text.replace("\n", "  \n"))


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
    from runner.schedule import describe, next_fire_times, skipped_dates

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
    for number, text in enumerate(outcome.report.messages, 1):
        console.rule(f"message {number}")
        console.print(as_markdown(text))
    print_outcome(outcome, dry_run=True)


def print_history(records: Iterable[RunRecord]) -> None:
    """The ``history`` table."""
    table = Table(title="Latest runs")
    for column in ("run", "job", "for", "replica", "outcome", "took", "counts", "error"):
        table.add_column(column)
    for r in records:
        took = f"{r.duration:.1f} s" if r.duration is not None else "—"
        counts = ", ".join(f"{k}={v}" for k, v in sorted((r.counts or {}).items()))
        table.add_row(
            str(r.id), r.job, _when(r.scheduled_for or r.started_at), r.replica or "—",
            r.status + (" (dry run)" if r.dry_run else ""), took, counts or "—",
            (r.error or "")[:80],
        )
    _console().print(table)


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
