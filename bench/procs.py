"""Processes the benchmarks start: the workspace, and the measured runs (runner or SDK).

A measured run is a child process reaped with ``os.wait4``, whose rusage is that one
child's own: its peak RSS (``ru_maxrss``) is exact, with no polling gaps, and is not
mixed up with the workspace's, which is another child.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]


class BenchError(RuntimeError):
    """A benchmark could not be run as set up (not a slow result: a broken one)."""


class WorkspaceProcess:
    """``python -m bench.serve`` with one config; a context manager."""

    def __init__(self, config: dict[str, Any], log: Path, *, timeout: float = 180.0) -> None:
        self.config = config
        self._log = log
        self._timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}

    def __enter__(self) -> Self:
        err = self._log.open("wb")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.serve", json.dumps(self.config)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=err,
        )
        err.close()
        assert self._proc.stdout is not None
        deadline = time.monotonic() + self._timeout
        while True:  # seeding 100,000 chats takes a few seconds; wait for the info line
            left = deadline - time.monotonic()
            if left <= 0 or self._proc.poll() is not None:
                self.__exit__(None, None, None)
                raise BenchError(f"workspace did not start; see {self._log}")
            ready, _, _ = select.select([self._proc.stdout], [], [], min(left, 1.0))
            if ready:
                self.info = json.loads(self._proc.stdout.readline())
                return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(15)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    @property
    def base_url(self) -> str:
        """The API base URL."""
        return str(self.info["base_url"])

    def token(self, kind: str) -> str:
        """The ``owner``, ``bot`` or ``limited`` token."""
        return str(self.info["tokens"][kind])

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the control API (``/_workspace/...``) and return its JSON."""
        response = httpx.request(method, f"{self.info['root_url']}/_workspace/{path}",
                                 timeout=60, **kwargs)
        response.raise_for_status()
        return response.json()

    def api_get(self, path: str, token: str, **params: Any) -> Any:
        """One GET on the API (set-up only: the log is reset before a measured run)."""
        response = httpx.get(self.base_url + path, params=params, timeout=60,
                             headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        return response.json()

    def cpu_seconds(self) -> float:
        """User + system CPU time the workspace process has used so far."""
        assert self._proc is not None
        times = psutil.Process(self._proc.pid).cpu_times()
        return float(times.user + times.system)

    def requests(self) -> list[dict[str, Any]]:
        """The whole request log since the last reset."""
        return list(self.control("GET", "requests", params={"since": 0})["requests"])


@dataclass
class Measured:
    """One finished child process."""

    exit_code: int
    wall: float  # seconds from start to exit
    peak_rss_mb: float
    cpu: float  # user + system seconds
    stdout: Path
    stderr: Path

    def tail(self, lines: int = 15) -> str:
        """The end of its output, for error messages."""
        text = self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def run_measured(cmd: list[str], env: dict[str, str], cwd: Path, name: str) -> Measured:
    """Run ``cmd`` to completion; wall time and the child's own peak RSS."""
    out, err = cwd / f"{name}.out", cwd / f"{name}.err"
    with out.open("wb") as fout, err.open("wb") as ferr:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=fout, stderr=ferr)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Measured(proc.returncode, wall, usage.ru_maxrss / 1024,
                    usage.ru_utime + usage.ru_stime, out, err)


def runner_exe() -> str:
    """The ``pachca-runner`` script itself: a version manager's shim on PATH (pyenv) would
    add its own start-up to every timing."""
    beside = Path(sys.executable).parent / "pachca-runner"
    found = str(beside) if beside.exists() else shutil.which("pachca-runner")
    if found is None:
        raise BenchError("pachca-runner is not installed: pip install -e '.[bench]'")
    return found


def base_env() -> dict[str, str]:
    """The environment of child processes: ours, minus any Pachca settings, plus the repo
    on the path (they run in a temporary folder, and ``bench`` is not installed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACHCA_")}
    # An installed package has its modules compiled (pip does it); with writing bytecode
    # off, every run would compile the runner's modules again and count that as its CPU.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def log_ms(entry: dict[str, Any]) -> float:
    """When a logged request arrived, in ms (workspace clock)."""
    return datetime.fromisoformat(entry["ts"]).timestamp() * 1000
