"""One dispatcher for every bot event, whether it was polled or pushed.

``handle_once(key, payload)`` is the single entry: it claims the event in the state
store (``mark_event_handled``: exactly one caller wins, across replicas and restarts),
then routes it by ``type`` / ``event``. A button click is claimed by its
``trigger_id`` whatever ``key`` says: Pachca delivers at least once and may deliver
a click again under a new event id (or push it and keep it in the history), and one
press must act once; a ``link_shared`` by its message and links, for one preview each.
The claim comes first on purpose: a crash in the middle of handling then loses that one
click, which stays visible (the buttons are still there, the person can press again),
whereas handling it twice could rerun a job twice. Handlers never raise: a failure is logged and the event counts as handled.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from pydantic import ValidationError

from runner import words
from runner.bot.clicks import ClickHandler
from runner.bot.context import BotContext
from runner.bot.unfurl import Unfurler
from runner.errors import RunnerError
from runner.pachca.models import ButtonClick, LinkShared

log = logging.getLogger("runner.bot.dispatch")

ALREADY = "already_handled"


class Dispatcher:
    """Routes an event payload to its handler by type."""

    def __init__(self, bot: BotContext, clicks: ClickHandler, unfurl: Unfurler) -> None:
        self.bot = bot
        self.clicks = clicks
        self.unfurl = unfurl

    async def handle_once(self, key: str, payload: dict[str, Any]) -> str:
        """Handle the event called ``key`` unless it was handled already; a label back."""
        if not await self.claim(key, payload):
            return ALREADY
        return await self.dispatch(payload)

    async def claim(self, key: str, payload: dict[str, Any]) -> bool:
        """Claim the event called ``key`` (see ``delivery_key``); False if it was before."""
        key = delivery_key(payload, key)
        if not await self.bot.rt.state.events.mark_handled(key):
            log.info("%s", words.text("event.again", key=key))
            return False
        return True

    async def dispatch(self, payload: dict[str, Any]) -> str:
        """Handle one payload (no de-duplication): 'click', 'unfurl:...', 'ignored'..."""
        kind = (payload.get("type"), payload.get("event"))
        try:
            if kind == ("button", "click"):
                return await self.clicks.handle(ButtonClick.model_validate(payload))
            if kind == ("message", "link_shared"):
                return await self.unfurl.handle(LinkShared.model_validate(payload))
        except ValidationError as exc:
            log.warning("%s", words.text("event.malformed", type=kind[0], event=kind[1],
                                        n=exc.error_count(), first=_first_problem(exc)))
            return "malformed"
        except RunnerError as exc:
            log.error("%s", words.text("event.failed", type=kind[0], event=kind[1], error=exc))
            return "failed"
        except Exception:  # a bug in a handler must not stop the other events
            log.exception("%s", words.text("event.crashed", type=kind[0], event=kind[1]))
            return "failed"
        # Acknowledged all the same: anything not answered 2xx Pachca delivers again.
        log.info("%s", words.text("event.ignored", type=kind[0], event=kind[1]))
        return "ignored"


def _first_problem(exc: ValidationError) -> str:
    """The first thing wrong with a payload, naming its field."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "?"
    if first.get("type") == "missing":
        return words.text("event.field_missing", field=field)
    return words.text("event.field_bad", field=field, problem=first.get("msg"))


def delivery_key(payload: dict[str, Any], fallback: str) -> str:
    """What identifies one event across deliveries: a click's ``trigger_id``, a
    ``link_shared``'s message and links, else ``fallback`` (the history id of a polled
    event, the body's hash of a pushed one)."""
    kind = (payload.get("type"), payload.get("event"))
    trigger = payload.get("trigger_id")
    if kind == ("button", "click") and isinstance(trigger, str) and trigger:
        return f"click:{trigger}"
    message, links = payload.get("message_id"), payload.get("links")
    if kind == ("message", "link_shared") and isinstance(message, int) and isinstance(links, list):
        # Pachca keeps every preview posted: the same links again would show twice.
        urls = sorted({str(link.get("url")) for link in links if isinstance(link, dict)})
        digest = hashlib.sha256("\n".join(urls).encode()).hexdigest()[:32]
        return f"links:{message}:{digest}"
    return fallback
