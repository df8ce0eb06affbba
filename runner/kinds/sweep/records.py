"""The sweep's records in the state store: what it knows of each chat, what it did.

Registered with the async store as ``Store.records(SweepRecords)``; each method is one
transaction of the synchronous store (``table``), run on the store's threads. The
record types live in ``rows`` (no SQLAlchemy), which ``table`` imports too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from runner.kinds.sweep.rows import ACTIONS, CHAT_FIELDS, ActionRecord, ChatState, ChatWrite
from runner.state.aio import KindRecords

__all__ = ["ACTIONS", "CHAT_FIELDS", "ActionRecord", "ChatState", "ChatWrite", "SweepRecords"]


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

    async def read_then_write_chats(
        self, items: Sequence[tuple[int, Callable[[ChatState | None], Mapping[str, Any]]]]
    ) -> list[ChatState | None]:
        """Each chat's state, and what ``change(state)`` gives written, in one transaction."""
        from runner.kinds.sweep import table

        return await self.call(table.read_then_write_chats, self.engine, items)

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
