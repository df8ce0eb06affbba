"""Shared fixtures: the embedded Pachca workspace, the OpenAPI spec, and a network guard.

- ``openapi_spec_path`` (session): the spec from ``$PACHCA_OPENAPI`` or
  ``<repo>/../shared/pachca/openapi.en.yaml``; ``None`` when missing (under ``CI=true``
  a missing spec fails the run instead).
- ``require_openapi``: skips a contract test when the spec is missing (fails under CI).
- ``workspace`` (session): one seeded ``WorkspaceServer`` on loopback, contract-checked
  when the spec is present, rate limits **off** and no faults, so tests can page freely.
  Tests share it: do not advance or freeze its clock or change its faults (use
  ``fresh_workspace``).
- ``fresh_workspace`` (function): a factory ``fresh_workspace(**config_overrides)`` for a
  server of one's own (limits, faults, clock); each is stopped afterwards, and any
  OpenAPI violation in its *responses* fails the test.
- ``postgres_url`` (session) / ``pg_store_url`` (function): a throwaway PostgreSQL
  cluster on loopback (``tests/postgres.py``), started on first use.
- A guard (autouse) makes any socket connection to a non-loopback address fail: no
  test touches the internet.
- Operator messages are English in every test (autouse), whatever the locale.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.workspace import WorkspaceConfig, WorkspaceServer

# The throwaway PostgreSQL cluster (``postgres_url``, ``pg_store_url``), for every test.
pytest_plugins = ["tests.postgres"]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = REPO.parent / "shared" / "pachca" / "openapi.en.yaml"

#: A small workspace: seeds in milliseconds, still has every kind of chat.
SMALL: dict[str, Any] = {
    "seed": 20260101,
    "users": 60,
    "conversations": 40,
    "channels": 12,
    "direct_chats": 80,
    "messages": 3000,
}


# ------------------------------------------------------------- the reliability tally
#: What the test workers' reliability tests tried (``tests/reliability/conftest.py``),
#: added up here when the suite runs in several processes (pytest-xdist).
WORKERS_TALLY: Counter[str] = Counter()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """A test worker finished: keep its reliability tally."""
    from tests.reliability.conftest import TALLY_KEY

    WORKERS_TALLY.update(getattr(node, "workeroutput", {}).get(TALLY_KEY, {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line with what the reliability tests tried, if any of them ran."""
    from tests.reliability.conftest import TALLY

    tally = TALLY + WORKERS_TALLY
    if tally:
        terminalreporter.write_sep("-", "reliability")
        terminalreporter.write_line(", ".join(f"{k}: {v}" for k, v in sorted(tally.items())))


# ---------------------------------------------------------------------- network guard
def _loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Operator messages in English whatever the developer's locale (runner.words reads
    PACHCA_RUNNER_LANG and the locale); a test that wants Russian sets them itself."""
    monkeypatch.delenv("PACHCA_RUNNER_LANG", raising=False)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name, "").lower().startswith("ru"):
            monkeypatch.setenv(name, "C.UTF-8")


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to connect (or resolve a name) beyond loopback."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def refuse(address: Any) -> None:
        raise RuntimeError(f"tests must not touch the network: connect to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        if not _loopback(address):
            refuse(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _loopback(address):
            refuse(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _loopback((host,)):
            refuse(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


# ---------------------------------------------------------------------- spec
@pytest.fixture(scope="session")
def openapi_spec_path() -> str | None:
    """Path of the OpenAPI spec, or None if it is not there (fails under CI=true)."""
    path = Path(os.environ.get("PACHCA_OPENAPI") or DEFAULT_SPEC)
    if path.is_file():
        return str(path)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"OpenAPI spec not found at {path} (set PACHCA_OPENAPI)")
    return None


@pytest.fixture
def require_openapi(openapi_spec_path: str | None) -> str:
    """The spec path; skips the test when the spec is missing."""
    if openapi_spec_path is None:
        pytest.skip("OpenAPI spec not found: set PACHCA_OPENAPI to check the contract")
    return openapi_spec_path


# ---------------------------------------------------------------------- workspaces
@pytest.fixture(scope="session")
def workspace(openapi_spec_path: str | None) -> Iterator[WorkspaceServer]:
    """The shared workspace (see the module docstring)."""
    config = WorkspaceConfig(**SMALL, rate_limits=False, validate_openapi=openapi_spec_path)
    with WorkspaceServer(config) as server:
        yield server


@pytest.fixture
def fresh_workspace(openapi_spec_path: str | None) -> Iterator[Callable[..., WorkspaceServer]]:
    """Factory of private workspaces: ``fresh_workspace(speed=10, error_rate=0.2)``."""
    started: list[WorkspaceServer] = []

    def make(**overrides: Any) -> WorkspaceServer:
        settings: dict[str, Any] = {**SMALL, "validate_openapi": openapi_spec_path}
        settings.update(overrides)
        server = WorkspaceServer(WorkspaceConfig(**settings)).start()
        started.append(server)
        return server

    yield make
    bad: list[dict[str, Any]] = []
    for server in started:
        server.stop()
        bad += [v for v in server.violations if v["kind"] == "response"]
    assert not bad, f"the workspace answered outside the OpenAPI contract: {bad[:3]}"
