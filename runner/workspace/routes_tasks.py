"""One task: ``GET``, ``PUT`` and ``DELETE /tasks/{id}``.

A task is its author's and its performers' (``tasks.visible``); anyone else gets a 403,
as for a chat one may not see. Editing: the author changes anything; a performer only
the ``status`` (marks it done or not), as a performer does in Pachca's app. Deleting:
the author only. A due time of 23:59:59.000 makes an all-day task (the spec's rule).
Custom properties: the workspace defines none (``GET /custom_properties``: Pachca's
default), so any property id is a 422 ``not_found``. Unknown ids are 404; a bad field is a 422 naming it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace import access
from runner.workspace.clock import parse_datetime
from runner.workspace.responses import (
    auth,
    invalid,
    json_body,
    json_response,
    no_content,
    not_found,
)
from runner.workspace.routes_chats import ids_list
from runner.workspace.runtime import Workspace, workspace_of
from runner.workspace.store import Store, TokenInfo
from runner.workspace.tasks import KINDS, Task, visible


def _task(ws: Workspace, info: TokenInfo, request: Request, query: str) -> Task:
    task: Task | None = ws.store.tasks.get(request.path_params["id"])
    if task is None:
        raise not_found("task", request.path_params["id"])
    if not visible(task, info.user_id):
        raise access.refuse("A task is for its author and performers only", "Task", task.id,
                            query)
    return task


async def task_get(request: Request) -> Response:
    """``GET /tasks/{id}``."""
    ws, info = workspace_of(request), auth(request)
    return json_response({"data": _task(ws, info, request, "show?").to_json()})


def _when(value: Any, key: str) -> tuple[int, bool]:
    """Milliseconds of a date-time field, and whether it is 23:59:59.000 (all day)."""
    if not isinstance(value, str):
        raise invalid(key, f"{key} must be an ISO-8601 date-time", value)
    try:
        ms = parse_datetime(value)
    except ValueError:
        raise invalid(key, f"{key} must be ISO-8601 (YYYY-MM-DDThh:mm:ss.sssTZD)",
                      value) from None
    return ms, value[11:23] in ("23:59:59.000", "23:59:59")


def _changes(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """The task attributes ``body`` sets, each checked (422 naming the field)."""
    out: dict[str, Any] = {}
    if "all_day" in body:
        if not isinstance(body["all_day"], bool):
            raise invalid("all_day", "all_day must be true or false", body["all_day"])
        out["all_day"] = body["all_day"]
    if "kind" in body:
        if body["kind"] not in KINDS:
            raise invalid("kind", f"kind must be one of: {', '.join(KINDS)}", body["kind"],
                          "inclusion")
        out["kind"] = body["kind"]
    if "content" in body:
        if not isinstance(body["content"], str) or not body["content"].strip():
            raise invalid("content", "content can't be blank", body["content"], "blank")
        out["content"] = body["content"]
    if "due_at" in body:
        out["due_ms"], all_day = _when(body["due_at"], "due_at")
        out["all_day"] = all_day or out.get("all_day", False)
    if "priority" in body:
        if body["priority"] not in (1, 2, 3) or isinstance(body["priority"], bool):
            raise invalid("priority", "priority must be 1, 2 or 3", body["priority"],
                          "inclusion")
        out["priority"] = body["priority"]
    if "performer_ids" in body:
        ids = ids_list(body["performer_ids"], "performer_ids")
        for uid in ids:
            if uid not in store.users:
                raise invalid("performer_ids", f"User {uid} not found", uid, "not_found")
        out["performer_ids"] = sorted(set(ids))
    if "status" in body:
        if body["status"] not in ("done", "undone"):
            raise invalid("status", "status must be done or undone", body["status"],
                          "inclusion")
        out["status"] = body["status"]
    if "done_at" in body:
        _when(body["done_at"], "done_at")  # checked; the Task schema does not show it
    for prop in body.get("custom_properties") or ():
        prop_id = prop.get("id") if isinstance(prop, dict) else None
        raise invalid("custom_properties", f"Custom property {prop_id} not found", prop_id,
                      "not_found")
    return out


async def task_update(request: Request) -> Response:
    """``PUT /tasks/{id}``: ``{"task": {...}}``; the author any field, a performer status."""
    ws, info = workspace_of(request), auth(request)
    task = _task(ws, info, request, "update?")
    body = (await json_body(request)).get("task")
    if not isinstance(body, dict):
        raise invalid("task", "task is required", None, "required", status=400)
    changes = _changes(ws.store, body)
    if task.user_id != info.user_id and set(changes) - {"status"}:
        raise access.refuse("A performer may only change the task's status", "Task", task.id,
                            "update?")
    for name, value in changes.items():
        setattr(task, name, value)
    return json_response({"data": task.to_json()})


async def task_delete(request: Request) -> Response:
    """``DELETE /tasks/{id}`` (204): the author only."""
    ws, info = workspace_of(request), auth(request)
    task = _task(ws, info, request, "destroy?")
    if task.user_id != info.user_id:
        raise access.refuse("Only the task's author may delete it", "Task", task.id,
                            "destroy?")
    del ws.store.tasks[task.id]
    return no_content()


ROUTES = [
    Route("/tasks/{id:int}", task_get, methods=["GET"]),
    Route("/tasks/{id:int}", task_update, methods=["PUT"]),
    Route("/tasks/{id:int}", task_delete, methods=["DELETE"]),
]
