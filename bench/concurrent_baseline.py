"""The script a competent engineer would write instead: concurrent, raw httpx, no bookkeeping.

Run as ``python -m bench.concurrent_baseline SCRIPT ARGS_JSON`` (its own process, measured
like the runner). What it does:

- One ``httpx.AsyncClient`` with at most ``connections`` connections (the runner's
  ``FAN_OUT``, 16, unless told otherwise) and an ``asyncio.Semaphore`` of the same size
  around every request.
- A token bucket per documented call class, per token (API-NOTES.md "Rate limits"):
  message writes ~4/s **per chat** with bursts of 30; message reads ~10/s; everything
  else ~50/s. Rates are multiplied by ``speed``, the factor the workspace runs at (the
  same number the runner gets as ``PACHCA_RUNNER_RATE_LIMIT_SCALE``). A request waits for
  its bucket before it takes a connection.
- A 429 is retried after its ``Retry-After`` (a float: a sped-up workspace sends
  fractions), and that bucket is emptied so the requests behind it wait too. Any other
  error status ends the script with the error (``raise_for_status``).
- Listings follow the cursor page by page until ``has_next`` is false, 50 a page,
  using the documented server-side filters (``last_message_at_before`` / ``_after``).

What it does not do, on purpose (the point of the comparison): no state store, no
record of an effect before or after it (a crash mid-run re-posts or re-archives on the
next run), no dry run, no per-chat rights checks, no warnings before archiving, no
template rendering, no logging, no retry of 5xx or of dropped connections. It knows
nothing of the seed: every chat id comes from the API, ``cutoff`` / period / chat list
are the job's own parameters, the same ones the runner's catalogue holds.

Scripts: ``sweep`` (archive group conversations silent since ``cutoff``, oldest first,
at most ``max``), ``activity`` (count each active chat's messages in the period, post
the top 10), ``digest`` (post one text to each chat of a list).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx

#: class -> (rate per second, burst) as API-NOTES.md documents them, at real pace.
LIMITS = {"message_write": (4.0, 30.0), "message_read": (10.0, 10.0), "other": (50.0, 50.0)}
PAGE = 50


class Bucket:
    """A token bucket: ``take`` waits until a token is there."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()
        self.lock = asyncio.Lock()

    async def take(self) -> None:
        """Wait for one token and take it (callers queue in order on the lock)."""
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1.0:
                    self.tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self.tokens) / self.rate)

    def empty(self) -> None:
        """After a 429: the server's bucket is empty, so is ours."""
        self.tokens, self.stamp = 0.0, time.monotonic()


class Api:
    """Raw httpx behind a semaphore and the class buckets."""

    def __init__(self, base_url: str, token: str, speed: float, connections: int) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60.0,
            limits=httpx.Limits(max_connections=connections,
                                max_keepalive_connections=connections))
        self.gate = asyncio.Semaphore(connections)
        self.speed = speed
        self.buckets: dict[tuple[str, Any], Bucket] = {}

    def bucket(self, klass: str, chat: Any = None) -> Bucket:
        """The bucket of ``klass`` (and ``chat`` for message writes)."""
        key = (klass, chat)
        if key not in self.buckets:
            rate, burst = LIMITS[klass]
            self.buckets[key] = Bucket(rate * self.speed, burst)
        return self.buckets[key]

    async def call(self, method: str, path: str, bucket: Bucket, **kw: Any) -> Any:
        """One request: bucket, connection, Retry-After on 429; the JSON body or None."""
        while True:
            await bucket.take()
            async with self.gate:
                r = await self.http.request(method, path, **kw)
            if r.status_code == 429:
                bucket.empty()
                await asyncio.sleep(float(r.headers.get("retry-after") or 1))
                continue
            r.raise_for_status()
            return r.json() if r.content else None

    async def pages(self, path: str, klass: str, params: dict[str, Any]) -> AsyncIterator[Any]:
        """Every item of a cursor listing, page by page."""
        query = {**params, "limit": PAGE}
        while True:
            body = await self.call("GET", path, self.bucket(klass), params=query)
            for item in body["data"]:
                yield item
            paginate = body["meta"]["paginate"]
            if not paginate.get("has_next"):
                return
            query["cursor"] = paginate["next_page"]

    async def post(self, chat_id: int, text: str) -> None:
        """POST /messages to a chat, in that chat's write bucket."""
        await self.call("POST", "/messages", self.bucket("message_write", chat_id),
                        json={"message": {"entity_type": "discussion", "entity_id": chat_id,
                                          "content": text}})


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


async def sweep(api: Api, args: dict[str, Any]) -> str:
    """Archive group conversations silent since ``cutoff`` (oldest first, at most ``max``)."""
    cutoff = datetime.fromisoformat(args["cutoff"])
    seen, idle = 0, []
    async for c in api.pages("/chats", "other", {"personal": "false",
                                                 "last_message_at_before": _iso(cutoff)}):
        seen += 1
        if (not c["channel"] and not c.get("archived") and _at(c["last_message_at"]) < cutoff
                and _at(c["created_at"]) < cutoff):
            idle.append(c)
    idle.sort(key=lambda c: _at(c["last_message_at"]))
    chosen = idle[: args["max"]]
    await asyncio.gather(*(api.call("PUT", f"/chats/{c['id']}/archive", api.bucket("other"))
                           for c in chosen))
    return f"listed {seen} silent chats, archived {len(chosen)}"


async def _count(api: Api, chat: dict[str, Any], start: datetime, end: datetime,
                 bot: int) -> tuple[int, str]:
    """Messages of ``chat`` in [start, end) not by the bot; newest first, so stop at the
    first one older than ``start``."""
    n = 0
    async for m in api.pages("/messages", "message_read", {"chat_id": chat["id"]}):
        created = _at(m["created_at"])
        if created < start:
            break
        n += created < end and m["user_id"] != bot
    return n, chat["name"]


async def activity(api: Api, args: dict[str, Any]) -> str:
    """Count each chat's messages in [start, end) and post the top 10 to ``report_chat``."""
    start, end = datetime.fromisoformat(args["start"]), datetime.fromisoformat(args["end"])
    chats = [c async for c in api.pages("/chats", "other", {
        "personal": "false", "last_message_at_after": _iso(start),
        "last_message_at_before": _iso(end)})]
    counts = sorted(await asyncio.gather(*(_count(api, c, start, end, args["bot_user_id"])
                                           for c in chats)), reverse=True)
    lines = [f"{i}. {name} — {n}" for i, (n, name) in enumerate(counts[:10], 1)]
    await api.post(args["report_chat"], "Активные чаты\n" + "\n".join(lines))
    return f"{len(chats)} active chats, {sum(n for n, _ in counts)} messages"


async def digest(api: Api, args: dict[str, Any]) -> str:
    """Post the same text to every chat of ``chats``, all at once within the limits."""
    await asyncio.gather(*(api.post(chat_id, args["text"]) for chat_id in args["chats"]))
    return f"posted to {len(args['chats'])} chats"


SCRIPTS = {"sweep": sweep, "activity": activity, "digest": digest}


async def main(name: str, args: dict[str, Any]) -> None:
    """Run script ``name`` with ``args`` (base_url, token, speed, connections and its own)."""
    api = Api(args["base_url"], args["token"], float(args.get("speed", 1.0)),
              int(args.get("connections", 16)))
    try:
        print(await SCRIPTS[name](api, args))
    finally:
        await api.http.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
