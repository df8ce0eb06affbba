"""The obvious alternative: the same work as a script on the official ``pachca-sdk``.

Written the straightforward way its README shows: list everything with the ``*_all``
helpers, then act one call at a time. Run as ``python -m bench.sdk_baseline SCENARIO
ARGS_JSON`` (its own process, measured like the runner). What had to be worked around:

- ``from pachca import PachcaClient`` (the README's import) fails: the package's
  ``__init__.py`` is empty; the client lives in ``pachca.client``.
- A custom base URL works (``PachcaClient(token, base_url=...)``).
- The SDK retries 429 itself (``pachca.utils.RetryTransport``), but reads Retry-After
  with ``str.isdigit()``: the fractional values a sped-up workspace sends (``0.25``)
  fall back to 1, 2, 4 s of unscaled backoff, and after 3 retries the 429 is raised.
  The same transport with ``float()`` parsing is plugged in through the SDK's own
  ``PachcaClient.from_client`` hook; at real speed (whole seconds) nothing differs.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from datetime import datetime
from typing import Any

import httpx
from pachca.client import PachcaClient
from pachca.models import (
    ListChatMessagesParams,
    ListChatsParams,
    MessageCreateRequest,
    MessageCreateRequestMessage,
)
from pachca.utils import RetryTransport


class FractionalRetryTransport(RetryTransport):
    """``RetryTransport`` as shipped, except that Retry-After may be a fraction."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(self._max_retries + 1):
            response = await self._transport.handle_async_request(request)
            if response.status_code == 429 and attempt < self._max_retries:
                header = response.headers.get("retry-after")
                try:
                    delay = float(header) if header else 2.0**attempt
                except ValueError:
                    delay = 2.0**attempt
                await response.aclose()
                await asyncio.sleep(delay * (1 + random.random() * 0.25))
                continue
            if response.status_code in (500, 502, 503, 504) and attempt < self._max_retries:
                await response.aclose()
                await asyncio.sleep((attempt + 1) * (1 + random.random() * 0.25))
                continue
            return response
        return response


def client(base_url: str, token: str) -> PachcaClient:
    """An SDK client for ``base_url`` (see the module docstring for the transport)."""
    http = httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        transport=FractionalRetryTransport(httpx.AsyncHTTPTransport()),
    )
    return PachcaClient.from_client(http)


async def sweep(api: PachcaClient, args: dict[str, Any]) -> str:
    """Archive group conversations silent since ``cutoff`` (oldest first, at most ``max``)."""
    cutoff = datetime.fromisoformat(args["cutoff"])
    chats = await api.chats.list_chats_all(ListChatsParams(personal=False, limit=50))
    idle = [c for c in chats if not c.channel and not c.archived
            and c.last_message_at < cutoff and c.created_at < cutoff]
    idle.sort(key=lambda c: c.last_message_at)
    for chat in idle[: args["max"]]:
        await api.chats.archive_chat(chat.id)
    return f"scanned {len(chats)}, archived {min(len(idle), args['max'])}"


async def activity(api: PachcaClient, args: dict[str, Any]) -> str:
    """Count each chat's messages in [start, end) and post the top 10 to ``report_chat``."""
    start, end = datetime.fromisoformat(args["start"]), datetime.fromisoformat(args["end"])
    chats = await api.chats.list_chats_all(ListChatsParams(
        personal=False, last_message_at_after=start, last_message_at_before=end, limit=50))
    counts: list[tuple[int, str]] = []
    for chat in chats:
        messages = await api.messages.list_chat_messages_all(
            ListChatMessagesParams(chat_id=chat.id, limit=50))
        n = sum(1 for m in messages if start <= m.created_at < end
                and m.user_id != args["bot_user_id"])
        counts.append((n, chat.name))
    counts.sort(reverse=True)
    lines = [f"{i}. {name} — {n}" for i, (n, name) in enumerate(counts[:10], 1)]
    await api.messages.create_message(MessageCreateRequest(MessageCreateRequestMessage(
        entity_id=args["report_chat"], content="Активные чаты\n" + "\n".join(lines))))
    return f"{len(chats)} active chats, {sum(n for n, _ in counts)} messages"


async def digest(api: PachcaClient, args: dict[str, Any]) -> str:
    """Post the same text to every chat of ``chats``."""
    for chat_id in args["chats"]:
        await api.messages.create_message(MessageCreateRequest(MessageCreateRequestMessage(
            entity_id=chat_id, content=args["text"])))
    return f"posted to {len(args['chats'])} chats"


SCRIPTS = {"sweep": sweep, "activity": activity, "digest": digest}


async def main(name: str, args: dict[str, Any]) -> None:
    """Run script ``name`` with ``args`` (base_url, token and its own)."""
    api = client(args["base_url"], args["token"])
    try:
        print(await SCRIPTS[name](api, args))
    finally:
        await api.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
