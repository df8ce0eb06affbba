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
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from runner import words
from runner.offload import blocking
from runner.web import actions, auth, files, jobpage, preview, status, texts, views
from runner.web import plans as plan_pages
from runner.web.forms import LOGIN_COOKIE, PREFIX, inside, read_form

if TYPE_CHECKING:
    from runner.runtime import Runtime
    from runner.settings import Settings

HERE = Path(__file__).parent
LANG_COOKIE = "console_lang"
SESSION_COOKIE = "console_session"
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
        self.env.filters["size"] = files.size_text
        self.users = auth.accounts(settings)  # a bad entry stops the start, named
        self.limiter = auth.Limiter(rt.state)
        self.schedules = views.ScheduleCache()
        self._signer: Any = None
        self.tasks: set[asyncio.Task[Any]] = set()

    # -- plumbing -----------------------------------------------------------------------

    def app(self) -> Starlette:
        """The Starlette app to mount at ``PREFIX``."""
        routes = [
            Route("/", self.home, methods=["GET"]),
            Route("/jobs", self.jobs, methods=["GET"]),
            Route("/runs", self.runs, methods=["GET"]),
            Route("/runs/{run_id:int}", self.run, methods=["GET"]),
            Route("/lang/{code}", self.switch_lang, methods=["GET"]),
            Route("/login", self.login_form, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            *actions.routes(self),
            *plan_pages.routes(self),
            *status.routes(self),
            *preview.routes(self),
            *files.routes(self),
            *jobpage.routes(self),
            Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        ]
        from starlette.middleware import Middleware

        from runner.web.timing import ServerTiming

        return Starlette(routes=routes, exception_handlers={
                             404: self.not_found, 405: self.wrong_method},
                         middleware=[Middleware(ServerTiming)])

    def lang(self, request: Request) -> str:
        """The reader's language: the switch's cookie, else the runner's own
        (``PACHCA_RUNNER_LANG``) when it is set, else Russian."""
        chosen = request.cookies.get(LANG_COOKIE, "")
        if chosen in texts.LANGS:
            return chosen
        runner = (self.settings.lang or "").strip().lower()[:2]
        return runner if runner in texts.LANGS else texts.DEFAULT_LANG

    async def signer(self) -> Any:
        """Signs session cookies with a key every replica shares (kept in the store)."""
        if self._signer is None:
            from itsdangerous import URLSafeTimedSerializer

            from runner.server.secret import secret_path

            key = await secret_path(self.rt.state, "console_key")
            self._signer = URLSafeTimedSerializer(key, salt="console-session")
        return self._signer

    async def session(self, request: Request) -> auth.Session | None:
        """The logged-in reader of this request, or None."""
        from itsdangerous import BadSignature

        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        try:
            data = (await self.signer()).loads(cookie, max_age=auth.SESSION_AGE)
        except BadSignature:
            return None
        user = self.users.get(data.get("u", "")) if isinstance(data, dict) else None
        if user is None or user.role != data.get("r"):
            return None  # removed from the settings, or their role changed: log in again
        return auth.Session(user, str(data.get("c", "")))

    async def reader(self, request: Request) -> auth.Session | Response:
        """Who reads this page, or the answer for someone who may not: the login page
        when accounts are configured, a refusal off loopback when none are."""
        if self.users:
            found = await self.session(request)
            if found is not None:
                return found
            target = PREFIX + "/login?next=" + quote(request.url.path)
            return RedirectResponse(target, status_code=303)
        client = request.client.host if request.client else None
        if is_loopback(client):
            return auth.Session(auth.ANONYMOUS, "")
        return self.page(request, "error.html", {"message": "error.forbidden"}, status=403)

    def page(self, request: Request, name: str, values: dict[str, Any], *, status: int = 200,
             me: auth.Session | None = None) -> Response:
        """Render template ``name`` with the common values (language, words, navigation)."""
        lang = self.lang(request)

        def t(key: str, **fill: object) -> str:
            return texts.text(key, lang, **fill)

        def count(key: str) -> str:  # a run's count, named in the page's language
            return words.count_name(key, lang)

        def plural(n: int, forms: list[str]) -> str:
            return words.plural(n, forms, lang)

        def step(told: str) -> str:  # a running run's step, stored in the daemon's words
            return words.retell(told, "progress.", lang)

        def kind_name(kind: str) -> str:  # a job kind in words; a kind with none, its key
            return words.kind_name(kind, lang)

        body = self.env.get_template(name).render(
            t=t, count=count, plural=plural, kind_name=kind_name, step=step, lang=lang,
            other="en" if lang == "ru" else "ru", prefix=PREFIX,
            here=request.url.path, me=me, can_act=me is not None and me.user.operator,
            known=texts.TEXTS, **values,
        )
        return HTMLResponse(body, status_code=status, headers=HEADERS)

    async def big_page(self, request: Request, name: str, values: dict[str, Any], *,
                       me: auth.Session | None = None) -> Response:
        """``page`` rendered in a worker thread: a page of fifty rows takes ten
        milliseconds or more to render, which the scheduler's loop must not wait through."""
        return await blocking(self.page, request, name, values, me=me)

    def hider(self, request: Request | None = None) -> views.Hider:
        """Hides this runner's secrets from what a page shows; for a ``request``, says
        what runs recorded in its reader's language."""
        lang = None if request is None else self.lang(request)
        return views.Hider.of(self.settings, self.rt.catalogue, lang)

    def missing_page(self, request: Request, me: auth.Session | None) -> Response:
        """A 404 in the console's own words: no such page, job, run or file."""
        return self.page(request, "error.html", {"message": "error.not_found"}, status=404,
                         me=me)

    def refused_page(self, request: Request, me: auth.Session, exc: Exception, status: int
                     ) -> Response:
        """What the state or Pachca refused (``status``: 409 for a step refused, 502 for
        Pachca's answer), this runner's secrets hidden from it."""
        return self.page(request, "error.html", {
            "message": "error.action", "fill": {"error": self.hider()(str(exc))}},
            status=status, me=me)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """A 404 in the console's own words (the header still says who is logged in)."""
        return self.missing_page(request, await self.session(request))

    async def wrong_method(self, request: Request, exc: Exception) -> Response:
        """A 405 (a form posted to a page, a page fetched as a form) in the console's
        words, not Starlette's English line."""
        answer = self.page(request, "error.html", {"message": "error.method"}, status=405,
                           me=await self.session(request))
        allowed = getattr(exc, "headers", None) or {}
        if "Allow" in allowed:
            answer.headers["Allow"] = allowed["Allow"]
        return answer

    # -- pages --------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        """``/console/``: the Jobs page is the front page."""
        return RedirectResponse(PREFIX + "/jobs", status_code=303)

    async def switch_lang(self, request: Request) -> Response:
        """Remember the reader's language and go back where they were."""
        code = request.path_params["code"]
        back = request.query_params.get("next", "")
        response = RedirectResponse(inside(back), status_code=303)
        if code in texts.LANGS:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax",
                                httponly=True)
        return response

    async def jobs(self, request: Request) -> Response:
        """Every job: schedule in words, next fires, last run, state."""
        me = await self.reader(request)
        if isinstance(me, Response):
            return me
        catalogue = self.rt.catalogue
        pages = max(1, -(-len(catalogue.jobs) // views.JOBS_PAGE))
        page = min(views.page_number(request.query_params), pages - 1)
        rows = await self.rt.state.batch(
            views.job_rows, catalogue, self.hider(), self.lang(request), self.rt.clock(),
            page=page, cache=self.schedules)
        return await self.big_page(request, "jobs.html", {
            "rows": rows, "catalogue": catalogue, "zones": self.zones(), "page": page,
            "pages": pages}, me=me)

    async def runs(self, request: Request) -> Response:
        """The history, filtered by job, outcome and period, a page at a time."""
        me = await self.reader(request)
        if isinstance(me, Response):
            return me
        catalogue = self.rt.catalogue
        chosen = views.RunFilter.parse(request.query_params, catalogue.jobs)
        records, progress = await self.rt.state.batch(chosen.records, datetime.now(UTC))
        audit = [] if chosen.job is None else await self.rt.state.operator.audit(chosen.job)
        hide = self.hider(request)
        return await self.big_page(request, "runs.html", {
            "records": records[:views.PAGE], "more": len(records) > views.PAGE,
            "chosen": chosen, "jobs": sorted(catalogue.jobs), "outcomes": views.OUTCOMES,
            "periods": tuple(views.PERIODS), "zones": self.zones(), "hide": hide,
            "audit": audit, "progress": progress,
            # A run started here a moment ago may not be in the history yet: keep
            # reloading until it is (and then while it runs).
            "starting": any(not task.done() for task in self.tasks),
        }, me=me)

    async def run(self, request: Request) -> Response:
        """One run: lines, counts, error, duration, replica, attempt and effects."""
        me = await self.reader(request)
        if isinstance(me, Response):
            return me
        run_id = request.path_params["run_id"]
        found = await self.rt.state.batch(
            views.run_page, self.rt.catalogue, self.hider(request), run_id, PREFIX)
        if found is None:
            return self.page(request, "error.html",
                             {"message": "run.not_found", "fill": {"id": run_id}}, status=404,
                             me=me)
        return self.page(request, "run.html", {"p": found, "r": found.run}, me=me)

    async def login_form(self, request: Request, *, failed: str = "", status: int = 200
                         ) -> Response:
        """The login page; its form carries a token also set as a cookie (login CSRF)."""
        token = request.cookies.get(LOGIN_COOKIE) or auth.new_csrf()
        response = self.page(request, "login.html", {
            "csrf": token, "failed": failed, "next": request.query_params.get("next", ""),
            "no_accounts": not self.users}, status=status)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path=PREFIX)
        return response

    async def login(self, request: Request) -> Response:
        """Check the name and password; on success start a session and go on."""
        form = await read_form(request)
        if not self.users or not auth.same(form.get("csrf"), request.cookies.get(
                LOGIN_COOKIE, "")):
            return self.page(request, "error.html", {"message": "error.csrf"}, status=403)
        name, password = form.get("name", ""), form.get("password", "")
        if await self.limiter.locked(name):
            return await self.login_form(request, failed="login.locked", status=429)
        user = self.users.get(name)
        ok = await blocking(user.check, password) if user else False
        if user is None or not ok:
            await self.limiter.failed(name)
            return await self.login_form(request, failed="login.wrong", status=401)
        await self.limiter.succeeded(name)
        cookie = (await self.signer()).dumps({"u": user.name, "r": user.role,
                                              "c": auth.new_csrf()})
        back = form.get("next", "")
        response = RedirectResponse(inside(back), status_code=303)
        response.set_cookie(SESSION_COOKIE, cookie, max_age=auth.SESSION_AGE, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https",
                            path=PREFIX)
        return response

    async def logout(self, request: Request) -> Response:
        """End the session (a form with the CSRF token, so no page can log one out)."""
        me = await self.session(request)
        form = await read_form(request)
        if me is None or not auth.same(form.get("csrf"), me.csrf):
            return self.page(request, "error.html", {"message": "error.csrf"}, status=403)
        response = RedirectResponse(PREFIX + "/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    def zones(self) -> dict[str, ZoneInfo]:
        """Each job's zone, so times read as the job's schedule does."""
        return self.schedules.zones(self.rt.catalogue)


def _when(value: datetime | None, zone: ZoneInfo | None = None) -> str:
    """A moment as the reader's clock on the job's wall shows it, with the zone's name
    (MSK, UTC): a reader elsewhere cannot tell a bare time's zone."""
    if value is None:
        return "—"
    if value.tzinfo is None:  # the store's times are UTC
        value = value.replace(tzinfo=UTC)
    if zone is not None:
        value = value.astimezone(zone)
    return value.strftime("%Y-%m-%d %H:%M %Z").strip()


def console_app(settings: Settings, rt: Runtime) -> Starlette:
    """The console for the runner's server to mount at ``PREFIX``."""
    return Console(settings, rt).app()
