"""Pachca's rate limits, kept proactively on our side, and the retry policy.

API-NOTES.md gives limits per token and class of call: message writes ~4/s per chat
(short bursts allowed), message reads ~10/s, the event history 5 per 2 s, everything
else ~50/s. Waiting for 429s would get a token blocked, so every request first takes
a slot from the bucket of its class (and chat). Slots are handed out in order, so many
concurrent tasks together run at the limit and never above it.

The buckets are GCRA ("virtual scheduling"): each bucket keeps the theoretical
arrival time of its next request; a caller reserves the earliest slot synchronously
(no await between reading and writing the bucket) and then sleeps until it. That makes
the limiter fair and exact with any number of asyncio tasks and no lock.
"""

from __future__ import annotations

import asyncio
import enum
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


class CallClass(enum.Enum):
    """The classes of call that Pachca limits separately."""

    MESSAGE_WRITE = "message_write"  # per chat
    MESSAGE_READ = "message_read"
    EVENTS = "events"
    OTHER = "other"


@dataclass(frozen=True)
class Rate:
    """``per_second`` requests per second with up to ``burst`` back to back."""

    per_second: float
    burst: int = 1


@dataclass(frozen=True)
class RateLimits:
    """The limits the client keeps; defaults sit just under the documented ones.

    ``margin`` leaves room for clock and network jitter between our send time and
    the server's arrival time: arriving a hair early is still a 429.
    """

    message_write: Rate = Rate(4.0, 2)
    message_read: Rate = Rate(10.0, 2)
    events: Rate = Rate(2.5, 2)
    other: Rate = Rate(50.0, 5)
    margin: float = 0.95
    enabled: bool = True

    def rate(self, call_class: CallClass) -> Rate:
        """The rate for ``call_class``."""
        return {
            CallClass.MESSAGE_WRITE: self.message_write,
            CallClass.MESSAGE_READ: self.message_read,
            CallClass.EVENTS: self.events,
            CallClass.OTHER: self.other,
        }[call_class]

    def scaled(self, factor: float) -> RateLimits:
        """These limits with every rate multiplied by ``factor`` (benchmarks, tests)."""

        def s(r: Rate) -> Rate:
            return Rate(r.per_second * factor, r.burst)

        return RateLimits(
            s(self.message_write), s(self.message_read), s(self.events), s(self.other),
            self.margin, self.enabled,
        )


def classify(method: str, path: str) -> CallClass:
    """The limit class of a request, from its method and API path."""
    if path.startswith("/messages"):
        return CallClass.MESSAGE_READ if method == "GET" else CallClass.MESSAGE_WRITE
    if path == "/webhooks/events" and method == "GET":
        return CallClass.EVENTS  # deleting an event is an ordinary call (~50/s)
    return CallClass.OTHER


class Bucket:
    """One GCRA bucket; ``reserve()`` returns how long to wait for the slot taken."""

    def __init__(
        self, rate: Rate, margin: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = 1.0 / (rate.per_second * margin)
        self._tolerance = self._interval * (max(rate.burst, 1) - 1)
        self._clock = clock
        self._tat = 0.0  # theoretical arrival time of the next request

    def reserve(self) -> float:
        """Take the next slot; the caller must wait the returned seconds before sending."""
        now = self._clock()
        start = max(now, self._tat - self._tolerance)
        self._tat = max(self._tat, now) + self._interval
        return start - now

    def pause(self, seconds: float) -> None:
        """Push every later slot back: the server asked us to wait (429)."""
        now = self._clock()
        self._tat = max(self._tat, now + seconds + self._tolerance)

    def idle(self) -> bool:
        """True when the bucket is full again, so forgetting it changes nothing."""
        return self._tat <= self._clock()


class RateLimiter:
    """All buckets of one token: one per class, one per chat for message writes.

    ``clock`` and ``sleep`` are time.monotonic and asyncio.sleep; a test may give both
    from one clock of its own, so that pacing is exact whatever the machine's speed.
    """

    _MAX_CHAT_BUCKETS = 4096

    def __init__(
        self,
        limits: RateLimits,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._sleep = sleep
        self._shared = {
            c: Bucket(limits.rate(c), limits.margin, clock)
            for c in CallClass
            if c is not CallClass.MESSAGE_WRITE
        }
        self._chats: OrderedDict[object, Bucket] = OrderedDict()
        self.waits = 0
        """Calls that waited for a slot (the console's Health page shows them)."""
        self.waited = 0.0
        """Seconds those calls waited, in all."""

    def _bucket(self, call_class: CallClass, chat_key: object) -> Bucket:
        if call_class is not CallClass.MESSAGE_WRITE:
            return self._shared[call_class]
        bucket = self._chats.get(chat_key)
        if bucket is None:
            # Evict only buckets that have refilled: a full bucket equals a new one.
            while len(self._chats) >= self._MAX_CHAT_BUCKETS:
                oldest_key, oldest = next(iter(self._chats.items()))
                if not oldest.idle():
                    break
                del self._chats[oldest_key]
            bucket = Bucket(self._limits.message_write, self._limits.margin, self._clock)
            self._chats[chat_key] = bucket
        self._chats.move_to_end(chat_key)
        return bucket

    async def acquire(self, call_class: CallClass, chat_key: object = None) -> None:
        """Wait for a slot of ``call_class`` (and of the chat, for message writes)."""
        if not self._limits.enabled:
            return
        delay = self._bucket(call_class, chat_key).reserve()
        if delay > 0:
            self.waits += 1
            self.waited += delay
            await self._sleep(delay)

    def pause(self, call_class: CallClass, chat_key: object, seconds: float) -> None:
        """The server said 429: hold back every request of that class (and chat)."""
        self._bucket(call_class, chat_key).pause(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a request again (API-NOTES.md, "Retry policy").

    429: wait Retry-After (at most ``max_retry_after``, else fail as RateLimited),
    up to ``max_429`` times. 5xx and transport errors: exponential backoff with
    0.5–1.5x jitter, at most ``max_retries`` times, and only when repeating the call
    cannot duplicate an effect: an idempotent method, or a request that provably never
    reached the server. 400/401/403/404/422: never.
    """

    max_retries: int = 3
    max_429: int = 8
    backoff_base: float = 0.5
    max_retry_after: float = 60.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        jitter = (rng or random).uniform(0.5, 1.5)
        return self.backoff_base * (2 ** (attempt - 1)) * jitter


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
