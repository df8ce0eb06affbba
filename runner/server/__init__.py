"""The runner's own HTTP server: health, metrics, and webhooks from Pachca.

``core`` (``RunnerServer``: uvicorn in the runner's loop, routes, health),
``guard`` (every body read with a deadline and a cap; strict JSON for webhooks),
``exports`` (the export-ready webhook and the waiters it wakes), ``metrics``
(the Prometheus text page).
"""

from runner.kinds.export.hub import MAX_BODY, ExportHub, read_body
from runner.server.core import EXPORT_HOOK_PREFIX, RunnerServer
from runner.server.guard import BodyGuard, parse_json

__all__ = [
    "EXPORT_HOOK_PREFIX",
    "MAX_BODY",
    "BodyGuard",
    "ExportHub",
    "RunnerServer",
    "parse_json",
    "read_body",
]
