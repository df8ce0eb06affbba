"""Kind ``export``: a workspace's messages for whole UTC days, as Pachca's export archives.

``kind`` (the ``JobKind`` and its hooks), ``period`` (which UTC days, in chunks),
``chunks`` (request one chunk, wait for Pachca's webhook, download), ``hub`` (the
webhook route on the runner's server and the waiters it wakes), ``table`` (its state
table, ``TABLES``).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.kinds.export.kind import KIND

__all__ = ["KIND"]


def __getattr__(name: str) -> Any:
    # KIND on first use: the registry imports ``table`` (to open the store) through this
    # package without the kind, its client and its params.
    if name == "KIND":
        from runner.kinds.export.kind import KIND

        return KIND
    raise AttributeError(f"module 'runner.kinds.export' has no attribute {name!r}")
