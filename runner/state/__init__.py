"""The state store: runs and exactly-once claims, and what jobs remember between runs.

SQLAlchemy Core over SQLite (one replica) or PostgreSQL (several replicas). Modules:
``engine`` (URL, connections, error translation), ``schema`` (tables, migrations),
``runs`` (claims, history), ``records`` (targets, events, alerts, values), ``operator``
(pauses, the record of operators' actions, failed console logins), ``progress`` (how
far running runs have got), ``models`` (the dataclasses returned), ``store``
(``StateStore``, synchronous), ``aio`` (``Store``: typed async methods split by
``concerns``, run on the store's own threads; ``KindRecords``, the base of a kind's own
records). A job kind's own tables are its (``TABLES`` in its package's ``table`` module,
found by ``runner.kinds.registry.tables``), created by ``migrate``.

The dataclasses import without SQLAlchemy; ``StateStore`` and ``SCHEMA_VERSION`` load it
on first use, so job kinds that name a record type keep ``validate`` and ``--help`` quick.
"""

from typing import TYPE_CHECKING, Any

from runner.state.models import (
    AlertState,
    RunHandle,
    RunRecord,
    TargetRecord,
)

if TYPE_CHECKING:
    from runner.state.schema import SCHEMA_VERSION
    from runner.state.store import StateStore

__all__ = [
    "SCHEMA_VERSION",
    "AlertState",
    "RunHandle",
    "RunRecord",
    "StateStore",
    "TargetRecord",
]


def __getattr__(name: str) -> Any:
    if name == "StateStore":
        from runner.state.store import StateStore

        return StateStore
    if name == "SCHEMA_VERSION":
        from runner.state.schema import SCHEMA_VERSION

        return SCHEMA_VERSION
    raise AttributeError(f"module 'runner.state' has no attribute {name!r}")
