"""The runner's own HTTP server: health, metrics, and webhooks from Pachca.

``core`` (``RunnerServer``: uvicorn in the runner's loop, routes, health),
``exports`` (the export-ready webhook and the waiters it wakes), ``metrics``
(the Prometheus text page).
"""

from runner.server.core import EXPORT_HOOK_PREFIX, RunnerServer
from runner.server.exports import MAX_BODY, BodyTooLarge, ExportHub, read_body

__all__ = [
    "EXPORT_HOOK_PREFIX",
    "MAX_BODY",
    "BodyTooLarge",
    "ExportHub",
    "RunnerServer",
    "read_body",
]
