"""Tasks in the control API (not Pachca; no auth, no rate limits; see ``control``).

=============================  ===============================================================
``POST /tasks``                ``{"user_id", "content", "due_at"?, "performer_ids"?,
                               "status"?, "kind"?}`` -> 201 ``{"data": Task}``: a task
                               created now by ``user_id`` (``due_at`` ISO-8601 or null)
=============================  ===============================================================

Errors are ``{"error": "..."}`` with 400 or 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The control API's own request helpers: one reading of bodies and errors for all of it.
from runner.workspace.clock import parse_datetime
from runner.workspace.control import _body, _fail
from runner.workspace.runtime import workspace_of
from runner.workspace.tasks import KINDS, add_task


async def create_task(request: Request) -> Response:
    """Create a task as any user."""
    store = workspace_of(request).store
    try:
        body = await _body(request)
        author = int(body["user_id"])
        content = str(body["content"])
        due = body.get("due_at")
        due_ms = parse_datetime(due) if due else None
        performers = [int(uid) for uid in body.get("performer_ids") or [author]]
        status = str(body.get("status", "undone"))
        kind = str(body.get("kind", "reminder"))
    except (ValueError, KeyError, TypeError) as exc:
        return _fail(400, f"need user_id and content (due_at, performer_ids optional): {exc}")
    if status not in ("done", "undone") or kind not in KINDS:
        return _fail(400, f"status is done or undone; kind is one of {', '.join(KINDS)}")
    for uid in (author, *performers):
        if uid not in store.users:
            return _fail(404, f"user {uid} not found")
    task = add_task(store, kind=kind, content=content, due_ms=due_ms, user_id=author,
                    created_ms=store.now_ms(), performer_ids=performers, status=status)
    return JSONResponse({"data": task.to_json()}, status_code=201)


ROUTES = [Route("/tasks", create_task, methods=["POST"])]
