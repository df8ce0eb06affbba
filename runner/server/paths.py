"""The paths the runner's server answers itself, whether another path collides, and which
paths are not for webhooks."""

from __future__ import annotations

from runner.kinds import registry

CONSOLE_PREFIX = "/console"
OWN_ROUTES = ("/healthz", "/metrics")
"""Paths the server itself answers (with the kinds' route prefixes); nothing else may use
them."""


def route_taken(path: str) -> str | None:
    """The server's own route that ``path`` would collide with, or None.

    The bot's webhook path is added beside these: one under a kind's routes (the export
    hooks), or equal to another route, a trailing slash aside, would never receive a push.
    """
    bare = path.rstrip("/") or "/"
    if bare in OWN_ROUTES:
        return bare
    for kind in registry.every_kind():
        for prefix in kind.route_prefixes:
            if (bare + "/").startswith(prefix):
                return prefix + "…"
    if (bare + "/").startswith(CONSOLE_PREFIX + "/"):
        return CONSOLE_PREFIX + "/…"  # the console's, even while it is off
    return None


def webhook_free(path: str, method: str) -> bool:
    """Whether a ``method`` request for ``path`` is one people and monitoring make (health,
    metrics, the console's pages, the front page), so any address may make it; every other
    request is a webhook's, or nothing's. The front page only as a page (GET, HEAD): the
    bot's webhook path may be ``/``."""
    bare = path.rstrip("/") or "/"
    if bare == "/":
        return method in ("GET", "HEAD")
    return bare in OWN_ROUTES or (bare + "/").startswith(CONSOLE_PREFIX + "/")
