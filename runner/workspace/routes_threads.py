"""Threads: ``POST /messages/{id}/thread``, ``POST /threads``, ``GET /threads``,
``GET /threads/{id}``.

Starting a thread on a message needs membership of the message's chat; a message that
is itself a comment, or a chat that is archived, takes no thread. The spec lists only
401/403/404 for that call, so those refusals are 403. Comments are posted with
``POST /messages`` (``routes_messages``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace import access
from runner.workspace.paging import CursorError
from runner.workspace.responses import (
    auth,
    invalid,
    json_response,
    not_found,
    q_datetime,
    q_limit,
)
from runner.workspace.runtime import workspace_of
from runner.workspace.threads import list_threads, may_see, start_thread


async def thread_of_message(request: Request) -> Response:
    """``POST /messages/{id}/thread`` (201): the message's thread, created if it has none."""
    ws, info = workspace_of(request), auth(request)
    store = ws.store
    message = store.messages.get(request.path_params["id"])
    if message is None:
        raise not_found("message", request.path_params["id"])
    chat = store.chats[message.chat_id]
    if not store.is_member(chat, info.user_id):
        raise access.refuse("Only members of the chat may start a thread in it", "Message",
                            message.id, "create_thread?")
    if chat.thread_id is not None:
        raise access.refuse("Cannot create a thread for a message that is already in a"
                            " thread", "Message", message.id, "create_thread?")
    access.require_not_archived(chat, "create_thread?")
    thread = start_thread(store, info.user_id, message)
    return json_response({"data": thread.to_json()}, 201)


async def thread_create(request: Request) -> Response:
    """``POST /threads`` (201): a standalone thread whose only member is its creator."""
    ws, info = workspace_of(request), auth(request)
    thread = start_thread(ws.store, info.user_id, None)
    return json_response({"data": thread.to_json()}, 201)


async def threads_list(request: Request) -> Response:
    """``GET /threads``: threads of the caller's chats, newest activity first."""
    ws, info = workspace_of(request), auth(request)
    after = q_datetime(request, "last_message_at_after")
    before = q_datetime(request, "last_message_at_before")
    limit = q_limit(request)
    try:
        threads, meta = list_threads(
            ws.store,
            info.user_id,
            after_ms=after,
            before_ms=before,
            limit=limit,
            cursor=request.query_params.get("cursor"),
            short_cut=ws.short_cut,
        )
    except CursorError as exc:
        raise invalid("cursor", "The cursor is not valid") from exc
    return json_response({"data": [t.to_json() for t in threads], "meta": meta})


async def thread_get(request: Request) -> Response:
    """``GET /threads/{id}``."""
    ws, info = workspace_of(request), auth(request)
    thread = ws.store.threads.get(request.path_params["id"])
    if thread is None:
        raise not_found("thread", request.path_params["id"])
    if not may_see(ws.store, thread, info.user_id):
        raise access.refuse("The thread is not available to you", "Thread", thread.id,
                            "show?")
    return json_response({"data": thread.to_json()})


ROUTES = [
    Route("/messages/{id:int}/thread", thread_of_message, methods=["POST"]),
    Route("/threads", thread_create, methods=["POST"]),
    Route("/threads", threads_list, methods=["GET"]),
    Route("/threads/{id:int}", thread_get, methods=["GET"]),
]
