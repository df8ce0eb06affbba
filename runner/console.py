"""What the CLI prints: tables and summaries a non-developer can read.

Uses rich (imported here only, so ``--help`` stays fast). Output to a pipe or a file
is plain text without colours or boxes that break in logs.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.markdown import Markdown

    from runner.catalogue import Catalogue, JobSpec
    from runner.execute import Outcome
    from runner.kinds.base import Progress
    from runner.state import RunRecord


def _console(pipe_width: int = 120) -> Console:
    tty = sys.stdout.isatty()
    return Console(no_color=not tty, width=None if tty else pipe_width, soft_wrap=not tty)


def as_markdown(text: str) -> Markdown:
    """A Pachca message for the terminal: Pachca keeps single line breaks, CommonMark
    would join them, so each one becomes a hard break. Links show their address: the
    operator checks where a message points, and not every terminal can click."""
    from rich.markdown import Markdown  # with its lexers, a fifth of a second: previews only

    return Markdown(text.replace("\n", "  \n"), hyperlinks=False)


def _when(value: datetime | None, zone: str | None = None) -> str:
    if value is None:
        return "—"
    if zone:
        value = value.astimezone(ZoneInfo(zone))
    return value.strftime("%Y-%m-%d %H:%M %Z").strip()


def print_jobs(catalogue: Catalogue, *, lang: str = "en", start: datetime | None = None,
               paused: Mapping[str, Any] | None = None) -> None:
    """The ``jobs`` list: each job's name and kind, then its schedule in words, next three
    fire times and the holidays it skips on lines below (readable at 80 columns).

    ``paused``: the jobs an operator paused (``Pause`` by name), shown with who paused
    them, when and why.

    ``start`` (naive = the job's zone) shows fire times from then instead of now.
    """
    from runner import layout, words

    total = layout.width()
    lines = [words.text("jobs.title", path=catalogue.path)]
    for job in catalogue.jobs.values():
        row = job_row(job, lang=lang, start=start)
        state = "" if job.enabled else "  " + words.text("jobs.disabled")
        lines += ["", f"{job.name}  {job.kind}{state}"]
        if job.description:
            lines += layout.wrap(catalogue.mask(job.description), total)
        if (pause := (paused or {}).get(job.name)) is not None:
            lines += layout.wrap(words.text(
                "jobs.paused", by=pause.by, at=_when(pause.at, job.timezone),
                reason=f": {pause.reason}" if pause.reason else ""), total)
        lines += layout.wrap(row["schedule"], total)
        if row["next"]:
            lines += layout.fill([_when(t) for t in row["next"]],
                                 words.text("jobs.next", times=""), total)
        if row["skipped"]:
            lines += layout.fill([d.isoformat() for d in row["skipped"]],
                                 words.text("jobs.skipped", dates=""), total)
    click.echo("\n".join(lines))


def job_row(job: JobSpec, *, lang: str, start: datetime | None) -> dict[str, Any]:
    """One job for ``jobs`` and ``jobs --json``: schedule in words, next fires, skipped days."""
    from runner.schedule import next_fire_times, skipped_dates
    from runner.schedule_words import describe

    zone = ZoneInfo(job.timezone)
    since = None if start is None else (
        start.replace(tzinfo=zone) if start.tzinfo is None else start
    )
    runs = next_fire_times(job, count=3, now=since) if job.enabled else []
    skipped = skipped_dates(job, days=30, now=since)[:5] if job.workdays and job.enabled else []
    return {"name": job.name, "kind": job.kind, "enabled": job.enabled,
            "schedule": describe(job, lang=lang), "timezone": job.timezone,
            "next": runs, "skipped": skipped}


def print_jobs_json(catalogue: Catalogue, *, lang: str, start: datetime | None,
                    paused: Mapping[str, Any] | None = None) -> None:
    """``jobs --json``: every job's row, times in ISO-8601 with their offset; ``paused``
    is who paused the job, when and why (null when it is not paused)."""
    rows = []
    for job in catalogue.jobs.values():
        row = job_row(job, lang=lang, start=start)
        pause = (paused or {}).get(job.name)
        row["paused"] = None if pause is None else {
            "by": pause.by, "at": pause.at.isoformat(), "reason": pause.reason}
        row["next"] = [t.isoformat() for t in row["next"]]
        row["skipped"] = [d.isoformat() for d in row["skipped"]]
        rows.append(row)
    sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")


def print_outcome(outcome: Outcome, *, dry_run: bool) -> None:
    """What a run did (or would have done), then its counts and outcome."""
    from runner import words

    console = _console()
    if dry_run:
        console.print(f"[bold]{words.text('outcome.dry_banner')}[/bold]")
    if outcome.report.lines:  # one print: the same text as a print a line, at half the CPU
        console.print("\n".join(f"  • {line}" for line in outcome.report.lines),
                      markup=False, highlight=False)
    counts = ", ".join(f"{words.count_name(k)}: {v}"
                       for k, v in sorted(outcome.report.counts.items()))
    if outcome.status == "failed":
        console.print(escape(words.text("outcome.failed_line", job=outcome.job,
                                        error=outcome.error)), style="red", highlight=False)
        for item in outcome.report.undone:
            console.print("  " + words.text("outcome.not_done", item=item), markup=False)
    elif outcome.status == "skipped":
        console.print(words.text("outcome.not_run", job=outcome.job, error=outcome.error),
                      markup=False)
    else:
        done = words.text("outcome.done", job=outcome.job,
                          status=words.text(f"outcome.{outcome.status}"),
                          seconds=words.decimal(outcome.duration))
        console.print(f"[green]{escape(done)}[/green]" + (f" ({escape(counts)})" if counts else ""),
                      highlight=False)


def print_preview(outcome: Outcome) -> None:
    """The rendered messages, markdown shown as it will look."""
    from runner import words

    console = _console()
    if not outcome.report.messages:
        console.print(words.text("preview.none"), markup=False)
    report = outcome.report
    hide = report.mask  # a text or a chat name may hold a value from ${VAR}
    for number, text in enumerate(report.messages, 1):
        to = hide(report.addressed[number - 1]) if number <= len(report.addressed) else ""
        console.rule(escape(words.text("preview.message", n=number) + (f" → {to}" if to else "")))
        console.print(as_markdown(hide(_named(text, report.mentions))))
        for name in report.files.get(number - 1, []):
            console.print(escape(f"📎 {name}"), highlight=False)
    print_outcome(outcome, dry_run=True)


def _named(text: str, mentions: Mapping[int, str]) -> str:
    """``<@id>`` shown as ``@Имя Фамилия``, as Pachca shows a mention."""
    import re

    return re.sub(r"<@(\d+)>", lambda m: "@" + mentions.get(int(m.group(1)), m.group(0)),
                  text)


def print_history_json(records: Iterable[RunRecord]) -> None:
    """``history --json``: every field of every run, times in ISO-8601 UTC."""
    from runner import words

    rows = []
    for r in records:
        row = dataclasses.asdict(r)
        for name, value in row.items():
            if isinstance(value, datetime):
                row[name] = value.isoformat()
        row["duration"] = r.duration
        # What the run said, in the reader's language (PACHCA_RUNNER_LANG).
        row["error"] = words.in_language(r.error) if r.error else r.error
        row["lines"] = [words.in_language(line) for line in r.lines]
        for ended in row["earlier_attempts"]:
            ended["error"] = words.in_language(ended["error"]) if ended["error"] else None
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
