"""``SenderGuard``: the runner's server refuses webhooks from addresses not accepted.

Every request from an address ``runner.addresses`` does not accept gets 403 before its
body is read, except on the paths people and monitoring open (health, metrics, the
console): a webhook route added later is covered without asking for it.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from runner import words
from runner.addresses import Senders
from runner.server.guard import answer_and_close
from runner.server.paths import webhook_free

log = logging.getLogger("runner.server")


class SenderGuard:
    """ASGI middleware: 403 for a webhook path requested from an address not accepted.

    Runs before the body guard, so a refused sender's body is never read; the answer
    closes the connection. The log line names the address and the settings to change,
    never the path (webhook paths carry a secret segment)."""

    def __init__(self, app: ASGIApp, *, senders: Senders, proxies: bool) -> None:
        self.app = app
        self.senders = senders
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or webhook_free(scope["path"], scope["method"]):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        host = str(client[0]) if client else None
        if self.senders.allows(host):
            await self.app(scope, receive, send)
            return
        log.warning("%s", words.text(
            "server.sender_refused", client=host or "?", allowed=self.senders,
            proxies=words.text("senders.proxy_hint") if not self.proxies else ""))
        await answer_and_close(send, 403, "sender not allowed")
