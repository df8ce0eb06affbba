"""Users, group tags, profile, bots and the bot's event history.

Event history belongs to the bot: only the bot token may read or delete it (other
tokens get 403). ``GET /bots/{id}`` / ``PUT /bots/{id}`` need ``bots:read`` /
``bots:write``, scopes no bot token holds: the gateway refuses bot tokens (the bot
itself too) before these run; both then need a user its ``can_edit`` names
(``access.require_bot_editor``), and ``PUT`` the owner token.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace import access
from runner.workspace.clock import format_ms
from runner.workspace.delivery import BOT_EVENTS
from runner.workspace.paging import CursorError, paginate
from runner.workspace.queries import (
    list_events,
    list_tag_users,
    list_users,
    search_users,
)
from runner.workspace.responses import (
    auth,
    invalid,
    json_body,
    json_response,
    no_content,
    not_found,
    q_limit,
    require,
)
from runner.workspace.runtime import Workspace, workspace_of

_ENUMS: dict[str, tuple[str, ...]] = {
    "trigger_on": ("commands", "all_messages", "unfurl"),
    "template_engine": ("liquid", "mustache"),
    "who_can_add": ("creator", "creator_admin", "creator_admin_user", "anyone"),
}
_BOOLS = ("link_preview_enabled", "ignore_self_messages", "events_history_enabled")
_STRINGS = ("name", "nickname", "template", "challenge_key")
_LISTS = ("commands", "scopes")


def _cursor() -> Exception:
    return invalid("cursor", "The cursor is not valid")


async def users_list(request: Request) -> Response:
    """``GET /users``; with ``query`` the meta is search-shaped (total + next_page)."""
    ws, info = workspace_of(request), auth(request)
    limit = q_limit(request)
    cursor = request.query_params.get("cursor")
    query = request.query_params.get("query")
    try:
        if query:
            users, meta = search_users(
                ws.store, query, limit=limit, cursor=cursor,
                sees_email=lambda u: access.sees_personal_data(ws.store, info, u.id))
        else:
            users, meta = list_users(ws.store, limit=limit, cursor=cursor, short_cut=ws.short_cut)
    except CursorError as exc:
        raise _cursor() from exc
    return json_response({"data": [access.user_json(ws.store, info, u) for u in users],
                          "meta": meta})


async def user_get(request: Request) -> Response:
    """``GET /users/{id}``."""
    ws, info = workspace_of(request), auth(request)
    user = ws.store.users.get(request.path_params["id"])
    if user is None:
        raise not_found("user", request.path_params["id"])
    return json_response({"data": access.user_json(ws.store, info, user)})


async def profile(request: Request) -> Response:
    """``GET /profile``: the token's own user."""
    ws, info = workspace_of(request), auth(request)
    return json_response({"data": ws.store.users[info.user_id].to_json()})


async def tags_list(request: Request) -> Response:
    """``GET /group_tags`` (``names`` filters by exact name)."""
    ws = workspace_of(request)
    limit = q_limit(request)
    wanted = set(request.query_params.getlist("names") + request.query_params.getlist("names[]"))
    index = [k for k in ws.store.tag_index if not wanted or ws.store.tags[k[0]].name in wanted]
    try:
        keys, meta = paginate(
            index,
            limit=limit,
            cursor=request.query_params.get("cursor"),
            descending=False,
            short_cut=ws.short_cut,
        )
    except CursorError as exc:
        raise _cursor() from exc
    return json_response({"data": [ws.store.tags[k[0]].to_json() for k in keys], "meta": meta})


async def tag_users(request: Request) -> Response:
    """``GET /group_tags/{id}/users``."""
    ws, info = workspace_of(request), auth(request)
    tag = ws.store.tags.get(request.path_params["id"])
    if tag is None:
        raise not_found("group_tag", request.path_params["id"])
    limit = q_limit(request)
    try:
        users, meta = list_tag_users(
            ws.store,
            tag.user_ids,
            limit=limit,
            cursor=request.query_params.get("cursor"),
            short_cut=ws.short_cut,
        )
    except CursorError as exc:
        raise _cursor() from exc
    return json_response({"data": [access.user_json(ws.store, info, u) for u in users],
                          "meta": meta})


def _bot(ws: Workspace, bot_id: int) -> dict[str, Any]:
    settings = ws.store.bots.get(bot_id)
    if settings is None:
        raise not_found("bot", bot_id)
    return settings


async def bot_get(request: Request) -> Response:
    """``GET /bots/{id}``."""
    ws = workspace_of(request)
    bot_id = request.path_params["id"]
    settings = _bot(ws, bot_id)
    access.require_bot_editor(ws.store, auth(request), bot_id, settings["can_edit"], "show?")
    return json_response({"data": _bot_json(ws, bot_id, settings)})


