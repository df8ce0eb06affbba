"""Messages: list, read, create, edit, delete, and link previews.

Reading needs a chat the token may see (``access``: members, or anyone for an open
chat; the Owner has no extra rights here). Posting needs a chat role that may post in
an unarchived chat; editing needs authorship; deleting needs authorship or the chat's
creator or an admin. A deleted message still answers ``GET /messages/{id}`` (200,
empty content, ``deleted_at``). Link previews are for bot tokens only. ``POST
/messages`` has no 404 in the spec, so an unknown chat or user is a 422 ``not_found``;
an ``entity_type`` outside the list is a 400 (the spec says so); a reply's
``parent_message_id`` must be a live message of the same chat; ``display_name`` and
``display_avatar_url`` (at most 255 characters) are for bot tokens only. A direct
message to a bot needs a direct chat the bot started (403 otherwise).

A thread's chat (``runner.workspace.threads``) is seen by the members of the thread or
of its parent chat; a comment goes to it by the thread's id (``entity_type: thread``)
or by its chat id, from a member of either (who joins the thread), never into a thread
of an archived chat.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace import access, delivery
from runner.workspace.clock import format_ms
from runner.workspace.models import Chat, Message
from runner.workspace.paging import CursorError
from runner.workspace.queries import list_messages
from runner.workspace.responses import (
    auth,
    invalid,
    json_body,
    json_response,
    no_content,
    not_found,
    q_choice,
    q_int,
    q_limit,
)
from runner.workspace.runtime import Workspace, workspace_of
from runner.workspace.store import TokenInfo
from runner.workspace.threads import parent_chat
from runner.workspace.uploads import message_files

ENTITY_TYPES = ("discussion", "thread", "user")
#: Pachca's limits on a message's buttons.
MAX_BUTTONS, MAX_PER_ROW, MAX_ROWS = 100, 8, 32
#: The spec's ``maxLength`` of a message's custom sender name and avatar URL.
MAX_DISPLAY = 255


def _message(ws: Workspace, message_id: int) -> Message:
    message = ws.store.messages.get(message_id)
    if message is None:
        raise not_found("message", message_id)
    return message


def validate_buttons(value: Any) -> list[list[dict[str, str]]] | None:
    """Rows of buttons, each ``{text, url}`` or ``{text, data}`` (data at most 255 chars)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise invalid("buttons", "buttons must be a list of rows (lists)", value)
    if len(value) > MAX_ROWS:
        raise invalid("buttons", f"At most {MAX_ROWS} rows of buttons", len(value), "too_long")
    if any(len(row) > MAX_PER_ROW for row in value):
        raise invalid("buttons", f"At most {MAX_PER_ROW} buttons in a row", None, "too_long")
    if sum(len(row) for row in value) > MAX_BUTTONS:
        raise invalid("buttons", f"At most {MAX_BUTTONS} buttons in a message", None,
                      "too_long")
    rows: list[list[dict[str, str]]] = []
    for row in value:
        out: list[dict[str, str]] = []
        for button in row:
            if not isinstance(button, dict):
                raise invalid("buttons", "A button must be an object", button)
            text, url, data = button.get("text"), button.get("url"), button.get("data")
            if not isinstance(text, str) or not text.strip():
                raise invalid("buttons.text", "Button text can't be blank", text, "blank")
            if len(text) > 255:
                raise invalid("buttons.text", "Button text is too long (max 255)", text, "too_long")
            if (url is None) == (data is None):
                raise invalid("buttons", "A button needs either url or data", button)
            if url is not None and (
                not isinstance(url, str) or not url.startswith(("http://", "https://"))
            ):
                raise invalid("buttons.url", "Button url must be an http(s) URL", url)
            if data is not None:
                if not isinstance(data, str) or not data:
                    raise invalid("buttons.data", "Button data must be a string", data)
                if len(data) > 255:
                    raise invalid(
                        "buttons.data", "Button data is too long (max 255)", data, "too_long"
                    )
            out.append(
                {"text": text, "url": url}
                if isinstance(url, str)
                else {"text": text, "data": str(data)}
            )
        rows.append(out)
    return rows


