"""What the console's pages show, gathered from the catalogue and the state store.

Plain dataclasses for the templates: a template never reaches the store or a client.
Every text that came from a run or the catalogue passes through ``Hider`` on its way
here, so a page cannot show a token, a webhook secret or a ``${VAR}`` value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from runner import words

if TYPE_CHECKING:
    from runner.catalogue import Catalogue, JobSpec
    from runner.kinds.base import ChatAction
    from runner.settings import Settings
    from runner.state import RunRecord, StateStore
    from runner.state.operator import AuditEntry, Pause
    from runner.state.progress import RunProgress
    from runner.web.files import Attached

PAGE = 50
"""Runs on one page of the history."""
JOBS_PAGE = 50
"""Jobs on one page of the Jobs page."""
PERIODS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}
OUTCOMES = ("succeeded", "failed", "skipped", "abandoned", "running")
MESSAGE_URL = "https://app.pachca.com/chats/{chat}?message={message}"
MASK = "••••••"


@dataclass(frozen=True)
class Hider:
    """Hides the settings' secrets (as ``MASK``) and ``${VAR}`` values (as the reference);
    with a ``lang``, says what a run recorded as a message in that language first."""

    catalogue: Catalogue
    secrets: tuple[str, ...] = ()
    lang: str | None = None

    @classmethod
    def of(cls, settings: Settings, catalogue: Catalogue, lang: str | None = None) -> Hider:
        """The secrets of ``settings`` (tokens, the webhook secret) and the catalogue's."""
        values = (settings.token, settings.export_token, settings.webhook_secret)
        found = tuple(v.get_secret_value() for v in values if v is not None)
        return cls(catalogue, tuple(sorted((s for s in found if s), key=len, reverse=True)),
                   lang)

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        if self.lang is not None:
            text = words.in_language(text, self.lang)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return self.catalogue.mask(text)


@dataclass(frozen=True)
class Fire:
    """One upcoming fire time, or a date the working-day rule skips."""

    when: datetime | date
    skipped: bool = False


@dataclass(frozen=True)
class JobRow:
    """One line of the Jobs page."""

    name: str
    description: str
    kind: str
    schedule: str
    enabled: bool
    fires: list[Fire]
    last: RunRecord | None
    pause: Pause | None = None


class ScheduleCache:
    """Next fires already worked out, until the first of them passes, and schedules in
    words.

    Working out a year's fires over holiday calendars takes milliseconds a job, and the
    Jobs page lists fifty jobs: the answer holds until time reaches its first fire
    (or the end of its first skipped day), so it is kept until then. A reloaded
    catalogue starts afresh: its schedules may differ.
    """

    def __init__(self) -> None:
        self._catalogue: Catalogue | None = None
        self._found: dict[tuple[str, int], tuple[datetime, list[Fire]]] = {}
        self._words: dict[tuple[str, str], str] = {}
        self._zones: dict[str, ZoneInfo] = {}

    def _of(self, catalogue: Catalogue) -> None:
        if catalogue is not self._catalogue:
            self._catalogue, self._found, self._words, self._zones = catalogue, {}, {}, {}

    def words(self, catalogue: Catalogue, job: JobSpec, lang: str) -> str:
        """The job's schedule in words (``schedule_words.describe``)."""
        from runner.schedule_words import describe

        self._of(catalogue)
        key = (job.name, lang)
        if key not in self._words:
            self._words[key] = describe(job, lang=lang)
        return self._words[key]

    def zones(self, catalogue: Catalogue) -> dict[str, ZoneInfo]:
        """Each job's zone, so times read as the job's schedule does."""
        self._of(catalogue)
        if not self._zones:
            self._zones = {job.name: ZoneInfo(job.timezone) for job in catalogue.jobs.values()}
        return self._zones

    def fires(self, catalogue: Catalogue, job: JobSpec, now: datetime, count: int = 3
              ) -> list[Fire]:
        """``next_fires(job, now, count)``, worked out again only once it changed."""
        self._of(catalogue)
        kept = self._found.get((job.name, count))
        if kept is not None and now < kept[0]:
            return kept[1]
        fires = next_fires(job, now, count)
        zone = ZoneInfo(job.timezone)
        ends = [f.when if isinstance(f.when, datetime) else
                datetime.combine(f.when + timedelta(days=1), datetime.min.time(), zone)
                for f in fires]
        self._found[(job.name, count)] = (min(ends, default=now + timedelta(hours=1)), fires)
        return fires


