"""The state store and the jobs' time zones, opened as the settings say: what commands
that only read the history need, without the runtime's client, renderer and kinds
(``runner.app`` imports all of them, and ``history`` would pay for that at each start).
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from runner.kinds.base import JobKind
    from runner.settings import Settings
    from runner.state import StateStore


def replica_name(settings: Settings) -> str:
    """This process's name in the history: the setting, or host:pid."""
    return settings.replica_id or f"{socket.gethostname()}:{os.getpid()}"


def open_state(settings: Settings, *, reading: bool = False) -> StateStore:
    """The state store named by the settings (``reading``: see ``StateStore``)."""
    from runner.state import StateStore

    return StateStore(settings.state_url, replica=replica_name(settings), reading=reading)


def job_zones(settings: Settings) -> dict[str, ZoneInfo]:
    """Each job's time zone, for commands that print times of past runs; empty when the
    catalogue cannot be read (those commands do not need it, and then print UTC).

    The catalogue is read by its loader, zones resolved as for a run, but the jobs' own
    fields are not checked against their kinds: the kinds (and the client, renderer and
    store they import) are not loaded for this.
    """
    from runner.catalogue import load_configured
    from runner.errors import RunnerError

    try:
        catalogue = load_configured(settings, templates=False, kinds=_unchecked_kind,
                                    kind_names=tuple)
    except (RunnerError, OSError):
        return {}
    return {job.name: ZoneInfo(job.timezone) for job in catalogue.jobs.values()}


def _unchecked_kind(name: str) -> JobKind[Any]:
    """Any ``kind:`` as a kind whose own fields are taken as they are (``job_zones``)."""
    from runner.kinds._unchecked import UNCHECKED

    return UNCHECKED
