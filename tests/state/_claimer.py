"""Child-process side of the multi-process claim test (imported by spawned workers)."""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from runner.state import StateStore


def claim_all(
    url: str,
    replica: str,
    keys: list[str],
    start: Barrier,
    out: Queue[tuple[str, list[str], str | None]],
) -> None:
    """Open a store, wait until every worker has, claim every key; report the keys won."""
    try:
        store = StateStore(url, replica=replica)
        start.wait(60)
        won = [
            key
            for key in keys
            if store.claim("race", key, kind="digest", scheduled_for=None, lease=300)
        ]
        store.close()
        out.put((replica, won, None))
    except BaseException as error:  # noqa: BLE001 - the parent must hear about any failure
        out.put((replica, [], f"{type(error).__name__}: {error}"))
