"""The console's Starlette app, mounted at ``/console`` on the runner's server.

Server-rendered pages (Jinja2, autoescaped) over the daemon's own ``Runtime``: the
catalogue it runs now (reloads included) and its state store, read in threads so the
scheduler's loop never waits on the database.
"""

from __future__ import annotations

import asyncio
import ipaddress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from runner.web import texts, views

if TYPE_CHECKING:
    from runner.execute import Runtime
    from runner.settings import Settings

HERE = Path(__file__).parent
PREFIX = "/console"
LANG_COOKIE = "console_lang"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (an address) is this machine's own."""
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Console:
    """The pages, bound to the runner's settings and live runtime."""

    def __init__(self, settings: Settings, rt: Runtime) -> None:
        self.settings = settings
        self.rt = rt
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True, lstrip_blocks=True,
        )
        self.env.filters["when"] = _when

    # -- plumbing -----------------------------------------------------------------------

    def app(self) -> Starlette:
        """The Starlette app to mount at ``PREFIX``."""
        routes = [
            Route("/", self.home, methods=["GET"]),
            Route("/jobs", self.jobs, methods=["GET"]),
            Route("/runs", self.runs, methods=["GET"]),
            Route("/runs/{run_id:int}", self.run, methods=["GET"]),
            Route("/lang/{code}", self.switch_lang, methods=["GET"]),
            Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        ]
        return Starlette(routes=routes, exception_handlers={404: self.not_found})

    @staticmethod
    def lang(request: Request) -> str:
        """The reader's language: the switch's cookie, else Russian."""
        chosen = request.cookies.get(LANG_COOKIE, texts.DEFAULT_LANG)
        return chosen if chosen in texts.LANGS else texts.DEFAULT_LANG

    def refused(self, request: Request) -> Response | None:
        """A refusal when this reader may not see the pages, else None."""
        client = request.client.host if request.client else None
        if is_loopback(client):
            return None
        return self.page(request, "error.html", {"message": "error.forbidden"}, status=403)

    def page(self, request: Request, name: str, values: dict[str, Any], *, status: int = 200
             ) -> Response:
        """Render template ``name`` with the common values (language, words, navigation)."""
        lang = self.lang(request)

        def t(key: str, **fill: object) -> str:
            return texts.text(key, lang, **fill)

        body = self.env.get_template(name).render(
            t=t, lang=lang, other="en" if lang == "ru" else "ru", prefix=PREFIX,
            here=request.url.path, readonly=True, known=texts.TEXTS, **values,
        )
        return HTMLResponse(body, status_code=status, headers=HEADERS)

    def hider(self) -> views.Hider:
        """Hides this runner's secrets from what a page shows."""
        return views.Hider.of(self.settings, self.rt.catalogue)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """A 404 in the console's own words."""
        return self.page(request, "error.html", {"message": "error.not_found"}, status=404)

    # -- pages --------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        """``/console/``: the Jobs page is the front page."""
        return RedirectResponse(PREFIX + "/jobs", status_code=303)

    async def switch_lang(self, request: Request) -> Response:
        """Remember the reader's language and go back where they were."""
        code = request.path_params["code"]
        back = request.query_params.get("next", "")
        # Only back into the console: never an open redirect to elsewhere.
        target = back if back.startswith(PREFIX + "/") and "//" not in back else PREFIX + "/jobs"
        response = RedirectResponse(target, status_code=303)
        if code in texts.LANGS:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax",
                                httponly=True)
        return response

    async def jobs(self, request: Request) -> Response:
        """Every job: schedule in words, next fires, last run, state."""
        if (refusal := self.refused(request)) is not None:
            return refusal
        catalogue = self.rt.catalogue
        rows = await asyncio.to_thread(
            views.job_rows, catalogue, self.rt.state, self.hider(), self.lang(request))
        return self.page(request, "jobs.html", {"rows": rows, "catalogue": catalogue,
                                                "zones": self.zones()})

    async def runs(self, request: Request) -> Response:
        """The history, filtered by job, outcome and period, a page at a time."""
        if (refusal := self.refused(request)) is not None:
            return refusal
        catalogue = self.rt.catalogue
        chosen = views.RunFilter.parse(request.query_params, catalogue.jobs)
        records = await asyncio.to_thread(chosen.records, self.rt.state, datetime.now(UTC))
        hide = self.hider()
        return self.page(request, "runs.html", {
            "records": records[:views.PAGE], "more": len(records) > views.PAGE,
            "chosen": chosen, "jobs": sorted(catalogue.jobs), "outcomes": views.OUTCOMES,
            "periods": tuple(views.PERIODS), "zones": self.zones(), "hide": hide,
        })

    async def run(self, request: Request) -> Response:
        """One run: lines, counts, error, duration, replica, attempt and effects."""
        if (refusal := self.refused(request)) is not None:
            return refusal
        run_id = request.path_params["run_id"]
        found = await asyncio.to_thread(
            views.run_page, self.rt.state, self.rt.catalogue, self.hider(), run_id)
        if found is None:
            return self.page(request, "error.html",
                             {"message": "run.not_found", "fill": {"id": run_id}}, status=404)
        return self.page(request, "run.html", {"p": found, "r": found.run})

    def zones(self) -> dict[str, ZoneInfo]:
        """Each job's zone, so times read as the job's schedule does."""
        return {job.name: ZoneInfo(job.timezone) for job in self.rt.catalogue.jobs.values()}


def _when(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """A moment as the reader's clock on the job's wall shows it."""
    if value is None:
        return "—"
    if zone is not None:
        value = value.astimezone(zone)
    return value.strftime("%Y-%m-%d %H:%M")


def console_app(settings: Settings, rt: Runtime) -> Starlette:
    """The console for the runner's server to mount at ``PREFIX``."""
    return Console(settings, rt).app()
