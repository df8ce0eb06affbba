"""The workspace clock and the API's timestamp format.

Times are kept as integer milliseconds since the epoch (UTC): cheap to compare, sort
and bisect, and exact in cursors. The clock is real time plus a settable offset, so a
test can make days pass without waiting. A frozen clock stands still until moved: a
test that must not depend on how fast this machine is (rate limits, say) drives time
itself.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

MS_PER_DAY = 86_400_000


def format_ms(ms: int) -> str:
    """Render ``ms`` as the API does: ``YYYY-MM-DDThh:mm:ss.sssZ`` in UTC."""
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def parse_datetime(text: str) -> int:
    """Parse an ISO-8601 date-time (naive means UTC) into ms; ``ValueError`` if invalid."""
    if not text or len(text) < 10:
        raise ValueError(f"not a date-time: {text!r}")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def day_of(ms: int) -> str:
    """The UTC calendar day (``YYYY-MM-DD``) that ``ms`` falls on."""
    return time.strftime("%Y-%m-%d", time.gmtime(ms // 1000))


def day_start_ms(day: date) -> int:
    """Milliseconds at 00:00 UTC of ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


class Clock:
    """Real UTC time shifted by an offset that tests may move; optionally frozen."""

    def __init__(self, start: str | None = None) -> None:
        self._offset_ms = 0
        self._frozen_real_ms: int | None = None
        if start is not None:
            self.set_now(parse_datetime(start))

    def _real_ms(self) -> int:
        if self._frozen_real_ms is not None:
            return self._frozen_real_ms
        return int(time.time() * 1000)

    def now_ms(self) -> int:
        """Current workspace time in ms."""
        return self._real_ms() + self._offset_ms

    def now(self) -> datetime:
        """Current workspace time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now_ms() / 1000, UTC)

    def seconds(self) -> float:
        """Current workspace time in seconds since the epoch (the rate limiter's clock)."""
        return self.now_ms() / 1000

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, if negative) by ``seconds``."""
        self._offset_ms += round(seconds * 1000)

    def set_now(self, when: datetime | int) -> None:
        """Make the clock read ``when`` now (a datetime, or ms)."""
        if isinstance(when, datetime):
            aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
            when = int(aware.timestamp() * 1000)
        self._offset_ms = when - self._real_ms()

    def freeze(self, frozen: bool) -> None:
        """Stop the clock where it stands (only ``advance``/``set_now`` move it), or let
        it run on from there."""
        now = self.now_ms()
        self._frozen_real_ms = int(time.time() * 1000) if frozen else None
        self.set_now(now)

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still between moves."""
        return self._frozen_real_ms is not None

    @property
    def offset_seconds(self) -> float:
        """How far the clock is ahead of real time."""
        return (self.now_ms() - int(time.time() * 1000)) / 1000
