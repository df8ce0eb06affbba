"""A fork server for ``pachca-runner`` commands: imports the runner once, forks per command.

Starting Python and importing the runner takes about two seconds of CPU; a crash test
runs hundreds of ``pachca-runner run-job`` processes. This script (run as a file, by
``tests.reliability.procs.Forker``) imports everything once while it is still a single
thread, then forks a child per request. Each child is a real process of its own, running
``runner.cli.main`` with its own arguments, environment, working folder and output
file: a SIGKILL ends it exactly as it would end ``python -m runner``.

Requests and answers are JSON lines on stdin / stdout:

- ``{"op": "run", "args": [...], "env": {...}, "cwd": "...", "log": "..."}`` -> ``{"pid": N}``
- ``{"op": "poll", "pid": N}`` -> ``{"status": code}`` (negative: the signal that ended it;
  null: still running). An ended child is reaped here, so its pid stays valid until then.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any

#: Modules a run imports lazily (found by diffing sys.modules around real runs).
LAZY = ("runner.app", "runner.bot.service", "runner.bot.alerts", "runner.cli",
        "runner.console", "runner.server", "runner.services", "sqlite3", "_strptime",
        "encodings.idna", "babel.units", "rich._emoji_codes", "rich.progress", "anyio",
        "trio", "uvicorn.lifespan.off", "uvicorn.loops.auto",
        "uvicorn.protocols.http.auto", "uvicorn.protocols.websockets.auto")


def _preload() -> None:
    """Import (and warm) what a run-job needs, before any fork; start no thread."""
    import importlib

    import httpx

    from runner.kinds import registry
    from runner.pachca.http import tls_context
    from runner.render import ru_date

    for module in LAZY:
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    httpx.AsyncClient()  # imports its transport stack (httpcore, h11)
    tls_context()  # the CA bundle, loaded once for every child
    for name in registry.kind_names():
        registry.get_kind(name)
    ru_date("2026-11-20")  # babel's Russian locale data, loaded once


def _child(request: dict[str, Any]) -> int:
    """Become ``pachca-runner <args>`` (runs in the forked child)."""
    out = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    from runner.cli import main

    try:
        main(args=request["args"], prog_name="pachca-runner")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except BaseException:  # noqa: BLE001 - as Python itself ends: traceback, exit code 1
        traceback.print_exc()
        return 1
    return 0


def _poll(pid: int) -> int | None:
    done, status = os.waitpid(pid, os.WNOHANG)
    return os.waitstatus_to_exitcode(status) if done else None


def serve() -> None:
    """Answer requests until stdin closes."""
    _preload()
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "run":
            sys.stdout.flush()
            # The log exists before the pid is answered: a caller reading it at once must
            # not race the child's first steps (the child truncates and writes it).
            os.close(os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            pid = os.fork()
            if pid == 0:
                code = 70
                try:
                    code = _child(request)
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            answer: dict[str, Any] = {"pid": pid}
        elif request["op"] == "poll":
            answer = {"status": _poll(int(request["pid"]))}
        else:
            answer = {"error": f"unknown op {request['op']!r}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    serve()
