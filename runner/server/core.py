"""``RunnerServer``: the runner's own HTTP endpoints, served inside the runner's loop.

Endpoints: ``GET /healthz``, ``GET /metrics``, the routes job kinds serve
(``JobKind.routes``: the export's ready webhook), the operators' console under
``/console`` when the setting turns it on (``runner.web``), plus whatever other parts add
with ``add_route`` (the bot's signed event webhook). uvicorn serves the Starlette app as a
task of the running loop; the runner, not uvicorn, owns the process's signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Generator, Sequence
from typing import TYPE_CHECKING

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from runner import words
from runner.addresses import Senders, trusted_proxies, webhook_senders
from runner.errors import RunnerError, SettingsError
from runner.kinds import registry
from runner.server.guard import BodyGuard, head_guarded
from runner.server.metrics import CONTENT_TYPE, runner_metrics
from runner.server.paths import OWN_ROUTES
from runner.server.secret import SERVER_JOB, secret_path
from runner.server.senders import SenderGuard

if TYPE_CHECKING:
    from runner.runtime import Runtime
    from runner.settings import Settings

log = logging.getLogger("runner.server")

Endpoint = Callable[[Request], Awaitable[Response]]

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 5


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the daemon handles SIGTERM/SIGHUP itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class RunnerServer:
    """The runner's HTTP server; ``start()`` returns once it accepts connections.

    Another part adds an endpoint (before or after ``start()``)::

        server.add_route("/hooks/bot/" + await server.secret_path("bot_path"), handler)

    where ``handler(request) -> Response`` is a Starlette endpoint; ``read_body`` in
    ``runner.server.secret`` reads a body with a size cap.
    """

    def __init__(self, settings: Settings, *, routes: Sequence[BaseRoute] = ()) -> None:
        self.settings = settings
        self._rt: Runtime | None = None
        self._extra: list[BaseRoute] = list(routes)
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._sock: socket.socket | None = None
        self._app: Starlette | None = None
        self._started_at = time.monotonic()
        self.url = ""
        """Local base URL (``http://host:port``), set by ``start()``."""

    # -- configuration ------------------------------------------------------------------

    @property
    def rt(self) -> Runtime:
        """The runtime this server serves (given to ``start``)."""
        if self._rt is None:
            raise RuntimeError("the server is not started")
        return self._rt


    def add_route(
        self, path: str, endpoint: Endpoint, *, methods: Sequence[str] = ("POST",)
    ) -> None:
        """Serve ``endpoint`` at ``path`` (before or after ``start()``)."""
        route = Route(path, endpoint, methods=list(methods))
        self._extra.append(route)
        if self._app is not None:
            # Starlette matches against this list on every request, so this takes effect now.
            self._app.router.routes.append(route)

    @property
    def public_url(self) -> str:
        """Base URL Pachca reaches this server at: the setting, or the local URL."""
        return (self.settings.public_url or self.url).rstrip("/")

    async def secret_path(self, name: str) -> str:
        """An unguessable path segment shared by every replica (kept in the state store)."""
        return await secret_path(self.rt.state, name)

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self, rt: Runtime) -> None:
        """Serve ``rt``: bind, serve in the background, return once connections are accepted."""
        if self._server is not None:
            raise RuntimeError("the server is already started")
        self._rt = rt
        for kind in registry.every_kind():  # their secrets made before Pachca can call
            self._extra += await kind.routes(self)
        senders = await webhook_senders(self.settings.webhook_senders, self.settings.base_url)
        proxies = trusted_proxies(self.settings.trusted_proxies)
        host, port = self.settings.server_host, self.settings.server_port
        sock = _bind(host, port)
        bound_host, bound_port = sock.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.url = f"http://{shown}:{bound_port}"
        self._app = self._build_app(senders, bool(proxies))
        config = uvicorn.Config(
            self._app, log_config=None, log_level="warning", access_log=False,
            lifespan="off", timeout_graceful_shutdown=_STOP_TIMEOUT,
            http=head_guarded(self.settings.server_body_timeout),
            # Set either way: uvicorn's default believes X-Forwarded-For from 127.0.0.1,
            # or from whatever FORWARDED_ALLOW_IPS says, without the runner's settings.
            proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
        )
        self._sock = sock
        self._server = _Server(config)
        self._started_at = time.monotonic()
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if self._task.done() or time.monotonic() > deadline:
                await self.stop()
                raise RunnerError(words.text("server.not_started", url=self.url))
            await asyncio.sleep(0.01)
        log.info("%s", words.text("server.listening", url=self.url, public=self.public_url))
        log.info("%s", words.text("server.senders", senders=senders,
                                  origin=words.text(f"senders.{senders.origin}")))

    async def stop(self) -> None:
        """Stop accepting, let requests in progress finish, release the port."""
        server, task = self._server, self._task
        if server is not None and task is not None:
            server.should_exit = True
            try:
                async with asyncio.timeout(_STOP_TIMEOUT + 1):
                    await task
            except TimeoutError:
                task.cancel()
            except Exception:
                log.exception("%s", words.text("server.stop_failed"))
        if self._sock is not None:
            self._sock.close()
        self._server = self._task = self._sock = self._app = None

    # -- endpoints ----------------------------------------------------------------------

    def _build_app(self, senders: Senders, proxies: bool) -> Starlette:
        routes: list[BaseRoute] = [
            Route(OWN_ROUTES[0], self._healthz, methods=["GET"]),
            Route(OWN_ROUTES[1], self._metrics, methods=["GET"]),
            *self._extra,
        ]
        if self.settings.console:
            from starlette.routing import Mount

            from runner.web import PREFIX, console_app

            routes += [
                Route("/", _to_console, methods=["GET"]),
                Mount(PREFIX, app=console_app(self.settings, self.rt)),
            ]
        # The sender first: a refused sender's body is never read.
        check = Middleware(SenderGuard, senders=senders, proxies=proxies)
        guard = Middleware(BodyGuard, timeout=self.settings.server_body_timeout)
        return Starlette(routes=routes, middleware=[check, guard])

    def _uptime(self) -> float:
        return time.monotonic() - self._started_at

    async def _healthz(self, request: Request) -> Response:
        body = {
            "status": "ok",
            "replica": self.rt.state.replica,
            "jobs": len(self.rt.catalogue.jobs),
            "uptime": round(self._uptime(), 3),
        }
        try:
            await self.rt.state.values.get(SERVER_JOB, "health")
        except RunnerError as exc:
            body.update(status="state store unavailable", error=str(exc))
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    async def _metrics(self, request: Request) -> Response:
        state = self.rt.state
        counts = await state.runs.counts()
        last_success: dict[str, float] = {}
        for name in self.rt.catalogue.jobs:
            record = await state.runs.last(name)
            if record is not None and record.finished_at is not None:
                last_success[name] = record.finished_at.timestamp()
        text = runner_metrics(
            uptime=self._uptime(),
            jobs=len(self.rt.catalogue.jobs),
            run_counts=counts,
            last_success=last_success,
            extra=[m for kind in registry.every_kind() for m in kind.metrics(self)],
        )
        return PlainTextResponse(text, media_type=CONTENT_TYPE)


async def _to_console(request: Request) -> Response:
    """``GET /`` with the console on: its front page."""
    return RedirectResponse("/console/jobs", status_code=303)


def _bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (0: a free port), or a SettingsError saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise SettingsError(
            words.text("server.bad_host", host=host, reason=exc.strerror or exc)) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise SettingsError(words.text(
            "server.port_busy", host=host, port=port, reason=exc.strerror or exc)) from None
    return sock
