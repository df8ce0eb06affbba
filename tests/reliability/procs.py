"""Running ``pachca-runner`` as processes that can be SIGKILLed at a chosen point.

``Forker`` talks to ``forker.py`` (a fork server that imported the runner once), so a
process costs milliseconds instead of a Python start. ``Run`` is one such process;
``kill_after_writes`` kills it once the workspace has received a number of write
requests (plus a short, seeded delay, so kills also land between requests);
``hold_write`` makes the workspace hold the write after a count at the door, so such a
kill surely lands before the run could finish, however fast this machine is.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from runner.workspace import WorkspaceServer

FORKER = Path(__file__).with_name("forker.py")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Forker:
    """A running ``forker.py``; one request at a time (a lock serialises callers)."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, str(FORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, bufsize=1,
        )
        self._lock = threading.Lock()
        ready = self._read()
        assert "ready" in ready, ready

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the fork server stopped")
        return dict(json.loads(line))

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._proc.stdin is not None
        with self._lock:
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
            return self._read()

    def start(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> Run:
        """Start ``pachca-runner <args>``; returns at once."""
        answer = self._ask({"op": "run", "args": args, "env": env, "cwd": str(cwd),
                            "log": str(log)})
        return Run(self, int(answer["pid"]), log)

    def poll(self, pid: int) -> int | None:
        """The exit code of ``pid`` if it ended (negative: the signal), else None."""
        status = self._ask({"op": "poll", "pid": pid})["status"]
        return None if status is None else int(status)

    def close(self) -> None:
        """Stop the fork server."""
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=10)


@dataclass
class Run:
    """One ``pachca-runner`` process started by a Forker."""

    forker: Forker
    pid: int
    log: Path
    code: int | None = None

    def wait(self, timeout: float = 60.0) -> int:
        """Wait for the process to end (polling, so one Forker serves many threads)."""
        deadline = time.monotonic() + timeout
        while not self.finished():
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"pachca-runner did not finish in {timeout} s:\n"
                                     + self.output())
            time.sleep(0.002)
        assert self.code is not None
        return self.code

    def finished(self) -> bool:
        """Whether the process ended (it is reaped then, and its code kept)."""
        if self.code is None:
            self.code = self.forker.poll(self.pid)
        return self.code is not None

    def kill(self) -> int:
        """SIGKILL it (a no-op if it already ended) and reap it; its exit code."""
        if self.code is None:
            os.kill(self.pid, signal.SIGKILL)  # not reaped yet: the pid is still ours
        return self.wait(10.0)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM it (the daemon's way to stop) and wait; its exit code."""
        if self.code is None:
            os.kill(self.pid, signal.SIGTERM)
        return self.wait(timeout)

    def output(self) -> str:
        """What it printed (stdout and stderr)."""
        return self.log.read_text(encoding="utf-8", errors="replace")


def hold_write(ws: WorkspaceServer, **body: Any) -> None:
    """Arm the workspace's gate (``after_writes=n``) or release it (``release="drop"``)."""
    response = httpx.post(f"{ws.root_url}/_workspace/hold", json=body, timeout=10)
    response.raise_for_status()


def writes(ws: WorkspaceServer, since: int = 0) -> int:
    """How many write requests the workspace received since log index ``since``."""
    log = ws.workspace.log
    return sum(1 for entry in log[since:] if entry["method"] in WRITE_METHODS)


def kill_after_writes(run: Run, ws: WorkspaceServer, since: int, n: int, delay: float,
                      deadline: float = 30.0) -> bool:
    """SIGKILL ``run`` ``delay`` s after the workspace got its ``n``-th write since ``since``.

    Returns True if the process was killed, False if it ended on its own first.
    """
    stop = time.monotonic() + deadline
    while writes(ws, since) < n and time.monotonic() < stop:
        if run.finished():
            return False
        time.sleep(0.001)
    until = time.monotonic() + delay  # a seeded moment after that write, not a wait
    while time.monotonic() < until:
        if run.finished():
            return False
        time.sleep(0.001)
    return run.kill() == -signal.SIGKILL