def _content(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("content", "Content can't be blank", value, "blank")
    return value


def _display_fields(info: TokenInfo, body: dict[str, Any]) -> dict[str, str]:
    """``display_name`` / ``display_avatar_url``: at most 255 characters, and (the spec)
    only with a bot's token; refused otherwise rather than quietly dropped."""
    found: dict[str, str] = {}
    for field in ("display_name", "display_avatar_url"):
        value = body.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            raise invalid(field, f"{field} must be a string", value)
        if len(value) > MAX_DISPLAY:
            raise invalid(field, f"{field} is too long (max {MAX_DISPLAY})", value, "too_long")
        if info.kind != "bot":
            raise invalid(field, f"{field} can only be used with a bot's token", value)
        found[field] = value
    return found


def _parent_message(ws: Workspace, chat: Chat, value: Any) -> int | None:
    """The id of the message replied to: one of ``chat``'s, not deleted; 422 otherwise."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid("parent_message_id", "parent_message_id must be an integer", value)
    parent = ws.store.messages.get(value)
    if parent is None or parent.chat_id != chat.id:
        raise invalid("parent_message_id", f"Message {value} not found in this chat", value,
                      "not_found")
    return value


async def messages_list(request: Request) -> Response:
    """``GET /messages?chat_id=``: newest first by default."""
    ws, info = workspace_of(request), auth(request)
    chat_id = q_int(request, "chat_id")
    assert chat_id is not None
    q_choice(request, "sort", ("id",), "id")
    order = q_choice(request, "order", ("asc", "desc"), "desc")
    limit = q_limit(request)
    chat = ws.store.chats.get(chat_id)
    if chat is None:
        raise not_found("chat", chat_id)
    access.require_visible(ws.store, info, chat, "messages?")
    try:
        messages, meta = list_messages(
            ws.store,
            chat_id,
            order=order,
            limit=limit,
            cursor=request.query_params.get("cursor"),
            short_cut=ws.short_cut,
        )
    except CursorError as exc:
        raise invalid("cursor", "The cursor is not valid") from exc
    return json_response({"data": [m.to_json() for m in messages], "meta": meta})


async def message_get(request: Request) -> Response:
    """``GET /messages/{id}`` (a deleted one too: empty content, ``deleted_at`` set)."""
    ws, info = workspace_of(request), auth(request)
    message_id = request.path_params["id"]
    message = ws.store.messages.get(message_id) or ws.store.deleted_messages.get(message_id)
    if message is None:
        raise not_found("message", message_id)
    access.require_visible(ws.store, info, ws.store.chats[message.chat_id], "show_message?")
    return json_response({"data": message.to_json()})


def _target_chat(ws: Workspace, info: TokenInfo, entity_type: str, entity_id: int) -> Chat:
    store = ws.store
    if entity_type == "user":
        if entity_id not in store.users:
            raise invalid("entity_id", f"User {entity_id} not found", entity_id, "not_found")
        if entity_id == info.user_id:
            raise invalid("entity_id", "Cannot send a direct message to yourself", entity_id)
        pair = (min(info.user_id, entity_id), max(info.user_id, entity_id))
        if store.users[entity_id].bot and pair not in store.direct_pairs:
            # Pachca's guide on bots: one writes to a (not public) bot only once the bot
            # has written first; the workspace's bot is not public.
            raise access.refuse("A bot takes direct messages only after it has written to"
                                " you", "User", entity_id, "create_message?")
        return store.direct_chat(info.user_id, entity_id)
    if entity_type == "thread":
        thread = store.threads.get(entity_id)
        if thread is None:
            raise invalid("entity_id", f"Thread {entity_id} not found", entity_id, "not_found")
        return _thread_chat(ws, info, store.chats[thread.chat_id])
    chat = store.chats.get(entity_id)
    if chat is None:
        raise invalid("entity_id", f"Chat {entity_id} not found", entity_id, "not_found")
    if chat.thread_id is not None:
        return _thread_chat(ws, info, chat)
    return chat


def _thread_chat(ws: Workspace, info: TokenInfo, chat: Chat) -> Chat:
    """A thread's chat the caller may comment in; the caller joins it."""
    assert chat.thread_id is not None
    thread = ws.store.threads[chat.thread_id]
    access.require_visible(ws.store, info, chat, "create_message?")
    parent = parent_chat(ws.store, thread)
    if parent is not None:
        access.require_not_archived(parent, "create_message?")
    ws.store.add_member(chat, info.user_id)
    return chat


async def message_create(request: Request) -> Response:
    """``POST /messages`` (201): into a chat, or a direct message by user id."""
    ws, info = workspace_of(request), auth(request)
    body = (await json_body(request)).get("message")
    if not isinstance(body, dict):
        raise invalid("message", "message is required", None, "required", status=400)
    entity_type = body.get("entity_type", "discussion")
    if entity_type not in ENTITY_TYPES:
        # The spec's description of the field: a value outside the list is a 400 invalid.
        raise invalid(
            "entity_type",
            "entity_type must be discussion, thread or user",
            entity_type,
            status=400,
        )
    entity_id = body.get("entity_id")
    if not isinstance(entity_id, int) or isinstance(entity_id, bool):
        raise invalid("entity_id", "entity_id is required (an integer)", entity_id, "required")
    content = _content(body.get("content"))
    buttons = validate_buttons(body.get("buttons"))
    display = _display_fields(info, body)
    chat = _target_chat(ws, info, entity_type, entity_id)
    access.require_poster(ws.store, info, chat)
    parent_id = _parent_message(ws, chat, body.get("parent_message_id"))
    files = message_files(ws, body.get("files"), f"{request.url.scheme}://{request.url.netloc}")
    message = ws.store.post_message(
        chat,
        info.user_id,
        content,
        entity_type=entity_type,
        entity_id=entity_id if entity_type == "user" else chat.id,
        buttons=buttons,
        parent_message_id=parent_id,
        display_name=display.get("display_name"),
        display_avatar_url=display.get("display_avatar_url"),
    )
    message.files = files or None
    return json_response({"data": message.to_json()}, 201)


def require_changeable(ws: Workspace, info: TokenInfo, message: Message, query: str) -> None:
    """403 when the message's chat, or its thread's parent chat, is hidden or archived."""
    chat = ws.store.chats[message.chat_id]
    thread = ws.store.threads.get(chat.thread_id) if chat.thread_id is not None else None
    parent = parent_chat(ws.store, thread) if thread is not None else None
    access.require_message_change(ws.store, info, chat, parent, query)


async def message_update(request: Request) -> Response:
    """``PUT /messages/{id}``: content and buttons, by the author."""
    ws, info = workspace_of(request), auth(request)
    message = _message(ws, request.path_params["id"])
    body = (await json_body(request)).get("message")
    if not isinstance(body, dict):
        raise invalid("message", "message is required", None, "required", status=400)
    if message.user_id != info.user_id:
        raise access.refuse("Only the author may edit a message", "Message", message.id,
                            "update?")
    require_changeable(ws, info, message, "update?")
    before = message.content
    if "content" in body:
        message.content = _content(body["content"])
    if "buttons" in body:
        message.buttons = validate_buttons(body["buttons"]) or None
    message.changed_ms = ws.store.now_ms()
    delivery.message_edited(ws.store, message, before)
    return json_response({"data": message.to_json()})


async def message_delete(request: Request) -> Response:
    """``DELETE /messages/{id}`` (204)."""
    ws, info = workspace_of(request), auth(request)
    message = _message(ws, request.path_params["id"])
    chat = ws.store.chats[message.chat_id]
    if message.user_id != info.user_id and access.chat_role(
        ws.store, chat, info.user_id
    ) not in access.MANAGERS:
        raise access.refuse("Only the author, the chat's creator or an admin may delete a"
                            " message", "Message", message.id, "destroy?")
    require_changeable(ws, info, message, "destroy?")
    ws.store.delete_message(message)
    return no_content()


async def link_previews(request: Request) -> Response:
    """``POST /messages/{id}/link_previews`` (204): recorded for tests to inspect.

    Only an unfurl bot may (its ``unfurl_domains``), in any chat: Pachca's unfurl bot
    tracks its domains in every chat without being added. Every URL must be in the
    message's text and of one of those domains, or nothing is recorded (422).
    """
    ws, info = workspace_of(request), auth(request)
    message = _message(ws, request.path_params["id"])
    access.token_kind(info, bot=True, record="Message", record_id=message.id,
                      query="link_previews?")
    domains = ws.store.bots.get(info.user_id, {}).get("unfurl_domains") or []
    if not domains:
        raise access.refuse("Only unfurl bots may add link previews", "Message", message.id,
                            "link_previews?")
    previews = (await json_body(request)).get("link_previews")
    if not isinstance(previews, dict) or not previews:
        raise invalid("link_previews", "link_previews is required", None, "required", status=400)
    for url, preview in previews.items():
        if (
            not isinstance(preview, dict)
            or not preview.get("title")
            or "description" not in preview
        ):
            raise invalid("link_previews", f"Preview of {url} needs title and description", url)
        # Pachca's guide: one such URL fails the whole request.
        if url not in message.content:
            raise invalid("link_previews", f"{url} is not a link of this message", url)
        if not delivery.on_domains((urlsplit(url).hostname or "").lower(), domains):
            raise invalid("link_previews", f"{url} is not of the bot's unfurl domains", url)
    ws.store.link_previews.append(
        {
            "message_id": message.id,
            "link_previews": previews,
            "token_kind": info.kind,
            "created_at": format_ms(ws.store.now_ms()),
        }
    )
    return no_content()


ROUTES = [
    Route("/messages", messages_list, methods=["GET"]),
    Route("/messages", message_create, methods=["POST"]),
    Route("/messages/{id:int}", message_get, methods=["GET"]),
    Route("/messages/{id:int}", message_update, methods=["PUT"]),
    Route("/messages/{id:int}", message_delete, methods=["DELETE"]),
    Route("/messages/{id:int}/link_previews", link_previews, methods=["POST"]),
]
