"""One group tag, and group tags as chat members.

``POST /group_tags``, ``PUT`` and ``DELETE /group_tags/{id}`` create, rename and delete
a tag; their scope (``group_tags:write``) only the Owner's and admins' tokens hold. Names
are unique in the workspace, case aside (422 ``taken``), at most 255 characters.

``GET /group_tags/{id}`` shows a tag (404 for an unknown one). ``POST /chats/{id}/group_tags``
makes every user of the listed tags a member of the chat (each with the role joining
gives), as adding members does, so by the same rules: anyone who sees the chat, guests
aside, never into an archived chat, a direct chat (422 ``personal_chat``) or a thread's
chat (422 ``not_applicable``); an unknown tag is a 422 ``not_found``, as an unknown user
is when adding members. The chat's ``group_tag_ids`` lists the linked tags. ``DELETE /chats/{id}/group_tags/{tag_id}`` unlinks a tag: like
removing members, for the chat's creator and admins only; a tag not linked is a 404. The
members the tag brought stay (Pachca's guide says nothing of taking them out).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace import access
from runner.workspace.models import Chat, GroupTag
from runner.workspace.responses import (
    auth,
    invalid,
    json_body,
    json_response,
    no_content,
    not_found,
)
from runner.workspace.routes_chats import get_chat, ids_list
from runner.workspace.runtime import Workspace, workspace_of


async def tag_get(request: Request) -> Response:
    """``GET /group_tags/{id}``."""
    ws = workspace_of(request)
    tag = ws.store.tags.get(request.path_params["id"])
    if tag is None:
        raise not_found("group_tag", request.path_params["id"])
    return json_response({"data": tag.to_json()})


def _group_chat(chat: Chat, key: str) -> None:
    if chat.personal:
        raise invalid(key, "A direct chat has no group tags", chat.id, "personal_chat")
    if chat.thread_id is not None:
        raise invalid(key, "Group tags belong to conversations and channels, not threads",
                      chat.id, "not_applicable")


async def chat_tags_add(request: Request) -> Response:
    """``POST /chats/{id}/group_tags`` (204): the tags' users join the chat."""
    ws, info = workspace_of(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    body = await json_body(request)
    if "group_tag_ids" not in body:
        raise invalid("group_tag_ids", "group_tag_ids is required", None, "required",
                      status=400)
    tag_ids = ids_list(body["group_tag_ids"], "group_tag_ids")
    if not tag_ids:
        raise invalid("group_tag_ids", "group_tag_ids can't be empty", None, "blank")
    _group_chat(chat, "group_tag_ids")
    access.require_adder(ws.store, info, chat)
    for tag_id in tag_ids:
        if tag_id not in ws.store.tags:
            raise invalid("group_tag_ids", f"Group tag {tag_id} not found", tag_id, "not_found")
    for tag_id in tag_ids:
        for uid in ws.store.tags[tag_id].user_ids:
            ws.store.add_member(chat, uid)
    chat.group_tag_ids = sorted(set(chat.group_tag_ids) | set(tag_ids))
    return no_content()


async def chat_tag_remove(request: Request) -> Response:
    """``DELETE /chats/{id}/group_tags/{tag_id}`` (204): creator and admins only."""
    ws, info = workspace_of(request), auth(request)
    chat = get_chat(ws, request.path_params["id"])
    tag_id = request.path_params["tag_id"]
    if tag_id not in ws.store.tags:
        raise not_found("group_tag", tag_id)
    access.require_manager(ws.store, info, chat, "remove_group_tag?")
    access.require_not_archived(chat, "remove_group_tag?")
    if tag_id not in chat.group_tag_ids:
        raise not_found("group_tag", tag_id)
    chat.group_tag_ids.remove(tag_id)
    return no_content()


def _tag_name(ws: Workspace, body: dict[str, Any], tag_id: int | None) -> str:
    """The ``group_tag.name`` of a create or rename (unique, case aside, in the workspace)."""
    tag = body.get("group_tag")
    if not isinstance(tag, dict):
        raise invalid("group_tag", "group_tag is required", None, "required", status=400)
    name = tag.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("name", "Name can't be blank", name, "blank")
    if len(name) > 255:
        raise invalid("name", "Name is too long (max 255)", name, "too_long")
    if any(other.name.lower() == name.lower() and other.id != tag_id
           for other in ws.store.tags.values()):
        raise invalid("name", "A tag with this name already exists", name, "taken")
    return name


async def tag_create(request: Request) -> Response:
    """``POST /group_tags`` (201): a new, empty tag (the scope is the Owner's and admins')."""
    ws = workspace_of(request)
    name = _tag_name(ws, await json_body(request), None)
    tag = ws.store.add_tag(GroupTag(id=ws.store.next_id("tag"), name=name))
    return json_response({"data": tag.to_json()}, 201)


async def tag_update(request: Request) -> Response:
    """``PUT /group_tags/{id}``: rename; its users' ``list_tags`` follow."""
    ws = workspace_of(request)
    tag = ws.store.tags.get(request.path_params["id"])
    if tag is None:
        raise not_found("group_tag", request.path_params["id"])
    name = _tag_name(ws, await json_body(request), tag.id)
    for uid in tag.user_ids:
        labels = ws.store.users[uid].list_tags
        labels[:] = [name if label == tag.name else label for label in labels]
    tag.name = name
    return json_response({"data": tag.to_json()})


async def tag_delete(request: Request) -> Response:
    """``DELETE /group_tags/{id}`` (204): gone from users' labels and chats' tag lists;
    the members it brought into chats stay."""
    ws = workspace_of(request)
    store = ws.store
    tag = store.tags.pop(request.path_params["id"], None)
    if tag is None:
        raise not_found("group_tag", request.path_params["id"])
    store.tag_index.remove((tag.id,))
    for uid in tag.user_ids:
        labels = store.users[uid].list_tags
        if tag.name in labels:
            labels.remove(tag.name)
    for chat in store.chats.values():
        if tag.id in chat.group_tag_ids:
            chat.group_tag_ids.remove(tag.id)
    return no_content()


ROUTES = [
    Route("/group_tags", tag_create, methods=["POST"]),
    Route("/group_tags/{id:int}", tag_get, methods=["GET"]),
    Route("/group_tags/{id:int}", tag_update, methods=["PUT"]),
    Route("/group_tags/{id:int}", tag_delete, methods=["DELETE"]),
    Route("/chats/{id:int}/group_tags", chat_tags_add, methods=["POST"]),
    Route("/chats/{id:int}/group_tags/{tag_id:int}", chat_tag_remove, methods=["DELETE"]),
]
