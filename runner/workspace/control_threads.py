"""Threads in the control API (not Pachca; no auth, no rate limits; see ``control``).

==================================  ==========================================================
``POST /threads``                   ``{"user_id", "message_id"?, "member_ids"?}`` -> 201
                                    ``{"data": Thread}``: the message's thread (created if
                                    missing) or, without ``message_id``, a standalone one;
                                    ``member_ids`` join the thread's chat (people outside the
                                    parent chat may be among them)
``POST /threads/{id}/messages``     ``{"user_id", "content"}`` -> 201 ``{"data": Message}``:
                                    a comment now; the author joins the thread's chat
==================================  ==========================================================

Errors are ``{"error": "..."}`` with 400 or 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The control API's own request helpers: one reading of bodies and errors for all of it.
from runner.workspace.control import _body, _fail
from runner.workspace.runtime import workspace_of
from runner.workspace.threads import add_comment, start_thread


async def create_thread(request: Request) -> Response:
    """Start (or find) a thread as any user."""
    store = workspace_of(request).store
    try:
        body = await _body(request)
        creator = int(body["user_id"])
        message_id = body.get("message_id")
        extra = [int(uid) for uid in body.get("member_ids") or []]
    except (ValueError, KeyError, TypeError) as exc:
        return _fail(400, f"need user_id (and optionally message_id, member_ids): {exc}")
    for uid in (creator, *extra):
        if uid not in store.users:
            return _fail(404, f"user {uid} not found")
    parent = None
    if message_id is not None:
        parent = store.messages.get(int(message_id))
        if parent is None:
            return _fail(404, f"message {message_id} not found")
        if store.chats[parent.chat_id].thread_id is not None:
            return _fail(400, f"message {message_id} is a comment: it takes no thread")
    thread = start_thread(store, creator, parent)
    chat = store.chats[thread.chat_id]
    for uid in extra:
        store.add_member(chat, uid)
    return JSONResponse({"data": thread.to_json()}, status_code=201)


async def post_comment(request: Request) -> Response:
    """Comment in a thread as any user."""
    store = workspace_of(request).store
    thread = store.threads.get(request.path_params["id"])
    if thread is None:
        return _fail(404, f"thread {request.path_params['id']} not found")
    try:
        body = await _body(request)
        author = int(body["user_id"])
        content = str(body["content"])
    except (ValueError, KeyError, TypeError) as exc:
        return _fail(400, f"need user_id and content: {exc}")
    if author not in store.users:
        return _fail(404, f"user {author} not found")
    message = add_comment(store, thread, author, content)
    return JSONResponse({"data": message.to_json()}, status_code=201)


ROUTES = [
    Route("/threads", create_thread, methods=["POST"]),
    Route("/threads/{id:int}/messages", post_comment, methods=["POST"]),
]
