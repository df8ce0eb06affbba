"""The workspace clock and the API's timestamp format.

Times are kept as integer milliseconds since the epoch (UTC): cheap to compare, sort
and bisect, and exact in cursors. The clock is real time plus a settable offset, so a
test can make days pass without waiting.
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
    """Real UTC time shifted by an offset that tests may move."""

    def __init__(self, start: str | None = None) -> None:
        self._offset_ms = 0
        if start is not None:
            self.set_now(parse_datetime(start))

    def now_ms(self) -> int:
        """Current workspace time in ms."""
        return int(time.time() * 1000) + self._offset_ms

    def now(self) -> datetime:
        """Current workspace time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now_ms() / 1000, UTC)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, if negative) by ``seconds``."""
        self._offset_ms += int(seconds * 1000)

    def set_now(self, when: datetime | int) -> None:
        """Make the clock read ``when`` now (a datetime, or ms)."""
        if isinstance(when, datetime):
            aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
            when = int(aware.timestamp() * 1000)
        target = when
        self._offset_ms = target - int(time.time() * 1000)

    @property
    def offset_seconds(self) -> float:
        """How far the clock is ahead of real time."""
        return self._offset_ms / 1000
