"""Serving a workspace over HTTP with uvicorn: in a background thread, or in the foreground.

``WorkspaceServer`` is for tests, the demo and benchmarks::

    with WorkspaceServer(WorkspaceConfig(seed=7)) as ws:
        httpx.get(ws.base_url + "/profile",
                  headers={"Authorization": f"Bearer {ws.owner_token}"})

``serve_forever`` is for ``pachca-runner workspace serve``: it prints nothing and
blocks until interrupted; ``on_ready`` receives the info dict once the port is bound.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Self, TypeVar

import uvicorn

from runner.workspace.app import build_app
from runner.workspace.config import WorkspaceConfig
from runner.workspace.gateway import DroppedConnection
from runner.workspace.runtime import API_PREFIX, Workspace
from runner.workspace.store import Store

T = TypeVar("T")


class _HideDrops(logging.Filter):
    """Dropped connections are injected on purpose: keep them out of the error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DroppedConnection)


def _quiet_uvicorn() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDrops) for f in logger.filters):
        logger.addFilter(_HideDrops())


def _bind(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when
    # the proto says TCP; without it each keep-alive response waits ~40 ms (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _uvicorn(app: Any) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


class WorkspaceServer:
    """A seeded workspace served on loopback from a background thread (a context manager)."""

    def __init__(
        self, config: WorkspaceConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or WorkspaceConfig()
        self.workspace = Workspace(self.config)
        self._host, self._port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 10.0) -> Self:
        """Bind, start serving, and return once connections are accepted."""
        if self._thread is not None:
            return self
        _quiet_uvicorn()
        sock = _bind(self._host, self._port)
        self.port = sock.getsockname()[1]
        self._server = _uvicorn(build_app(self.workspace))
        self._thread = threading.Thread(
            target=self._run, args=(sock,), daemon=True, name=f"pachca-workspace-{self.port}"
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"workspace server failed to start: {self._error!r}")
            if time.monotonic() > deadline:
                raise TimeoutError("workspace server did not start in time")
            time.sleep(0.005)
        return self

    def _run(self, sock: socket.socket) -> None:
        try:
            asyncio.run(self._serve(sock))
        except BaseException as exc:  # noqa: BLE001 - start() re-raises it in the caller
            self._error = exc

    async def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        self._loop = asyncio.get_running_loop()
        try:
            await self._server.serve(sockets=[sock])
        finally:
            await self.workspace.exports.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ access
    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base: ``http://127.0.0.1:PORT/api/shared/v1``."""
        return self.root_url + API_PREFIX

    @property
    def store(self) -> Store:
        """The data, for in-process tests (mutate it through ``call``)."""
        return self.workspace.store

    @property
    def owner_token(self) -> str:
        """Token of the workspace owner (admin; may export and edit bots)."""
        return self.store.token_of("owner")

    @property
    def bot_token(self) -> str:
        """Token of the bot user «Раннер»."""
        return self.store.token_of("bot")

    @property
    def limited_token(self) -> str:
        """Token with read scopes only (writes get 403)."""
        return self.store.token_of("limited")

    @property
    def violations(self) -> list[dict[str, Any]]:
        """OpenAPI violations recorded so far."""
        return self.workspace.violations

    def info(self) -> dict[str, Any]:
        """The same dict as ``GET /_workspace/info``."""
        return self.workspace.info(self.root_url)

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``fn`` on the server's event loop (safe mutation of the store) and return."""
        if self._loop is None:
            return fn()
        future: Future[T] = Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - re-raised by future.result()
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return future.result(timeout)


def serve_forever(
    config: WorkspaceConfig,
    host: str = "127.0.0.1",
    port: int = 8765,
    on_ready: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Serve a workspace in the foreground until interrupted (Ctrl-C / SIGTERM)."""
    workspace = Workspace(config)
    _quiet_uvicorn()
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    if on_ready is not None:
        on_ready(workspace.info(f"http://{host}:{bound}"))
    server = _uvicorn(build_app(workspace))
    server.run(sockets=[sock])


def workspace_info(
    config: WorkspaceConfig, host: str = "127.0.0.1", port: int = 8765
) -> dict[str, Any]:
    """The info dict a workspace with this config would serve (tokens depend on the seed)."""
    return Workspace(config).info(f"http://{host}:{port}")
