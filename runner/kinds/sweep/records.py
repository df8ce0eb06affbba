"""The sweep's records in the state store: what it knows of each chat, what it did.

Registered with the async store as ``Store.records(SweepRecords)``; each method is one
transaction of the synchronous engine, run on the store's threads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runner.state.aio import KindRecords

if TYPE_CHECKING:
    from runner.state import ActionRecord, ChatState, ChatWrite


class SweepRecords(KindRecords):
    """Chats the sweep watches and the actions each run took on them."""

    async def chat(self, chat_id: int) -> ChatState | None:
        """What is known about one chat, or None."""
        return await self.call(self.engine.chat_state, chat_id)

    async def chats(self, chat_ids: Iterable[int]) -> dict[int, ChatState]:
        """What is known about each of ``chat_ids`` (unknown ones left out)."""
        return await self.call(self.engine.chat_states, list(chat_ids))

    async def open_chats(self) -> list[ChatState]:
        """Chats with a warning or an archive under way."""
        return await self.call(self.engine.open_sweep_chats)

    async def update_chat(self, chat_id: int, **fields: Any) -> ChatState:
        """Set fields of one chat's record (creating it); the new record."""
        return await self.call(self.engine.update_chat, chat_id, **fields)

    async def write_chats(self, writes: Sequence[ChatWrite]) -> None:
        """Several chats' writes in one transaction."""
        await self.call(self.engine.write_chats, writes)

    async def record_action(self, run_id: int, chat_id: int, action: str,
                            detail: Mapping[str, Any] | None = None) -> int:
        """Remember that run ``run_id`` did ``action`` to the chat; the action's id."""
        return await self.call(self.engine.record_action, run_id, chat_id, action, detail)

    async def actions(self, run_id: int, action: str | None = None) -> list[ActionRecord]:
        """The actions of run ``run_id`` (only ``action`` if given)."""
        return await self.call(self.engine.actions, run_id, action)
