"""Pytest fixtures for a throwaway PostgreSQL cluster, started once per test session.

Registered for the whole suite by ``tests/conftest.py`` (``pytest_plugins``).
``postgres_url`` is the session's database; ``pg_store_url`` gives each test a fresh
database of its own.
Without PostgreSQL binaries the tests that need them are skipped, except under
``CI=true``, where that is a failure: CI installs PostgreSQL before the tests.
PostgreSQL refuses to run as root, so as root the cluster runs as user ``postgres``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

__all__ = ["pg_store_url", "postgres_cluster", "postgres_url"]

_SUPERUSER = "postgres"
_START_TIMEOUT_S = 60
_PORT_TRIES = 3


def _find_bindir() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2] or 0)
    )
    for bindir in reversed(candidates):
        if os.access(f"{bindir}/initdb", os.X_OK) and os.access(f"{bindir}/pg_ctl", os.X_OK):
            return Path(bindir)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: PostgreSQL must be installed)", pytrace=False)
    pytest.skip(reason)


class _Cluster:
    """One initdb'd data directory and the server running on it."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_postgres = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="pachca-runner-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=_START_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()}\n{tail}"
            )

    def start(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            _SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        for attempt in range(1, _PORT_TRIES + 1):
            try:
                self._start_server()
                return
            except RuntimeError as exc:
                # The port was free when probed, but another test process (the suite runs
                # in several) may take it, as a client's own port, before the server binds.
                if attempt == _PORT_TRIES or "could not bind" not in str(exc):
                    raise
                self.port = _free_port()

    def _start_server(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            str(_START_TIMEOUT_S),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
        )

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://{_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        dsn = f"host=127.0.0.1 port={self.port} user={_SUPERUSER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql)  # only our own literal names


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[_Cluster]:
    """The session's PostgreSQL server (skips, or fails under CI, without PostgreSQL)."""
    bindir = _find_bindir()
    if bindir is None:
        _unavailable(
            "PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin"
        )
    assert bindir is not None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and no 'postgres' user to run PostgreSQL as")
    cluster = _Cluster(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: _Cluster) -> Iterator[str]:
    """URL of a database in the session's PostgreSQL cluster."""
    postgres_cluster.admin("CREATE DATABASE pachca_runner_test")
    yield postgres_cluster.url("pachca_runner_test")


@pytest.fixture
def pg_store_url(postgres_cluster: _Cluster) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    postgres_cluster.admin(f"CREATE DATABASE {name}")
    try:
        yield postgres_cluster.url(name)
    finally:
        postgres_cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
