"""Server-side rate limits, per token and class of call, as API-NOTES.md describes them.

Bucket model (nominal values, at ``speed = 1`` and ``throttle = 1``). A token bucket
holds at most ``capacity`` tokens, refills at ``rate`` tokens per second, and each call
takes one token from every bucket of its class; a call is refused (429) if any bucket
is empty, and then takes nothing.

===============  ===================  =========================================
class            key                  buckets (rate/s, capacity)
===============  ===================  =========================================
message_write    token + chat id      sustained (4, 130) and peak (30, 30): a
                                      fresh chat takes bursts of 30/s for ~5 s
                                      ((30-4) x 5 = 130), then ~4/s
message_read     token                (10, 10)
events           token                (2.5, 5): 5 calls per 2 s
other            token                (50, 50)
===============  ===================  =========================================

``message_write`` is POST /messages (the chat is ``entity_id``, or the addressee for
``entity_type=user``), PUT and DELETE /messages/{id}. ``message_read`` is every GET under
/messages. ``events`` is GET /webhooks/events. Everything else is ``other``.

Scaling: rates are multiplied by ``speed * throttle``, capacities by ``throttle`` (at
least 1). ``Retry-After`` is the time until every bucket of the call holds a token: at
``speed = 1`` whole seconds rounded up, at least 1; otherwise that nominal value divided
by ``speed`` (a fraction), so a sped-up workspace stays proportionate.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

#: class -> ((rate per second, capacity), ...) at speed 1, throttle 1.
BUCKETS: dict[str, tuple[tuple[float, float], ...]] = {
    "message_write": ((4.0, 130.0), (30.0, 30.0)),
    "message_read": ((10.0, 10.0),),
    "events": ((2.5, 5.0),),
    "other": ((50.0, 50.0),),
}


@dataclass(slots=True)
class _Bucket:
    rate: float
    capacity: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        # A clock set back (the workspace clock may be) refills nothing, and takes nothing.
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def wait(self) -> float:
        """Seconds until one token is available (0 if one is)."""
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


class RateLimiter:
    """Token buckets keyed by (token, class[, chat]); ``check`` takes or refuses."""

    def __init__(
        self,
        speed: Callable[[], float],
        throttle: Callable[[], float],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._speed = speed
        self._throttle = throttle
        self._clock = clock
        self._buckets: dict[tuple[str, str, int | str | None], list[_Bucket]] = {}
        self._scale: tuple[float, float] = (0.0, 0.0)

    def _buckets_for(self, key: tuple[str, str, int | str | None], now: float) -> list[_Bucket]:
        scale = (self._speed(), self._throttle())
        if scale != self._scale:
            # Settings changed at run time: start every bucket afresh under the new shape.
            self._buckets.clear()
            self._scale = scale
        buckets = self._buckets.get(key)
        if buckets is None:
            speed, throttle = scale
            buckets = [
                _Bucket(
                    rate * speed * throttle, max(1.0, cap * throttle), max(1.0, cap * throttle), now
                )
                for rate, cap in BUCKETS[key[1]]
            ]
            self._buckets[key] = buckets
        return buckets

    def check(self, token: str, call_class: str, chat: int | str | None = None) -> float:
        """Take a token for this call; return 0, or the Retry-After seconds if refused."""
        now = self._clock()
        key = (token, call_class, chat if call_class == "message_write" else None)
        buckets = self._buckets_for(key, now)
        for bucket in buckets:
            bucket.refill(now)
        wait = max(bucket.wait() for bucket in buckets)
        if wait > 0:
            return self.retry_after(wait)
        for bucket in buckets:
            bucket.tokens -= 1.0
        return 0.0

    def retry_after(self, wait: float) -> float:
        """Round a real wait to what the header says (see the module docstring)."""
        speed = self._speed()
        nominal = max(1, math.ceil(wait * speed - 1e-9))
        return float(nominal) if speed == 1 else nominal / speed


def format_retry_after(seconds: float) -> str:
    """Header text: an integer when whole, else up to three decimals."""
    if seconds == int(seconds):
        return str(int(seconds))
    return f"{seconds:.3f}".rstrip("0").rstrip(".")