def job_rows(state: StateStore, catalogue: Catalogue, hide: Hider, lang: str,
             now: datetime, page: int = 0, cache: ScheduleCache | None = None) -> list[JobRow]:
    """The jobs of page ``page`` (``JOBS_PAGE`` a page, in the catalogue's order) with
    their next three fires and last runs: two queries for the whole page, in one hop to
    the store's threads (``Store.batch``)."""
    cache = cache or ScheduleCache()

    shown = list(catalogue.jobs.values())[page * JOBS_PAGE:(page + 1) * JOBS_PAGE]
    names = [job.name for job in shown]
    paused = state.paused(names)
    last = state.last_runs(names)
    return [
        JobRow(
            name=job.name, description=hide(job.description), kind=job.kind,
            schedule=cache.words(catalogue, job, lang), enabled=job.enabled,
            fires=cache.fires(catalogue, job, now) if job.enabled else [],
            last=last.get(job.name), pause=paused.get(job.name),
        )
        for job in shown
    ]


def next_fires(job: JobSpec, now: datetime | None = None, count: int = 3) -> list[Fire]:
    """The next ``count`` fires, and the holidays skipped before the last of them."""
    from runner.schedule import next_fire_times, skipped_dates

    times = next_fire_times(job, count=count, now=now)
    fires = [Fire(t) for t in times]
    if job.workdays and times:
        horizon = times[-1].date()
        fires += [Fire(d, skipped=True) for d in skipped_dates(job, days=60, now=now)
                  if d < horizon]
    return sorted(fires, key=lambda f: _day(f.when))


def _day(when: datetime | date) -> tuple[date, int]:
    if isinstance(when, datetime):
        return when.date(), 1
    return when, 0  # a skipped day sorts before a fire later that day


@dataclass(frozen=True)
class RunFilter:
    """The Runs page's filters, read from its query string; unknown values are ignored."""

    job: str | None = None
    outcome: str | None = None
    period: str | None = None
    page: int = 0

    @classmethod
    def parse(cls, query: Any, jobs: Any) -> RunFilter:
        """From a request's query parameters; ``jobs``: the names a filter may name."""
        job = query.get("job") or None
        outcome = query.get("outcome") or None
        period = query.get("period") or None
        page = page_number(query)
        return cls(
            job=job if job in jobs else None,
            outcome=outcome if outcome in OUTCOMES else None,
            period=period if period in PERIODS else None,
            page=page,
        )

    def records(self, state: StateStore, now: datetime
                ) -> tuple[list[RunRecord], dict[int, RunProgress]]:
        """The page of history these filters select (one more than a page: is there
        more), and the progress of the runs on it still running."""
        since = now - PERIODS[self.period] if self.period else None
        found = state.runs(self.job, PAGE + 1, status=self.outcome, since=since,
                           offset=self.page * PAGE)
        return found, state.progress([r for r in found[:PAGE] if r.status == "running"])


LAST_PAGE = 10**9
"""No history has more pages; a larger number would overflow the store's offset."""


def page_number(query: Any) -> int:
    """The ``page`` a query string asks for (from 0; nonsense reads as the first, a
    number past any history as the last page there could be, which is empty)."""
    try:
        return min(max(0, int(query.get("page", "0"))), LAST_PAGE)
    except ValueError:
        return 0


@dataclass(frozen=True)
class Posted:
    """A message a run posted, with its link in Pachca and the files it carries."""

    chat_id: int
    message_id: int
    url: str
    files: list[Attached] = field(default_factory=list)


@dataclass
class RunPage:
    """Everything the run page shows: the record (masked), its effects."""

    run: RunRecord
    error: str
    lines: list[str]
    zone: ZoneInfo
    posted: list[Posted] = field(default_factory=list)
    actions: list[ChatAction] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # chat id -> name as recorded
    files: list[Any] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    progress: RunProgress | None = None


def run_page(state: StateStore, catalogue: Catalogue, hide: Hider, run_id: int,
             prefix: str = "") -> RunPage | None:
    """The run ``run_id`` and what it did, or None when there is no such run; links to
    its messages' files start with ``prefix`` (the console's). Run on the store's threads
    by ``Store.batch``."""
    from runner.kinds import registry
    from runner.web.files import posted

    record = state.get_run(run_id)
    if record is None:
        return None
    job = catalogue.jobs.get(record.job)
    zone = ZoneInfo(job.timezone if job else catalogue.timezone)
    page = RunPage(record, hide(record.error), [hide(line) for line in record.lines], zone)
    for target in state.targets(record.key):
        detail = target.detail
        if target.status == "done" and detail.get("message_id") and detail.get("chat_id"):
            page.posted.append(Posted(
                detail["chat_id"], detail["message_id"],
                MESSAGE_URL.format(chat=detail["chat_id"], message=detail["message_id"]),
                posted(prefix, record.id, detail["message_id"], detail.get("files") or [])))
    page.actions = registry.run_actions(state, record.id)
    page.names = {a.chat_id: hide(str(a.detail["name"])) for a in page.actions
                  if a.detail.get("name")}
    kind = registry.find_kind(record.kind)
    if kind is not None:
        page.files = list(kind.run_files(state, record.job))
    page.audit = state.audit(record.job, run_id=record.id)
    if record.status == "running":
        page.progress = state.progress([record]).get(record.id)
    return page