def _bot_json(ws: Workspace, bot_id: int, settings: dict[str, Any]) -> dict[str, Any]:
    """A ``BotResponse``: the spec's ``id`` and ``webhook``, plus the fields Pachca sends
    beside them that the official SDK (1.6) requires to read a bot at all."""
    user = ws.store.users[bot_id]
    return {
        "id": bot_id,
        "webhook": dict(settings),
        "name": settings["name"],
        "nickname": settings["nickname"],
        "created_at": format_ms(user.created_ms),
        "authorized_users_count": 0,
        "oauth_client_enabled": False,
        # what the caller (already allowed by can_edit) may do besides editing
        "permissions": {"update_oauth_client": False, "recreate_token": True, "destroy": False},
    }


def apply_webhook(settings: dict[str, Any], changes: dict[str, Any]) -> None:
    """Apply ``BotWebhook`` changes to ``settings``; an ``ApiProblem`` (422) for a bad one."""
    for key, value in changes.items():
        if key == "outgoing_url":
            if value not in (None, "") and (
                not isinstance(value, str) or not value.startswith(("http://", "https://"))
            ):
                raise invalid(
                    "outgoing_url",
                    "Webhook URL must be an http(s) URL",
                    value,
                    "invalid_webhook_url",
                )
            settings[key] = value or None
        elif key == "events":
            if not isinstance(value, list) or any(e not in BOT_EVENTS for e in value):
                raise invalid("events", "Unknown event name", value, "inclusion")
            settings[key] = list(value)
        elif key == "can_edit":
            if not isinstance(value, list) or any(v not in ("admin", "chat_owners") for v in value):
                raise invalid(
                    "can_edit", "can_edit must list admin / chat_owners", value, "inclusion"
                )
            settings[key] = list(value)
        elif key in _ENUMS:
            if value not in _ENUMS[key]:
                raise invalid(
                    key, f"{key} must be one of {', '.join(_ENUMS[key])}", value, "inclusion"
                )
            settings[key] = value
        elif key in _BOOLS:
            if not isinstance(value, bool):
                raise invalid(key, f"{key} must be a boolean", value)
            settings[key] = value
        elif key in _STRINGS:
            if not isinstance(value, str) or len(value) > 255:
                raise invalid(key, f"{key} must be a string (max 255)", value)
            settings[key] = value
        elif key in _LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise invalid(key, f"{key} must be a list of strings", value)
            settings[key] = list(value)
        else:
            raise invalid(key, f"Unknown webhook setting {key}", None, "wrong_params", status=400)


async def bot_update(request: Request) -> Response:
    """``PUT /bots/{id}``: change the bot's webhook settings (owner token only)."""
    ws = workspace_of(request)
    info = require(request, "owner")
    bot_id = request.path_params["id"]
    settings = _bot(ws, bot_id)
    access.require_bot_editor(ws.store, info, bot_id, settings["can_edit"], "update?")
    webhook = (await json_body(request)).get("webhook")
    if not isinstance(webhook, dict):
        raise invalid("webhook", "webhook is required", None, "required", status=400)
    updated = dict(settings)
    apply_webhook(updated, webhook)
    settings.update(updated)
    return json_response({"data": _bot_json(ws, bot_id, settings)})


async def events_list(request: Request) -> Response:
    """``GET /webhooks/events``: the bot's event history, newest first."""
    ws = workspace_of(request)
    require(request, "bot")
    limit = q_limit(request)
    try:
        events, meta = list_events(
            ws.store, limit=limit, cursor=request.query_params.get("cursor"), short_cut=ws.short_cut
        )
    except CursorError as exc:
        raise _cursor() from exc
    return json_response({"data": [e.to_json() for e in events], "meta": meta})


async def event_delete(request: Request) -> Response:
    """``DELETE /webhooks/events/{id}`` (204; 404 if unknown)."""
    ws = workspace_of(request)
    require(request, "bot")
    if not ws.store.delete_event(request.path_params["id"]):
        raise not_found("event", request.path_params["id"])
    return no_content()


async def custom_properties(request: Request) -> Response:
    """``GET /custom_properties?entity_type=User|Task``: the workspace's definitions (by
    default none: Pachca's entities have only their basic fields until an admin adds some)."""
    ws = workspace_of(request)
    entity_type = request.query_params.get("entity_type")
    if entity_type is None:
        raise invalid("entity_type", "entity_type is required", None, "required", status=400)
    if entity_type not in ws.store.custom_properties:
        raise invalid("entity_type", "entity_type must be User or Task", entity_type,
                      "inclusion")
    return json_response({"data": list(ws.store.custom_properties[entity_type])})


ROUTES = [
    Route("/custom_properties", custom_properties, methods=["GET"]),
    Route("/users", users_list, methods=["GET"]),
    Route("/users/{id:int}", user_get, methods=["GET"]),
    Route("/profile", profile, methods=["GET"]),
    Route("/group_tags", tags_list, methods=["GET"]),
    Route("/group_tags/{id:int}/users", tag_users, methods=["GET"]),
    Route("/bots/{id:int}", bot_get, methods=["GET"]),
    Route("/bots/{id:int}", bot_update, methods=["PUT"]),
    Route("/webhooks/events", events_list, methods=["GET"]),
    Route("/webhooks/events/{id}", event_delete, methods=["DELETE"]),
]
