"""Kind ``export``: a workspace's messages for whole UTC days, as Pachca's export archives.

``kind`` (the ``JobKind`` and its hooks), ``period`` (which UTC days, in chunks),
``chunks`` (request one chunk, wait for Pachca's webhook, download), ``hub`` (the
webhook route on the runner's server and the waiters it wakes).
"""

from runner.kinds.export.kind import KIND

__all__ = ["KIND"]
