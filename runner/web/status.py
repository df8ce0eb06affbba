"""The Catalogue and Health pages.

Catalogue: the catalogue the daemon runs, when it was loaded, whether the file on disk
still validates (every problem with file:line), and "check a draft": a pasted
``jobs.yaml`` is validated and compared with the running one. Nothing here writes
``jobs.yaml``: the file in the repository stays the source of truth.

Health: replicas and their heartbeats, the alerts chat, this replica's API calls and
rate-limit waits, and the token's user and scopes.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner import words
from runner.errors import CatalogueError, RunnerError
from runner.offload import blocking
from runner.web.forms import LOGIN_COOKIE, PREFIX, read_form

if TYPE_CHECKING:
    from runner.catalogue import Catalogue
    from runner.web.app import Console

MAX_DRAFT = 512 * 1024


def routes(console: Console) -> list[Route]:
    """The Catalogue and Health pages."""
    pages = StatusPages(console)
    return [
        Route("/catalogue", pages.catalogue, methods=["GET"]),
        Route("/catalogue/check", pages.check, methods=["POST"]),
        Route("/health", pages.health, methods=["GET"]),
    ]


class StatusPages:
    """The endpoints, over the console."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._seen: tuple[int, datetime] | None = None

    def loaded_at(self) -> datetime:
        """When the running catalogue was (re)loaded, as first seen by the console."""
        current = id(self.console.rt.catalogue)
        if self._seen is None or self._seen[0] != current:
            self._seen = (current, datetime.now(UTC))
        return self._seen[1]

    def _validate(self, path: Path, *, draft: bool = False) -> tuple[Catalogue | None, list[str]]:
        """The catalogue at ``path`` and its problems (masked, located), never raising."""
        from runner.catalogue import validate

        running = self.console.rt.catalogue
        settings = self.console.settings
        try:
            found = validate(path, env=settings.environment(),
                             templates_dir=running.templates_dir,
                             default_timezone=settings.timezone)
        except CatalogueError as exc:
            hide = self.console.hider()
            shown = [hide(str(running.hide(p))) for p in exc.problems]
            if draft:
                named = words.text("console.draft_name")  # in the reader's language
                shown = [line.replace(str(path), named) for line in shown]
            return None, shown
        except (RunnerError, OSError) as exc:
            return None, [self.console.hider()(str(exc))]
        return found, []

    async def catalogue(self, request: Request, *, draft: str = "",
                        result: dict[str, Any] | None = None) -> Response:
        """The running catalogue's health, and the draft form (with its result)."""
        from runner.web.auth import new_csrf

        console = self.console
        me = await console.reader(request)
        if isinstance(me, Response):
            return me
        running = console.rt.catalogue
        with words.speaking(console.lang(request)):  # the problems, in the reader's words
            _, problems = await blocking(self._validate, running.path)
        token = request.cookies.get(LOGIN_COOKIE) or new_csrf()
        response = console.page(request, "catalogue.html", {
            "catalogue": running, "loaded": self.loaded_at(), "problems": problems,
            "draft": draft, "result": result, "csrf": token}, me=me)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path=PREFIX)
        return response

    async def check(self, request: Request) -> Response:
        """Validate a pasted draft and diff it against the running catalogue."""
        from runner.web.auth import same

        console = self.console
        me = await console.reader(request)
        if isinstance(me, Response):
            return me
        form = await read_form(request)
        # Checking writes nothing, but a form is a form: the same double-submit token.
        if not same(form.get("csrf"), request.cookies.get(LOGIN_COOKIE, "")):
            return console.page(request, "error.html", {"message": "error.csrf"},
                                status=403, me=me)
        draft = form.get("draft", "")[:MAX_DRAFT]
        with words.speaking(console.lang(request)):  # the problems and changes, too
            result = await blocking(self._check, draft)
        return await self.catalogue(request, draft=draft, result=result)

    def _check(self, draft: str) -> dict[str, Any]:
        from runner.catalogue.diff import compare, lines

        running = self.console.rt.catalogue
        with tempfile.TemporaryDirectory(prefix="draft-") as folder:
            path = Path(folder) / "jobs.yaml"
            path.write_text(draft, encoding="utf-8")
            found, problems = self._validate(path, draft=True)
        if found is None:
            return {"problems": problems, "diff": []}
        hide = self.console.hider()
        # The draft's own ${VAR} values are hidden too, not only the running one's.
        return {"problems": [], "diff": [hide(found.mask(line))
                                         for line in lines(compare(running, found))]}

    async def health(self, request: Request) -> Response:
        """Replicas, the alerts chat, API calls and waits, the token's user and scopes."""
        from runner.scopes import token_info

        console = self.console
        me = await console.reader(request)
        if isinstance(me, Response):
            return me
        rt = console.rt
        replicas = await rt.state.replicas.seen()
        try:
            info = await token_info(rt.client)
            bot_user_id, token_error = await rt.bot_user.get(), ""
        except RunnerError as exc:
            info, bot_user_id, token_error = None, None, console.hider()(str(exc))
        limiter = rt.client.limiter
        return console.page(request, "health.html", {
            "replicas": replicas, "this": rt.state.replica, "lease": rt.lease,
            "now": datetime.now(UTC), "alerts": rt.catalogue.alerts,
            "stats": dict(rt.client.stats), "waits": limiter.waits,
            "waited": limiter.waited, "info": info, "token_error": token_error,
            "bot_user_id": bot_user_id}, me=me)
