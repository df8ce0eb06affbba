"""``GET /search/messages`` and ``GET /tasks``.

Search finds messages whose text holds every word of ``query`` (case-insensitive), in
chats the caller is a member of, deleted ones excluded; ``created_from``/``created_to``,
``chat_ids`` and ``user_ids`` narrow it. Its meta is the search shape: ``total`` and
``paginate.next_page`` only (never null). Tasks are the caller's own (author or
performer), newest first, with the usual cursor meta.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace.paging import CursorError, Key, decode_cursor, encode_cursor, paginate
from runner.workspace.responses import (
    ApiProblem,
    auth,
    invalid,
    json_response,
    q_bool,
    q_choice,
    q_datetime,
    q_limit,
)
from runner.workspace.runtime import workspace_of
from runner.workspace.tasks import visible

SEARCH_LIMIT = 200


def _ids(request: Request, name: str) -> set[int] | None:
    """``name[]=1&name[]=2`` or ``name=1,2``; 422 for anything but integers."""
    values = request.query_params.getlist(f"{name}[]") + request.query_params.getlist(name)
    if not values:
        return None
    try:
        return {int(part) for value in values for part in value.split(",") if part}
    except ValueError:
        raise invalid(name, f"{name} must be a list of integers", ",".join(values)) from None


def bad_input_is_400(
    route: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """A search route whose bad parameters answer 400: the spec lists no 422 for search."""

    async def wrapped(request: Request) -> Response:
        try:
            return await route(request)
        except ApiProblem as problem:
            if problem.response.status_code != 422:
                raise
            raise ApiProblem(Response(problem.response.body, status_code=400,
                                      media_type=problem.response.media_type)) from None

    wrapped.__doc__ = route.__doc__
    return wrapped


def search_page(found: list[Key], *, descending: bool, limit: int, cursor: str | None
                ) -> tuple[list[Key], dict[str, Any]]:
    """One page of search matches (``found``: every match's key) and the search meta:
    ``total`` and ``paginate.next_page`` only, never null."""
    anchor: Key | None = None
    if cursor:
        try:
            anchor, _ = decode_cursor(cursor)
        except CursorError as exc:
            raise invalid("cursor", "The cursor is not valid") from exc
    found = sorted(found, reverse=descending)
    total = len(found)
    if anchor is not None:
        found = [k for k in found if (k < anchor if descending else k > anchor)]
    page = found[:limit]
    last = page[-1] if page else (anchor or ((2**62, 0) if descending else (-(2**62), 0)))
    return page, {"total": total, "paginate": {"next_page": encode_cursor(last, "n")}}


@bad_input_is_400
async def search_messages(request: Request) -> Response:
    """``GET /search/messages``: one page of matches and the total."""


    ws, info = workspace_of(request), auth(request)
    store = ws.store
    words = (request.query_params.get("query") or "").lower().split()
    limit = q_limit(request, SEARCH_LIMIT)
    descending = q_choice(request, "order", ("asc", "desc"), "desc") == "desc"
    q_choice(request, "sort", ("created_at", "relevance"), "created_at")
    lo, hi = q_datetime(request, "created_from"), q_datetime(request, "created_to")
    chats, users = _ids(request, "chat_ids"), _ids(request, "user_ids")
    active = q_bool(request, "active", None)
    found: list[Key] = []
    for message in store.messages.values():
        if message.deleted_ms is not None or (users is not None and message.user_id not in users):
            continue
        if (lo is not None and message.created_ms < lo) or (
                hi is not None and message.created_ms > hi):
            continue
        chat = store.chats[message.chat_id]
        root = message.chat_id if message.root_chat_id is None else message.root_chat_id
        if chats is not None and message.chat_id not in chats and root not in chats:
            continue
        if active is not None and chat.archived == active:
            continue
        if not store.is_member(chat, info.user_id):
            continue
        text = message.content.lower()
        if all(word in text for word in words):
            found.append((message.created_ms, message.id))
    page, meta = search_page(found, descending=descending, limit=limit,
                             cursor=request.query_params.get("cursor"))
    return json_response({"data": [store.messages[k[1]].to_json() for k in page], "meta": meta})


async def tasks_list(request: Request) -> Response:
    """``GET /tasks``: the caller's tasks, newest first."""
    ws, info = workspace_of(request), auth(request)
    tasks = ws.store.tasks
    index = sorted((t.id,) for t in tasks.values())
    try:
        keys, meta = paginate(
            index, limit=q_limit(request), cursor=request.query_params.get("cursor"),
            descending=True, match=lambda k: visible(tasks[k[0]], info.user_id),
            short_cut=ws.short_cut,
        )
    except CursorError as exc:
        raise invalid("cursor", "The cursor is not valid") from exc
    return json_response({"data": [tasks[k[0]].to_json() for k in keys], "meta": meta})


ROUTES = [
    Route("/search/messages", search_messages, methods=["GET"]),
    Route("/tasks", tasks_list, methods=["GET"]),
]
