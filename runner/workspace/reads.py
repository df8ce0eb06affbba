"""Who has read a message: ``GET /messages/{id}/read_member_ids`` and its control seed.

People read in Pachca's apps, not through the API, so reading is recorded only by the
control API: ``POST /_workspace/reads`` ``{"chat_id", "user_id", "message_id"}`` says the
member opened the chat up to that message (read marks only move forward). A message's
readers are the chat's current members, its author aside, whose mark reaches it.

The API call needs a chat the token may see (``access``), answers 404 for an unknown or
deleted message, and pages the readers by user id: ``limit`` 1-300 (default 300),
``cursor``. It is a message read for the rate limits (``gateway.call_class``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runner.workspace import access
from runner.workspace.control import _body, _fail
from runner.workspace.paging import CursorError, paginate
from runner.workspace.responses import auth, invalid, json_response, not_found, q_limit
from runner.workspace.runtime import workspace_of

MAX_LIMIT = 300


async def read_member_ids(request: Request) -> Response:
    """``GET /messages/{id}/read_member_ids``: ids of members who have read it."""
    ws, info = workspace_of(request), auth(request)
    message_id = request.path_params["id"]
    message = ws.store.messages.get(message_id)
    if message is None:
        raise not_found("message", message_id)
    limit = q_limit(request, MAX_LIMIT)
    chat = ws.store.chats[message.chat_id]
    access.require_visible(ws.store, info, chat, "read_member_ids?")
    marks = ws.store.read_marks.get(chat.id, {})
    readers = sorted(
        (uid,) for uid, last in marks.items()
        if last >= message.id and uid != message.user_id and ws.store.is_member(chat, uid)
    )
    try:
        keys, meta = paginate(readers, limit=limit, cursor=request.query_params.get("cursor"),
                              descending=False)
    except CursorError as exc:
        raise invalid("cursor", "The cursor is not valid") from exc
    return json_response({"data": [k[0] for k in keys], "meta": meta})


async def mark_read(request: Request) -> Response:
    """Control: a member has read the chat up to ``message_id``."""
    store = workspace_of(request).store
    try:
        body = await _body(request)
        chat_id, user_id = int(body["chat_id"]), int(body["user_id"])
        message_id = int(body["message_id"])
    except (ValueError, KeyError, TypeError) as exc:
        return _fail(400, f"need chat_id, user_id and message_id: {exc}")
    chat = store.chats.get(chat_id)
    message = store.messages.get(message_id)
    if chat is None or message is None or message.chat_id != chat_id:
        return _fail(404, f"message {message_id} not found in chat {chat_id}")
    if not store.is_member(chat, user_id):
        return _fail(400, f"user {user_id} is not a member of chat {chat_id}")
    marks = store.read_marks.setdefault(chat_id, {})
    marks[user_id] = max(marks.get(user_id, 0), message_id)
    return JSONResponse({"chat_id": chat_id, "user_id": user_id, "message_id": marks[user_id]})


API_ROUTES = [Route("/messages/{id:int}/read_member_ids", read_member_ids, methods=["GET"])]
CONTROL_ROUTES = [Route("/reads", mark_read, methods=["POST"])]
