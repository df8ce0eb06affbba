"""What a token may learn and do about itself: ``GET /oauth/token/info`` (its scopes,
no scope needed) and ``PUT /bot/webhook`` (a bot sets its own outgoing URL with its
own token, scope ``bot_self:webhook:write``, which only bot tokens hold; the gateway
refuses every other token before this runs)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace.clock import format_ms
from runner.workspace.responses import auth, invalid, json_body, json_response, not_found
from runner.workspace.runtime import workspace_of


def _mask(token: str) -> str:
    """Pachca's masked form: the first 8 and the last 4 characters."""
    if len(token) <= 12:
        return "*" * len(token)
    return f"{token[:8]}{'*' * (len(token) - 12)}{token[-4:]}"


async def token_info(request: Request) -> Response:
    """``GET /oauth/token/info``: the calling token's scopes and user."""
    ws, info = workspace_of(request), auth(request)
    token = request.headers.get("authorization", "")[7:].strip()
    store = ws.store
    issued = store.token_issued_ms.get(token, store.now_ms())
    return json_response({"data": {
        "id": list(store.tokens).index(token) + 1,
        "token": _mask(token),
        # Pachca names only tokens made by hand; a bot's token has no name.
        "name": None if info.kind == "bot" else f"pachca-runner {info.kind}",
        "user_id": info.user_id,
        "scopes": sorted(store.token_scopes.get(token, ())),
        "created_at": format_ms(issued),
        "revoked_at": None,
        "expires_in": None,
        "last_used_at": format_ms(store.now_ms()),
    }})


async def bot_self_webhook(request: Request) -> Response:
    """``PUT /bot/webhook``: the calling bot's outgoing URL ("" turns it off)."""
    ws, info = workspace_of(request), auth(request)
    settings = ws.store.bots.get(info.user_id)
    if settings is None:
        raise not_found("bot", info.user_id)
    webhook = (await json_body(request)).get("webhook")
    if not isinstance(webhook, dict) or "outgoing_url" not in webhook:
        raise invalid("webhook", "webhook.outgoing_url is required", None, "required", status=400)
    extra = sorted(set(webhook) - {"outgoing_url"})
    if extra:
        raise invalid(extra[0], f"Unknown webhook setting {extra[0]}", None, "wrong_params",
                      status=400)
    url = webhook["outgoing_url"]
    if not isinstance(url, str) or (url and not url.startswith(("http://", "https://"))):
        raise invalid("outgoing_url", "Webhook URL must be an http(s) URL", url,
                      "invalid_webhook_url")
    settings["outgoing_url"] = url or None
    return json_response({"data": {"id": info.user_id, "webhook": dict(settings)}})


ROUTES = [
    Route("/oauth/token/info", token_info, methods=["GET"]),
    Route("/bot/webhook", bot_self_webhook, methods=["PUT"]),
]
