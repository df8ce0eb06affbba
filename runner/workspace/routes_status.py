"""A user's status: ``GET``, ``PUT``, ``DELETE /profile/status`` (one's own) and
``/users/{user_id}/status`` (anyone's; changing it needs ``user_status:write``, a scope
only the Owner's and administrators' tokens hold: the gateway checks it).

No status answers 200 with a bare ``null`` body, as the spec says. An expired status is
not cleared at once: the spec warns it "may still be returned for a short time", so it
is returned for ``EXPIRED_GRACE_MS`` after ``expires_at`` (clients must check
``expires_at`` themselves), then cleared. ``PUT`` takes ``{"status": {emoji, title,
expires_at?, is_away?, away_message?}}``: ``emoji`` an emoji character, ``title`` at most
50 characters, ``expires_at`` in the future, ``away_message`` at most 1024 characters.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace.clock import format_ms, parse_datetime
from runner.workspace.models import User
from runner.workspace.responses import (
    auth,
    invalid,
    json_body,
    json_response,
    no_content,
    not_found,
)
from runner.workspace.routes_reactions import emoji_value
from runner.workspace.runtime import Workspace, workspace_of

EXPIRED_GRACE_MS = 5 * 60_000
MAX_TITLE, MAX_AWAY = 50, 1024


def _user(request: Request) -> User:
    ws = workspace_of(request)
    if "user_id" not in request.path_params:
        return ws.store.users[auth(request).user_id]
    user = ws.store.users.get(request.path_params["user_id"])
    if user is None:
        raise not_found("user", request.path_params["user_id"])
    return user


def _current(ws: Workspace, user: User) -> dict[str, Any] | None:
    """The user's status, cleared first if it expired more than the grace ago."""
    status = user.status
    if (status is not None and status["expires_at"] is not None
            and parse_datetime(status["expires_at"]) + EXPIRED_GRACE_MS < ws.store.now_ms()):
        user.status = None
    return user.status


def _text(body: dict[str, Any], key: str, limit: int, required: bool) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid(key, f"{key} can't be blank", value, "blank")
    if len(value) > limit:
        raise invalid(key, f"{key} is too long (max {limit})", value, "too_long")
    return value


def _status(ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    """The ``UserStatus`` a ``PUT`` body's ``status`` describes (422 naming a bad field)."""
    emoji = emoji_value(body.get("emoji"), "emoji", 422)
    title = _text(body, "title", MAX_TITLE, True)
    expires = body.get("expires_at")
    expires_ms: int | None = None
    if expires is not None:
        try:
            expires_ms = parse_datetime(expires) if isinstance(expires, str) else None
        except ValueError:
            expires_ms = None
        if expires_ms is None:
            raise invalid("expires_at", "expires_at must be ISO-8601 (YYYY-MM-DDThh:mm:ss.sssZ)",
                          expires)
        if expires_ms <= ws.store.now_ms():
            raise invalid("expires_at", "expires_at must be in the future", expires)
    is_away = body.get("is_away", False)
    if not isinstance(is_away, bool):
        raise invalid("is_away", "is_away must be true or false", is_away)
    away = _text(body, "away_message", MAX_AWAY, False)
    return {"emoji": emoji, "title": title,
            "expires_at": format_ms(expires_ms) if expires_ms is not None else None,
            "is_away": is_away, "away_message": {"text": away} if away else None}


async def status_get(request: Request) -> Response:
    """``GET``: ``{"data": UserStatus}``, or a bare ``null`` without a status."""
    ws, user = workspace_of(request), _user(request)
    status = _current(ws, user)
    return json_response(None if status is None else {"data": status})


async def status_put(request: Request) -> Response:
    """``PUT``: set the status (replacing any), answer it."""
    ws, user = workspace_of(request), _user(request)
    body = (await json_body(request)).get("status")
    if not isinstance(body, dict):
        raise invalid("status", "status is required", None, "required", status=400)
    user.status = _status(ws, body)
    return json_response({"data": user.status})


async def status_delete(request: Request) -> Response:
    """``DELETE`` (204), with or without a status set."""
    _user(request).status = None
    return no_content()


ROUTES = [
    Route(path, handler, methods=[method])
    for path in ("/profile/status", "/users/{user_id:int}/status")
    for method, handler in (("GET", status_get), ("PUT", status_put),
                            ("DELETE", status_delete))
]
