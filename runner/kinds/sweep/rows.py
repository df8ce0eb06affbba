"""The sweep's record types: what it knows of a chat, what it did to one.

Plain dataclasses (no SQLAlchemy), shared by ``records`` (the async face) and ``table``
(the synchronous queries).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from runner.state.models import FromRow

ACTIONS = ("warned", "archived", "unarchived", "closing_message")
"""What a sweep run records doing to a chat."""


@dataclass(frozen=True)
class ChatState(FromRow):
    """What the inactive-chat sweep and the bot buttons know about one chat."""

    chat_id: int
    warned_at: datetime | None = None
    warning_message_id: int | None = None
    warned_by_run: int | None = None
    kept_until: datetime | None = None
    keep_by_user: int | None = None
    archive_requested_at: datetime | None = None
    archive_requested_by: int | None = None
    archived_at: datetime | None = None
    archived_by_run: int | None = None
    unarchived_at: datetime | None = None
    updated_at: datetime | None = None


CHAT_FIELDS = frozenset(f.name for f in fields(ChatState)) - {"chat_id", "updated_at"}


@dataclass(frozen=True)
class ChatWrite:
    """One chat's part of a grouped write: ``ChatState`` fields to set (None clears), and
    optionally an action to record as ``(run_id, action, detail)``."""

    chat_id: int
    changes: Mapping[str, Any] = field(default_factory=dict)
    action: tuple[int, str, Mapping[str, Any]] | None = None


@dataclass(frozen=True)
class ActionRecord(FromRow):
    """One thing a sweep did to a chat, for history and undo."""

    id: int
    run_id: int
    chat_id: int
    action: str  # warned | archived | unarchived | closing_message
    at: datetime
    detail: dict[str, Any]
