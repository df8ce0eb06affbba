"""Threads in tests: a workspace without seeded threads, and threads made through the
workspace's control API (no rate limits, any author)."""

from __future__ import annotations

from typing import Any

import httpx

from runner.workspace import WorkspaceServer

#: Config overrides for a workspace whose seed has no threads: tests that count pages per
#: chat exactly, or compare against the store's top-level messages, use it; threads get
#: tests of their own.
NO_THREADS: dict[str, Any] = {"thread_share": 0.0, "thread_only_chats": 0,
                              "standalone_threads": 0}


def _control(ws: WorkspaceServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{ws.root_url}/_workspace/{path}", json=body, timeout=10,
                          trust_env=False)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def post(ws: WorkspaceServer, chat_id: int, user_id: int, content: str = "сообщение") -> int:
    """A message by ``user_id`` in ``chat_id`` now; its id."""
    return int(_control(ws, "messages", {"chat_id": chat_id, "user_id": user_id,
                                         "content": content})["id"])


def thread(ws: WorkspaceServer, user_id: int, message_id: int | None = None,
           members: list[int] | None = None) -> dict[str, Any]:
    """The thread of ``message_id`` (standalone without one), started by ``user_id``."""
    body: dict[str, Any] = {"user_id": user_id, "member_ids": members or []}
    if message_id is not None:
        body["message_id"] = message_id
    return _control(ws, "threads", body)


def comment(ws: WorkspaceServer, thread_id: int, user_id: int, content: str = "комментарий",
            ) -> dict[str, Any]:
    """A comment by ``user_id`` in the thread now (the author joins the thread)."""
    return _control(ws, f"threads/{thread_id}/messages", {"user_id": user_id,
                                                         "content": content})
