"""The paths the runner's server answers itself, and whether another path collides."""

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
