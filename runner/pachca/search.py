"""The search and task calls of the client: ``GET /search/messages`` and ``GET /tasks``.

Search answers carry a different meta (``total`` and ``paginate.next_page`` only, no
``has_next``): its paging stops at an empty page or once ``total`` records are read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from runner import errors
from runner.pachca.calls import ApiCalls, api_time
from runner.pachca.models import Message, Task

SEARCH_PAGE = 200
"""The largest search page Pachca serves (and its default)."""


def _ids(values: Sequence[int] | None) -> str | None:
    # The spec's array parameters are not exploded: one comma-separated value.
    return ",".join(str(v) for v in values) if values else None


class SearchCalls(ApiCalls):
    """``GET /search/messages`` and ``GET /tasks``."""

    async def search_messages(
        self,
        query: str,
        *,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        chat_ids: Sequence[int] | None = None,
        user_ids: Sequence[int] | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[Message]:
        """Messages the token can read whose text matches ``query``, newest first;
        at most ``limit`` of them (all, without it)."""
        params: dict[str, Any] = {
            "query": query, "limit": SEARCH_PAGE, "order": "desc", "sort": "created_at",
            "created_from": created_from and api_time(created_from),
            "created_to": created_to and api_time(created_to),
            "chat_ids": _ids(chat_ids), "user_ids": _ids(user_ids),
        }
        seen = 0
        cursors: set[str] = set()
        while True:
            response = await self._session.request("GET", "/search/messages", params=params)
            try:
                body = response.json()
                records = [Message.model_validate(r) for r in body["data"]]
                total = int(body["meta"]["total"])
                cursor = body["meta"]["paginate"]["next_page"]
            except (ValueError, KeyError, TypeError, ValidationError) as exc:
                raise errors.ApiError(200, "GET", "/search/messages",
                                      f"unexpected search answer from Pachca: {exc}"[:300]
                                      ) from None
            for record in records:
                yield record
                seen += 1
                if limit is not None and seen >= limit:
                    return
            if not records or seen >= total or not cursor:
                return
            if cursor in cursors:  # a server bug must not become an endless loop
                raise errors.ApiError(200, "GET", "/search/messages",
                                      "Pachca repeated a page cursor")
            cursors.add(cursor)
            params["cursor"] = cursor

    def list_tasks(self) -> AsyncIterator[Task]:
        """The token's tasks (those its user created or performs), newest first."""
        return self._session.paginate("/tasks", Task)
