"""Chats and members: ``/chats``, ``/chats/{id}``, archive, unarchive, ``/chats/{id}/members``.

Who may do what is ``access``'s: members see closed chats, everyone sees open ones, the
Owner only lists the members of any chat; renaming, archiving, removing members and
changing roles need the chat's creator or an admin. Archiving is idempotent (204
again), as the spec only lists 204, 401, 403 and 404 for it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace import access
from runner.workspace.models import Chat
from runner.workspace.paging import CursorError
from runner.workspace.queries import ChatFilter, list_chats, list_members
from runner.workspace.responses import (
    auth,
    body_bool,
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
from runner.workspace.runtime import Workspace, workspace_of


def get_chat(ws: Workspace, chat_id: int) -> Chat:
    """The chat or 404."""
    chat = ws.store.chats.get(chat_id)
    if chat is None:
        raise not_found("chat", chat_id)
    return chat


def _cursor_error(exc: CursorError) -> Exception:
    return invalid("cursor", "The cursor is not valid", code="invalid")


async def chats_list(request: Request) -> Response:
    """``GET /chats``."""
    ws, info = workspace_of(request), auth(request)
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


def ids_list(value: Any, key: str) -> list[int]:
    """A list of integer ids (empty when absent); 422 otherwise."""
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
    ws, info = workspace_of(request), auth(request)
    body = (await json_body(request)).get("chat")
    if not isinstance(body, dict):
        raise invalid("chat", "chat is required", None, "required", status=400)
    name = _name(body.get("name"))
    channel, public = body_bool(body, "channel", False), body_bool(body, "public", False)
    member_ids = ids_list(body.get("member_ids"), "member_ids")
    tag_ids = ids_list(body.get("group_tag_ids"), "group_tag_ids")
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
        channel=channel,
        public=public,
        group_tag_ids=tag_ids,
    )
    # Unknown member ids were refused above, so none is reported missing; the official
    # SDK (1.6) cannot read the answer without this meta (an extra property to the spec).
    return json_response({"data": chat.to_json(), "meta": {"not_found_member_ids": []}}, 201)


async def chat_get(request: Request) -> Response:
    """``GET /chats/{id}``."""
    ws, info = workspace_of(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    access.require_visible(ws.store, info, chat)
    return json_response({"data": chat.to_json()})


async def chat_update(request: Request) -> Response:
    """``PUT /chats/{id}``: ``name`` and ``public``."""
    ws, info = workspace_of(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    body = (await json_body(request)).get("chat")
    if not isinstance(body, dict):
        raise invalid("chat", "chat is required", None, "required", status=400)
    access.require_manager(ws.store, info, chat, "update?")
    access.require_not_archived(chat, "update?")
    if "name" in body:
        chat.name = _name(body["name"])
    if body.get("public") is not None:
        public = body_bool(body, "public", chat.public)
        if chat.personal and public:
            raise invalid("public", "A direct chat cannot be public", True, "personal_chat")
        chat.public = public
    return json_response({"data": chat.to_json()})


async def chat_archive(request: Request) -> Response:
    """``PUT /chats/{id}/archive`` (204, idempotent)."""
    ws, info = workspace_of(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    access.require_manager(ws.store, info, chat, "archive?")
    chat.archived = True
    return no_content()


async def chat_unarchive(request: Request) -> Response:
    """``PUT /chats/{id}/unarchive`` (204, idempotent)."""
    ws, info = workspace_of(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    access.require_manager(ws.store, info, chat, "unarchive?")
    chat.archived = False
    return no_content()


async def members_list(request: Request) -> Response:
    """``GET /chats/{id}/members``."""
    ws, info = workspace_of(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    access.require_member_list(ws.store, info, chat)
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
    return json_response({"data": [access.user_json(ws.store, info, u) for u in users],
                          "meta": meta})


async def members_add(request: Request) -> Response:
    """``POST /chats/{id}/members`` (204)."""
    ws, info = workspace_of(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    body = await json_body(request)
    if "member_ids" not in body:
        raise invalid("member_ids", "member_ids is required", None, "required", status=400)
    member_ids = ids_list(body.get("member_ids"), "member_ids")
    if chat.personal:
        raise invalid(
            "member_ids", "Members cannot be added to a direct chat", None, "personal_chat"
        )
    access.require_adder(ws.store, info, chat)
    for uid in member_ids:
        if uid not in ws.store.users:
            raise invalid("member_ids", f"User {uid} not found", uid, "not_found")
    for uid in member_ids:
        ws.store.add_member(chat, uid)
    return no_content()


def _member_of(ws: Workspace, request: Request) -> tuple[Chat, int]:
    """The chat and the member a ``/chats/{id}/members/{user_id}`` call is about."""
    chat = get_chat(ws, request.path_params["id"])
    user_id = request.path_params["user_id"]
    if user_id not in ws.store.users:
        raise not_found("user", user_id)
    return chat, user_id


async def member_remove(request: Request) -> Response:
    """``DELETE /chats/{id}/members/{user_id}`` (204): creator and admins; not the creator."""
    ws, info = workspace_of(request), auth(request)
    chat, user_id = _member_of(ws, request)
    access.require_manager(ws.store, info, chat, "remove_member?")
    access.require_not_archived(chat, "remove_member?")
    if user_id == chat.owner_id:
        raise access.refuse("The chat's creator cannot be removed (only leave)", "Chat",
                            chat.id, "remove_member?")
    if not ws.store.remove_member(chat, user_id):
        raise not_found("member", user_id)
    return no_content()


async def member_role(request: Request) -> Response:
    """``PUT /chats/{id}/members/{user_id}`` (204): ``{"role": admin|editor|member}``."""
    ws, info = workspace_of(request), auth(request)
    chat, user_id = _member_of(ws, request)
    role = (await json_body(request)).get("role")
    if role not in ("admin", "editor", "member"):
        raise invalid("role", "role must be one of: admin, editor, member", role, "inclusion")
    access.require_manager(ws.store, info, chat, "update_member_role?")
    access.require_not_archived(chat, "update_member_role?")
    if not ws.store.is_member(chat, user_id):
        raise not_found("member", user_id)
    if user_id == chat.owner_id:
        raise access.refuse("The chat creator's role cannot change", "Chat", chat.id,
                            "update_member_role?")
    if user_id == info.user_id:
        # Pachca's permissions guide: nobody changes their own chat role.
        raise access.refuse("You cannot change your own role in a chat", "Chat", chat.id,
                            "update_member_role?")
    if role == "editor" and not chat.channel:
        raise invalid("role", "The editor role exists in channels only", role, "not_applicable")
    ws.store.set_chat_role(chat, user_id, role)
    return no_content()


async def chat_leave(request: Request) -> Response:
    """``DELETE /chats/{id}/leave`` (204): the caller leaves a conversation or channel.

    Not a direct chat or a thread's chat (422), not an archived chat (read-only: 403);
    a chat the caller cannot see is a 403, one it is not in a 404."""
    ws, info = workspace_of(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    access.require_visible(ws.store, info, chat, "leave?")
    if chat.personal:
        raise invalid("id", "A direct chat cannot be left", chat.id, "personal_chat")
    if chat.thread_id is not None:
        raise invalid("id", "Only a conversation or channel can be left, not a thread",
                      chat.id, "not_applicable")
    access.require_not_archived(chat, "leave?")
    if not ws.store.remove_member(chat, info.user_id):
        raise not_found("member", info.user_id)
    return no_content()


ROUTES = [
    Route("/chats/{id:int}/leave", chat_leave, methods=["DELETE"]),
    Route("/chats", chats_list, methods=["GET"]),
    Route("/chats", chats_create, methods=["POST"]),
    Route("/chats/{id:int}", chat_get, methods=["GET"]),
    Route("/chats/{id:int}", chat_update, methods=["PUT"]),
    Route("/chats/{id:int}/archive", chat_archive, methods=["PUT"]),
    Route("/chats/{id:int}/unarchive", chat_unarchive, methods=["PUT"]),
    Route("/chats/{id:int}/members", members_list, methods=["GET"]),
    Route("/chats/{id:int}/members", members_add, methods=["POST"]),
    Route("/chats/{id:int}/members/{user_id:int}", member_remove, methods=["DELETE"]),
    Route("/chats/{id:int}/members/{user_id:int}", member_role, methods=["PUT"]),
]
