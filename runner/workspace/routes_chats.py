"""Chats and members: ``/chats``, ``/chats/{id}``, archive, unarchive, ``/chats/{id}/members``.

Visibility: the owner token sees every chat; other tokens see chats they belong to and
public ones (else 403). Editing, archiving and adding members need the owner token or
an admin of the chat. Archiving is idempotent (204 again), as the spec only lists 204,
401, 403 and 404 for it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace.models import Chat
from runner.workspace.paging import CursorError
from runner.workspace.queries import ChatFilter, list_chats, list_members
from runner.workspace.responses import (
    auth,
    forbidden,
    invalid,
    json_body,
    json_response,
    no_content,
    not_found,
    q_bool,
    q_choice,
    q_datetime,
    q_limit,
)
from runner.workspace.runtime import Workspace
from runner.workspace.store import TokenInfo


def _ws(request: Request) -> Workspace:
    ws: Workspace = request.app.state.ws
    return ws


def get_chat(ws: Workspace, chat_id: int) -> Chat:
    """The chat or 404."""
    chat = ws.store.chats.get(chat_id)
    if chat is None:
        raise not_found("chat", chat_id)
    return chat


def can_see(ws: Workspace, info: TokenInfo, chat: Chat) -> bool:
    """Whether the caller may read the chat's details."""
    return info.kind == "owner" or chat.public or ws.store.is_member(chat, info.user_id)


def _check_admin(ws: Workspace, info: TokenInfo, chat: Chat) -> None:
    if info.kind == "owner" or info.user_id in chat.admin_ids:
        return
    raise forbidden("Only the chat's admins may change it")


def _cursor_error(exc: CursorError) -> Exception:
    return invalid("cursor", "The cursor is not valid", code="invalid")


async def chats_list(request: Request) -> Response:
    """``GET /chats``."""
    ws, info = _ws(request), auth(request)
    f = ChatFilter(
        user_id=info.user_id,
        availability=q_choice(request, "availability", ("is_member", "public"), "is_member"),
        archived=bool(q_bool(request, "archived", False)),
        personal=q_bool(request, "personal", None),
        after_ms=q_datetime(request, "last_message_at_after"),
        before_ms=q_datetime(request, "last_message_at_before"),
        sort=q_choice(request, "sort", ("id", "last_message_at"), "id"),
        order=q_choice(request, "order", ("asc", "desc"), "desc"),
    )
    limit = q_limit(request)
    try:
        chats, meta = list_chats(
            ws.store,
            f,
            limit=limit,
            cursor=request.query_params.get("cursor"),
            short_cut=ws.short_cut,
        )
    except CursorError as exc:
        raise _cursor_error(exc) from exc
    return json_response({"data": [c.to_json() for c in chats], "meta": meta})


def _ids(value: Any, key: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise invalid(key, f"{key} must be a list of integers", value)
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("name", "Name can't be blank", value, "blank")
    if len(value) > 255:
        raise invalid("name", "Name is too long (max 255)", value, "too_long")
    return value.strip()


async def chats_create(request: Request) -> Response:
    """``POST /chats``: members of ``group_tag_ids`` join; the creator owns the chat."""
    ws, info = _ws(request), auth(request)
    body = (await json_body(request)).get("chat")
    if not isinstance(body, dict):
        raise invalid("chat", "chat is required", None, "required", status=400)
    name = _name(body.get("name"))
    member_ids = _ids(body.get("member_ids"), "member_ids")
    tag_ids = _ids(body.get("group_tag_ids"), "group_tag_ids")
    store = ws.store
    for uid in member_ids:
        if uid not in store.users:
            raise invalid("member_ids", f"User {uid} not found", uid, "not_found")
    members = set(member_ids)
    for tid in tag_ids:
        tag = store.tags.get(tid)
        if tag is None:
            raise invalid("group_tag_ids", f"Group tag {tid} not found", tid, "not_found")
        members.update(tag.user_ids)
    chat = store.create_chat(
        name,
        info.user_id,
        sorted(members),
        channel=bool(body.get("channel", False)),
        public=bool(body.get("public", False)),
        group_tag_ids=tag_ids,
    )
    return json_response({"data": chat.to_json()}, 201)


async def chat_get(request: Request) -> Response:
    """``GET /chats/{id}``."""
    ws, info = _ws(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    if not can_see(ws, info, chat):
        raise forbidden("The chat is not available to this token")
    return json_response({"data": chat.to_json()})


async def chat_update(request: Request) -> Response:
    """``PUT /chats/{id}``: ``name`` and ``public``."""
    ws, info = _ws(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    body = (await json_body(request)).get("chat")
    if not isinstance(body, dict):
        raise invalid("chat", "chat is required", None, "required", status=400)
    _check_admin(ws, info, chat)
    if "name" in body:
        chat.name = _name(body["name"])
    if "public" in body:
        if chat.personal and body["public"]:
            raise invalid("public", "A direct chat cannot be public", True, "personal_chat")
        chat.public = bool(body["public"])
    return json_response({"data": chat.to_json()})


async def chat_archive(request: Request) -> Response:
    """``PUT /chats/{id}/archive`` (204, idempotent)."""
    ws, info = _ws(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    _check_admin(ws, info, chat)
    chat.archived = True
    return no_content()


async def chat_unarchive(request: Request) -> Response:
    """``PUT /chats/{id}/unarchive`` (204, idempotent)."""
    ws, info = _ws(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    _check_admin(ws, info, chat)
    chat.archived = False
    return no_content()


async def members_list(request: Request) -> Response:
    """``GET /chats/{id}/members``."""
    ws, info = _ws(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    if not can_see(ws, info, chat):
        raise forbidden("The chat is not available to this token")
    role = q_choice(request, "role", ("all", "owner", "admin", "editor", "member"), "all")
    limit = q_limit(request)
    try:
        users, meta = list_members(
            ws.store,
            chat,
            role=role,
            limit=limit,
            cursor=request.query_params.get("cursor"),
            short_cut=ws.short_cut,
        )
    except CursorError as exc:
        raise _cursor_error(exc) from exc
    return json_response({"data": [u.to_json() for u in users], "meta": meta})


async def members_add(request: Request) -> Response:
    """``POST /chats/{id}/members`` (204)."""
    ws, info = _ws(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    body = await json_body(request)
    if "member_ids" not in body:
        raise invalid("member_ids", "member_ids is required", None, "required", status=400)
    member_ids = _ids(body.get("member_ids"), "member_ids")
    if chat.personal:
        raise invalid(
            "member_ids", "Members cannot be added to a direct chat", None, "personal_chat"
        )
    if info.kind != "owner" and not ws.store.is_member(chat, info.user_id):
        raise forbidden("Only members may add members")
    for uid in member_ids:
        if uid not in ws.store.users:
            raise invalid("member_ids", f"User {uid} not found", uid, "not_found")
    for uid in member_ids:
        ws.store.add_member(chat, uid)
    return no_content()


ROUTES = [
    Route("/chats", chats_list, methods=["GET"]),
    Route("/chats", chats_create, methods=["POST"]),
    Route("/chats/{id:int}", chat_get, methods=["GET"]),
    Route("/chats/{id:int}", chat_update, methods=["PUT"]),
    Route("/chats/{id:int}/archive", chat_archive, methods=["PUT"]),
    Route("/chats/{id:int}/unarchive", chat_unarchive, methods=["PUT"]),
    Route("/chats/{id:int}/members", members_list, methods=["GET"]),
    Route("/chats/{id:int}/members", members_add, methods=["POST"]),
]
