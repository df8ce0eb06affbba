"""The sweep's records in the state store: what it knows of each chat, what it did.

Registered with the async store as ``Store.records(SweepRecords)``; each method is one
transaction of the synchronous store (``table``), run on the store's threads. The
record types import without SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from runner.state.aio import KindRecords
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


class SweepRecords(KindRecords):
    """Chats the sweep watches and the actions each run took on them."""

    async def chat(self, chat_id: int) -> ChatState | None:
        """What is known about one chat, or None."""
        from runner.kinds.sweep import table

        return await self.call(table.chat_state, self.engine, chat_id)

    async def chats(self, chat_ids: Iterable[int]) -> dict[int, ChatState]:
        """What is known about each of ``chat_ids`` (unknown ones left out)."""
        from runner.kinds.sweep import table

        return await self.call(table.chat_states, self.engine, list(chat_ids))

    async def open_chats(self) -> list[ChatState]:
        """Chats with a warning or an archive under way."""
        from runner.kinds.sweep import table

        return await self.call(table.open_sweep_chats, self.engine)

    async def update_chat(self, chat_id: int, **fields: Any) -> ChatState:
        """Set fields of one chat's record (creating it); the new record."""
        from runner.kinds.sweep import table

        return await self.call(table.update_chat, self.engine, chat_id, **fields)

    async def write_chats(self, writes: Sequence[ChatWrite]) -> None:
        """Several chats' writes in one transaction."""
        from runner.kinds.sweep import table

        await self.call(table.write_chats, self.engine, writes)

    async def record_action(self, run_id: int, chat_id: int, action: str,
                            detail: Mapping[str, Any] | None = None) -> int:
        """Remember that run ``run_id`` did ``action`` to the chat; the action's id."""
        from runner.kinds.sweep import table

        return await self.call(table.record_action, self.engine, run_id, chat_id, action,
                               detail)

    async def actions(self, run_id: int, action: str | None = None) -> list[ActionRecord]:
        """The actions of run ``run_id`` (only ``action`` if given)."""
        from runner.kinds.sweep import table

        return await self.call(table.actions_of, self.engine, run_id, action)
