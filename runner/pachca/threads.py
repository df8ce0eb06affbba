"""The thread calls of the client: start, list and read threads.

A thread is a chat of its own: comments are posted with ``send_message(thread_id,
entity_type="thread")`` (or to its ``chat_id``) and read with ``list_messages(chat_id)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from runner.pachca.calls import ApiCalls, api_time
from runner.pachca.models import Thread


class ThreadCalls(ApiCalls):
    """``POST /messages/{id}/thread``, ``POST /threads``, ``GET /threads``, ``GET /threads/{id}``."""

    async def start_thread(self, message_id: int) -> Thread:
        """The thread of a message, created if it has none yet."""
        path = f"/messages/{message_id}/thread"
        response = await self._session.request("POST", path)
        return self._session.parse(response, Thread, "POST", path)

    async def create_standalone_thread(self) -> Thread:
        """A thread tied to no message; the token's user is its only member."""
        response = await self._session.request("POST", "/threads")
        return self._session.parse(response, Thread, "POST", "/threads")

    async def get_thread(self, thread_id: int) -> Thread:
        """One thread by id."""
        return await self._session.get_data(f"/threads/{thread_id}", Thread)

    def list_threads(
        self,
        *,
        last_message_after: datetime | None = None,
        last_message_before: datetime | None = None,
        on_page: Callable[[int], None] | None = None,
    ) -> AsyncIterator[Thread]:
        """Threads of the token's chats (its thread chats and their parent chats), newest
        activity first, page by page; both bounds are inclusive."""
        params: dict[str, Any] = {
            "last_message_at_after": last_message_after and api_time(last_message_after),
            "last_message_at_before": last_message_before and api_time(last_message_before),
        }
        return self._session.paginate("/threads", Thread, params, on_page=on_page)
