"""A page per job: what it is, when it runs next (holiday skips marked), whether it is
paused (who, when, why), its recent runs (with progress while one goes on), what
operators did to it, and its buttons (preview, run now, dry run, pause or resume)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.offload import blocking
from runner.web import views

if TYPE_CHECKING:
    from runner.catalogue import JobSpec
    from runner.state import RunRecord, StateStore
    from runner.state.operator import AuditEntry, Pause
    from runner.state.progress import RunProgress
    from runner.web.app import Console

RECENT = 10
"""Runs the job page lists (the history page has the rest)."""
FIRES = 5
"""Upcoming fires the job page lists."""


@dataclass
class JobPage:
    """Everything the job page shows."""

    job: JobSpec
    description: str
    schedule: str
    fires: list[views.Fire]
    pause: Pause | None
    runs: list[RunRecord]
    progress: dict[int, RunProgress] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)


def job_page(state: StateStore, job: JobSpec, hide: views.Hider, lang: str,
             fires: list[views.Fire]) -> JobPage:
    """The job page's contents (``fires``: its next ones): five queries, whatever the
    history's length, in one hop to the store's threads (``Store.batch``)."""
    from runner.schedule_words import describe

    runs = state.runs(job.name, RECENT)
    return JobPage(
        job=job, description=hide(job.description), schedule=describe(job, lang=lang),
        fires=fires,
        pause=state.paused([job.name]).get(job.name), runs=runs,
        progress=state.progress([r for r in runs if r.status == "running"]),
        audit=[_hidden(e, hide) for e in state.audit(job.name, limit=RECENT * 2)],
    )


def _hidden(entry: AuditEntry, hide: views.Hider) -> AuditEntry:
    from dataclasses import replace

    return replace(entry, detail=hide(entry.detail))


def routes(console: Console) -> list[Route]:
    """The job page."""

    async def show(request: Request) -> Response:
        me = await console.reader(request)
        if isinstance(me, Response):
            return me
        name = request.path_params["name"]
        job = console.rt.catalogue.jobs.get(name)
        if job is None:
            return console.page(request, "error.html", {
                "message": "job.not_found", "fill": {"job": name}}, status=404, me=me)
        fires = await blocking(console.schedules.fires, console.rt.catalogue, job,
                               console.rt.clock(), FIRES) if job.enabled else []
        found = await console.rt.state.batch(job_page, job, console.hider(),
                                             console.lang(request), fires)
        return await console.big_page(request, "job.html", {
            "p": found, "zone": console.zones().get(job.name)}, me=me)

    return [Route("/jobs/{name}", show, methods=["GET"])]
