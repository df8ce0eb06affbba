"""The bot's settings as a workspace admin changes them in Pachca's UI (control API).

``GET  /bot``   -> ``{"data": settings}``: the seeded bot's ``BotWebhook`` settings and
                its ``unfurl_domains``
``POST /bot``   ``{<setting>: value, ...}`` -> ``{"data": settings}``: any setting
                ``PUT /bots/{id}`` takes (``events``, ``events_history_enabled``,
                ``ignore_self_messages``, ...) and ``unfurl_domains`` (up to 5 bare
                lower-case domains, as the unfurl bot's settings take them; the API has no
                call for them); 400 with the reason for a bad value, nothing changed

What the bot is then told follows these settings (``delivery``): a test subscribes the
bot to an event before it expects one, as an admin ticks it in Pachca.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runner.workspace.config import check_domains
from runner.workspace.responses import ApiProblem
from runner.workspace.routes_misc import apply_webhook
from runner.workspace.runtime import workspace_of


async def bot_settings(request: Request) -> Response:
    """Read or change the bot's settings."""
    store = workspace_of(request).store
    settings = store.bots[store.bot_id]
    if request.method == "POST":
        raw = await request.body()
        try:
            changes = json.loads(raw) if raw else None
            if not isinstance(changes, dict) or not changes:
                raise ValueError("give the settings to change as a JSON object")
            updated = dict(settings)
            if "unfurl_domains" in changes:
                domains = changes.pop("unfurl_domains")
                if not isinstance(domains, list):
                    raise ValueError("unfurl_domains must be a list")
                updated["unfurl_domains"] = check_domains(domains)
            apply_webhook(updated, changes)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except ApiProblem as problem:
            return JSONResponse({"error": bytes(problem.response.body).decode()},
                                status_code=400)
        settings.update(updated)
    return JSONResponse({"data": settings})


ROUTES = [Route("/bot", bot_settings, methods=["GET", "POST"])]
