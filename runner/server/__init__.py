"""The runner's own HTTP server: health, metrics, and webhooks from Pachca.

``core`` (``RunnerServer``: uvicorn in the runner's loop, routes, health, the job
kinds' routes), ``guard`` (every body read with a deadline and a cap; strict JSON for
webhooks), ``secret`` (unguessable paths kept in the state store, capped body reads),
``metrics`` (the Prometheus text page).
"""

from runner.server.core import RunnerServer
from runner.server.guard import BodyGuard, parse_json
from runner.server.secret import MAX_BODY, read_body

__all__ = [
    "MAX_BODY",
    "BodyGuard",
    "RunnerServer",
    "parse_json",
    "read_body",
]
