"""What Pachca's answers mean: an error status and body as the ``runner.errors`` tree,
and how long a ``Retry-After`` asks to wait."""

from __future__ import annotations

import email.utils
import time

import httpx

from runner import errors, words
from runner.errors import ApiErrorItem

_STATUS_ERRORS: dict[int, type[errors.ApiError]] = {
    400: errors.ValidationFailed,
    401: errors.TokenRejected,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    422: errors.ValidationFailed,
}


def parse_retry_after(value: str | None, default: float = 1.0) -> float:
    """Seconds from a Retry-After header: delta-seconds (fractions allowed) or an HTTP date."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def error_from_response(method: str, path: str, response: httpx.Response) -> errors.ApiError:
    """The ApiError subclass for an error answer, with the server's own explanation."""
    status = response.status_code
    items: tuple[ApiErrorItem, ...] = ()
    detail = response.reason_phrase or "error"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        items = tuple(
            ApiErrorItem(
                key=str(e.get("key") or ""),
                message=str(e.get("message") or ""),
                code=e.get("code"),
                value=None if e.get("value") is None else str(e.get("value"))[:200],
            )
            for e in body["errors"]
            if isinstance(e, dict)
        )
        detail = "; ".join(_said(i) for i in items) or detail
    elif isinstance(body, dict) and "error" in body:
        # Pachca's words (English), quoted in a sentence of ours as its other errors are
        detail = words.text(
            "api.said", message=str(body.get("error_description") or body.get("error"))[:300])
    if status == 401:
        detail = words.text("api.token_rejected", detail=detail)
    elif status == 403:
        detail = words.text("api.forbidden", detail=detail)
    cls = _STATUS_ERRORS.get(status, errors.ServerError if status >= 500 else errors.ApiError)
    return cls(status, method, path, detail, items)


def _said(item: ApiErrorItem) -> str:
    """One item of Pachca's error answer: its words quoted in a sentence of ours, the
    field it names explained where we know it."""
    if not item.key:
        return words.text("api.said", message=item.message)
    meaning = f"api.key.{item.key}"
    field = (words.text("api.field_known", key=item.key, meaning=words.text(meaning))
             if meaning in words.MESSAGES else words.text("api.field", key=item.key))
    return words.text("api.item", field=field, message=item.message)
