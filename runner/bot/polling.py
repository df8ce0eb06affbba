"""Event intake by polling, for bots without a public URL (``bot: {events: poll}``),
and catching up with pushes (``push``): Pachca retries a push only while it cannot
connect, a few times, so what it pushed while the runner was down is only in the history.

One pass reads the bot's event history (``GET /webhooks/events``, page by page; the
client's limiter keeps within ~5 reads per 2 s) to its end, then handles the events in
the order they happened and deletes each once handled (``DELETE /webhooks/events/{id}``,
an ordinary call). Pachca serves the history newest first, as the official SDKs'
pollers assume; sorting by creation time (ties by the history's own order) makes the
order of the pages irrelevant, so a "keep" pressed after "archive now" is handled after
it. The whole history is read before anything is handled: its oldest events are on its
last page.

An event already handled (a crash between handling and deleting, or a click Pachca
delivered again under a new event id: the dispatcher knows a click by its
``trigger_id``) is only deleted. So is an event that can never be handled (an unknown
type, a click on a message long gone): it is logged, and left in the history it would
come back on every pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from runner import words
from runner.bot.dispatch import Dispatcher
from runner.errors import NotFound, PermissionDenied, RunnerError
from runner.pachca.models import WebhookEvent

log = logging.getLogger("runner.bot.polling")

MAX_EVENTS_PER_PASS = 500
"""A pass handles at most this many (the oldest), so a flood cannot starve the loop."""
MAX_EVENTS_READ = 10_000
"""A pass reads at most this many; past it the history's order cannot be kept anyway."""


@dataclass
class PollResult:
    """What one pass did: labels of handled events (``decided:keep``...), deletions."""

    counts: Counter[str] = field(default_factory=Counter)

    @property
    def seen(self) -> int:
        """Events read from the history."""
        return self.counts["seen"]

    def summary(self) -> str:
        """One line for the operator, in the chosen language."""
        handled = {k: v for k, v in sorted(self.counts.items())
                   if k not in ("seen", "deleted")}
        detail = (", ".join(f"{words.count_name(k)} — {v}" for k, v in handled.items())
                  or words.text("bot.poll_nothing"))
        return words.text("bot.poll", read=self.counts["seen"], deleted=self.counts["deleted"],
                          detail=detail)


class Poller:
    """Reads, handles and deletes the bot's events."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.client = dispatcher.bot.rt.client

    async def handle(self, event: WebhookEvent) -> str:
        """Handle one event unless it was handled before (no deletion here)."""
        return await self.dispatcher.handle_once(f"event:{event.id}", event.payload)

    async def history(self) -> list[WebhookEvent]:
        """The events in the history, in the order they happened (oldest first).

        Events of one millisecond keep the reverse of the order they were listed in:
        their ids (ULIDs) are random past the millisecond, so only the history's own
        order (newest first) tells which came first.
        """
        events: dict[str, tuple[WebhookEvent, int]] = {}
        async for event in self.client.list_events():
            # a page may repeat one as the list moves
            events.setdefault(event.id, (event, -len(events)))
            if len(events) >= MAX_EVENTS_READ:
                log.warning("%s", words.text("poll.too_many", n=MAX_EVENTS_READ))
                break
        ordered = sorted(events.values(), key=lambda pair: (pair[0].created_at, pair[1]))
        return [event for event, _ in ordered]

    async def delete(self, event: WebhookEvent) -> bool:
        """Remove a handled event from the history (False if someone already did)."""
        try:
            await self.client.delete_event(event.id)
        except NotFound:
            return False  # another replica deleted it first
        return True

    async def poll_once(self, limit: int = MAX_EVENTS_PER_PASS) -> PollResult:
        """One pass over the history. Errors reading or deleting stop the pass (raised);
        what was handled stays recorded, so the next pass only deletes it."""
        result = PollResult()
        for event in (await self.history())[:limit]:
            result.counts["seen"] += 1
            result.counts[await self.handle(event)] += 1
            if await self.delete(event):
                result.counts["deleted"] += 1
        if result.seen:
            log.info("%s", words.text("poll.summary", summary=result.summary()))
        return result

    async def run(self, stop: asyncio.Event, every: Callable[[], float | None],
                  optional: Callable[[], bool] = lambda: False) -> None:
        """Poll until ``stop`` is set, waiting ``every()`` seconds between passes.

        ``every()`` is read before each pass (a reloaded catalogue takes effect); None
        means polling is off for now, and the loop looks again a minute later.
        ``optional()`` true (events are pushed; the history only catches up with what
        was pushed while the runner was down): a token that may not read the history
        is said once, and passes stop until reading it is no longer optional.
        """
        refused = False
        while not stop.is_set():
            interval = every()
            if refused and not optional():
                refused = False
            if interval is not None and not refused:
                try:
                    await self.poll_once()
                except RunnerError as exc:
                    if isinstance(exc, PermissionDenied) and optional():
                        refused = True
                        log.warning("%s", words.text("poll.catch_up_off", error=exc))
                    else:
                        log.error("%s", words.text("poll.failed", seconds=f"{interval:.0f}",
                                                   error=exc))
                except Exception:
                    log.exception("%s", words.text("poll.crashed"))
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval or 60.0)
            except TimeoutError:
                pass
