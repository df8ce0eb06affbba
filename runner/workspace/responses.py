"""Building API answers and reading API input, the way Pachca shapes them.

Error bodies: ``ApiError`` (``{"errors": [{key, value, message, code, payload}]}``) for
400/404/422 and 429, ``OAuthError`` (``{"error", "error_description"}``) for 401/403.
``ApiProblem`` lets a route stop anywhere with such an answer.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from runner.workspace.clock import parse_datetime
from runner.workspace.store import TokenInfo


class ApiProblem(Exception):
    """Raised inside a route to answer with an error body."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def json_response(data: Any, status: int = 200) -> JSONResponse:
    """A JSON body (UTF-8, Russian text kept readable)."""
    return JSONResponse(data, status_code=status)


def no_content() -> Response:
    """``204 No Content``."""
    return Response(status_code=204)


def api_error(
    status: int,
    key: str,
    message: str,
    code: str = "invalid",
    value: Any = None,
    payload: dict[str, Any] | None = None,
) -> JSONResponse:
    """An ``ApiError`` body with one item."""
    item = {
        "key": key,
        "value": None if value is None else str(value),
        "message": message,
        "code": code,
        "payload": payload,
    }
    return JSONResponse({"errors": [item]}, status_code=status)


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    """An ``OAuthError`` body."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def not_found(what: str, value: Any) -> ApiProblem:
    """404 for an unknown record."""
    return ApiProblem(api_error(404, what, f"{what} not found", "not_found", value))


def invalid(
    key: str, message: str, value: Any = None, code: str = "invalid", status: int = 422
) -> ApiProblem:
    """422 (or another status) for a bad parameter."""
    return ApiProblem(api_error(status, key, message, code, value))


def forbidden(description: str = "The token's scopes do not allow this call") -> ApiProblem:
    """403 ``OAuthError``: the token may not do this."""
    return ApiProblem(oauth_error(403, "insufficient_scope", description))


def auth(request: Request) -> TokenInfo:
    """Who is calling (set by the gateway, which already refused unknown tokens)."""
    info: TokenInfo = request.scope["state"]["auth"]
    return info


def require(request: Request, *kinds: str) -> TokenInfo:
    """The caller, if its token kind is one of ``kinds``; else 403."""
    info = auth(request)
    if info.kind not in kinds:
        raise forbidden(f"Only a token of kind {', '.join(kinds)} may do this")
    return info


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object body; 400 if it is missing, not an object, or not sent as
    ``application/json`` (a Rails API reads no JSON parameters from another type, so
    the required ones are missing)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise invalid("body", "Send the body as JSON with Content-Type: application/json",
                      media or None, "required", status=400)
    raw = await request.body()
    try:
        data = json.loads(raw) if raw else None
    except ValueError as exc:
        raise invalid("body", f"Malformed JSON: {exc}", status=400) from exc
    if not isinstance(data, dict):
        raise invalid("body", "The body must be a JSON object", status=400)
    return data


def body_bool(body: dict[str, Any], name: str, default: bool) -> bool:
    """A boolean field of a request body: JSON ``true``/``false`` (absent or null: the
    default); 422 for anything else, as the spec types it ``boolean``."""
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise invalid(name, f"{name} must be true or false", value)
    return value


def q_limit(request: Request, maximum: int = 50) -> int:
    """``limit``: 1 to ``maximum`` (the default); 422 otherwise."""
    text = request.query_params.get("limit")
    if text is None:
        return maximum
    try:
        value = int(text)
    except ValueError:
        raise invalid("limit", "limit must be an integer", text) from None
    if not 1 <= value <= maximum:
        raise invalid("limit", f"limit must be between 1 and {maximum}", text)
    return value


def q_choice(request: Request, name: str, choices: tuple[str, ...], default: str) -> str:
    """An enum parameter; 422 for other values."""
    value = request.query_params.get(name, default)
    if value not in choices:
        raise invalid(name, f"{name} must be one of: {', '.join(choices)}", value, "inclusion")
    return value


def q_bool(request: Request, name: str, default: bool | None) -> bool | None:
    """A boolean parameter (``true``/``false``); 422 for other values."""
    text = request.query_params.get(name)
    if text is None:
        return default
    if text.lower() in ("true", "1"):
        return True
    if text.lower() in ("false", "0"):
        return False
    raise invalid(name, f"{name} must be true or false", text)


def q_datetime(request: Request, name: str) -> int | None:
    """An ISO-8601 UTC date-time parameter in ms; 422 if it does not parse."""
    text = request.query_params.get(name)
    if text is None:
        return None
    try:
        return parse_datetime(text)
    except ValueError:
        raise invalid(name, f"{name} must be ISO-8601 (YYYY-MM-DDThh:mm:ss.sssZ)", text) from None


def q_int(request: Request, name: str, *, required: bool = True) -> int | None:
    """An integer parameter; 400 if required and missing, 422 if not an integer."""
    text = request.query_params.get(name)
    if text is None:
        if required:
            raise invalid(name, f"{name} is required", None, "required", status=400)
        return None
    try:
        return int(text)
    except ValueError:
        raise invalid(name, f"{name} must be an integer", text) from None
