"""The state store: runs and exactly-once claims, and what jobs remember between runs.

SQLAlchemy Core over SQLite (one replica) or PostgreSQL (several replicas). Modules:
``engine`` (URL, connections, error translation), ``schema`` (tables, migrations),
``runs`` (claims, history), ``records`` (targets, chats, actions, exports, events,
alerts, values), ``models`` (the dataclasses returned), ``store`` (``StateStore``).
"""

from runner.state.models import (
    ActionRecord,
    AlertState,
    ChatState,
    ExportChunk,
    RunHandle,
    RunRecord,
    TargetRecord,
)
from runner.state.schema import SCHEMA_VERSION
from runner.state.store import StateStore

__all__ = [
    "SCHEMA_VERSION",
    "ActionRecord",
    "AlertState",
    "ChatState",
    "ExportChunk",
    "RunHandle",
    "RunRecord",
    "StateStore",
    "TargetRecord",
]
