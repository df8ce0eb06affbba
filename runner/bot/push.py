"""Event intake by push: Pachca's signed outgoing webhook at ``bot.webhook_path``.

A request is processed only if all of these hold, checked in this order (cheapest and
least trusting first); anything else is answered and dropped:

=======================================================  ======
the content type is ``application/json``                 400
the body is at most 256 KiB                              413
``Pachca-Signature`` is the hex HMAC-SHA256 of the raw
body under the webhook secret (constant-time compare)    401
the body is a JSON object with an integer
``webhook_timestamp`` within one minute of now           400
=======================================================  ======

A replay of a body already processed (Pachca retries, or someone replaying a captured
request within the minute) is acknowledged with 200 but not processed again: the
body's SHA-256 is claimed in the state store like a polled event's id; a click is
claimed by its ``trigger_id``, so a redelivery with a new timestamp (a new body), or
the same click found later in the event history, acts once too. A signed, timely event
the runner cannot handle (an unknown type, a click on a message long gone) is logged
and answered 200 as well: anything else Pachca would deliver again and again.

Pachca waits 5 s for an answer (30 s for a click) and its guide says to answer at once
and work in the background: a ``link_shared``, whose previews wait on other sites, is
claimed, answered, and handled afterwards; a click is handled before the answer.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from math import isfinite
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from runner import words
from runner.bot.dispatch import ALREADY, Dispatcher
from runner.errors import BodyTooLarge
from runner.server.guard import parse_json
from runner.server.secret import read_body

if TYPE_CHECKING:
    from pydantic import SecretStr

log = logging.getLogger("runner.bot.push")

MAX_PUSH_BODY = 256 * 1024
MAX_SKEW = 60.0
"""Seconds a ``webhook_timestamp`` may differ from now (Pachca's rule: one minute)."""
SIGNATURE_HEADER = "Pachca-Signature"


def sign(body: bytes, secret: str) -> str:
    """The ``Pachca-Signature`` of ``body``: hex HMAC-SHA256 under ``secret``."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class PushEndpoint:
    """The Starlette endpoint for Pachca's outgoing webhook."""

    def __init__(self, dispatcher: Dispatcher, secret: SecretStr,
                 spawn: Callable[[Awaitable[None]], None] | None = None) -> None:
        self.dispatcher = dispatcher
        self._secret = secret
        # None: every event is handled before the answer (nothing to hand work to)
        self._spawn = spawn
        self.counts: Counter[str] = Counter()

    def _refuse(self, status: int, reason: str, **values: object) -> Response:
        """Count, log (in the operator's language) and answer (in English) a refusal;
        ``reason`` names both the count and the words (``push.<reason>``)."""
        self.counts[f"rejected:{reason}"] += 1
        said = words.text(f"push.{reason}", **values)
        log.warning("%s", words.text("server.bot_webhook_rejected", status=status, text=said))
        return JSONResponse({"error": words.text_in("en", f"push.{reason}", **values)},
                            status_code=status)

    async def handle(self, request: Request) -> Response:
        """Verify, de-duplicate and dispatch one pushed event."""
        rt = self.dispatcher.bot.rt
        if rt.catalogue.bot.events != "push":
            return JSONResponse({"error": "not found"}, status_code=404)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            return self._refuse(400, "content_type")
        try:
            body = await read_body(request, MAX_PUSH_BODY)
        except BodyTooLarge:
            return self._refuse(413, "too_large", n=MAX_PUSH_BODY)
        given = request.headers.get(SIGNATURE_HEADER, "").strip().lower()
        expected = sign(body, self._secret.get_secret_value())
        if not given:
            return self._refuse(401, "unsigned")
        if not hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii")):
            return self._refuse(401, "bad_signature")
        try:
            payload = parse_json(body)
        except ValueError:
            return self._refuse(400, "not_json")
        if not isinstance(payload, dict):
            return self._refuse(400, "not_object")
        stamp = _seconds(payload.get("webhook_timestamp"))
        if stamp is None:
            return self._refuse(400, "no_timestamp")
        skew = rt.clock().timestamp() - stamp
        if abs(skew) > MAX_SKEW:
            return self._refuse(400, "stale", skew=f"{skew:+.0f}", limit=f"{MAX_SKEW:.0f}")
        key = "push:" + hashlib.sha256(body).hexdigest()
        if self._spawn is not None and (payload.get("type"), payload.get("event")) == (
                "message", "link_shared"):
            claimed = await self.dispatcher.claim(key, payload)
            if claimed:
                self._spawn(self._later(payload))
            label = "later" if claimed else ALREADY
        else:
            label = await self.dispatcher.handle_once(key, payload)
        self.counts["duplicate" if label == ALREADY else "accepted"] += 1
        return JSONResponse({"status": "duplicate" if label == ALREADY else "ok"})

    async def _later(self, payload: dict[str, Any]) -> None:
        """Handle a claimed event after its answer (``dispatch`` never raises)."""
        await self.dispatcher.dispatch(payload)


def _seconds(value: object) -> float | None:
    """``value`` as a finite number of seconds, or None (not a number, NaN, infinite, or
    an integer too large for a float, which would otherwise raise)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if isfinite(seconds) else None
