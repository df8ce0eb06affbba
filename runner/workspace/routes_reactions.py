"""Reactions and pins on a message.

Reacting is for everyone who may see the message's chat (members; any employee for an
open chat), reading the reactions likewise. Pinning is for those who may post there
(a channel's subscribers may not). Both are writes: an archived chat (or, for a comment,
the thread's archived parent chat) refuses them with 403, a deleted message is a 404.

Where the spec is silent the stricter reading is taken: removing a reaction the caller
never added, or unpinning a message that is not pinned, is a 404; pinning a pinned
message is a 422. Pachca's reaction limits are enforced (422 ``unique_limit`` / ``general_limit``): 20 unique
reactions per user and 30 per message, 1000 reactions per message in all. A repeated
reaction is not duplicated: the answer is the existing one. A ``code`` is one emoji
(with its modifiers, a ZWJ sequence, a flag or a keycap): text or two emoji are a 422.

Rate limits: ``GET`` lists are message reads, the writes are "everything else"
(``gateway.call_class``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner.workspace import access
from runner.workspace.clock import format_ms
from runner.workspace.models import Message
from runner.workspace.paging import CursorError, paginate
from runner.workspace.responses import (
    auth,
    invalid,
    json_body,
    json_response,
    no_content,
    not_found,
    q_limit,
)
from runner.workspace.routes_messages import require_changeable
from runner.workspace.runtime import Workspace, workspace_of
from runner.workspace.store import TokenInfo

#: Pachca's reaction limits (the spec's description of ``POST .../reactions``).
PER_USER_UNIQUE, PER_MESSAGE_UNIQUE, PER_MESSAGE_TOTAL = 20, 30, 1000


@dataclass(slots=True)
class Reaction:
    """One user's reaction on a message (``seq``: order of creation, the paging key)."""

    seq: int
    user_id: int
    code: str
    name: str
    created_ms: int

    def to_json(self) -> dict[str, Any]:
        """The spec's ``Reaction`` schema."""
        return {"user_id": self.user_id, "created_at": format_ms(self.created_ms),
                "code": self.code, "name": self.name}


def _message(ws: Workspace, request: Request) -> Message:
    message_id = request.path_params["id"]
    message = ws.store.messages.get(message_id)
    if message is None:
        raise not_found("message", message_id)
    return message


def _reactions(ws: Workspace, message: Message) -> list[Reaction]:
    found: list[Reaction] = ws.store.reactions.setdefault(message.id, [])
    return found


def emoji_value(value: Any, key: str, status_if_missing: int) -> str:
    """An emoji character in field ``key``: missing -> ``status_if_missing``, else 422."""
    if value is None:
        raise invalid(key, f"{key} is required", None, "required", status=status_if_missing)
    if not isinstance(value, str) or not value.strip():
        raise invalid(key, f"{key} can't be blank: give an emoji character", value, "blank")
    # An emoji is never plain ASCII (":+1:" is a name, which goes in ``name``), nor
    # words in another script, nor two emoji at once.
    if value.isascii() or len(value) > 16 or not is_one_emoji(value):
        raise invalid(key, f"{key} must be an emoji character, like 👍", value, "wrong_emoji")
    return value


#: Parts that only modify the emoji before them: variation selectors, the keycap,
#: skin tones, and the tag characters of subdivision flags.
_MODIFIERS = frozenset("\ufe0e\ufe0f\u20e3") | {chr(c) for c in range(0x1F3FB, 0x1F400)} | {
    chr(c) for c in range(0xE0020, 0xE0080)}
_ZWJ = "\u200d"


def is_one_emoji(text: str) -> bool:
    """Whether ``text`` is one emoji: a symbol with its modifiers, a ZWJ sequence, a flag
    (two regional indicators) or a keycap (``1️⃣``)."""
    bases, joined, indicators = 0, False, 0
    keycap = "\u20e3" in text
    for ch in text:
        if ch == _ZWJ:
            joined = True
            continue
        if ch in _MODIFIERS:
            continue
        if 0x1F1E6 <= ord(ch) <= 0x1F1FF:
            indicators += 1
            counts = indicators % 2 == 1
        elif unicodedata.category(ch) == "So" or (keycap and ch in "0123456789#*"):
            counts = True
        else:
            return False
        if counts and not joined:
            bases += 1
        joined = False
    return bases == 1


def _optional_name(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid("name", "name must be an emoji's text name, like :+1:", value)
    return value


def _check_limits(reactions: list[Reaction], user_id: int, code: str, message_id: int) -> None:
    """422 when one more reaction ``code`` by ``user_id`` breaks Pachca's limits."""
    mine = {r.code for r in reactions if r.user_id == user_id}
    if len(mine | {code}) > PER_USER_UNIQUE:
        raise invalid("code", f"At most {PER_USER_UNIQUE} different reactions per user",
                      code, "unique_limit")
    if len({r.code for r in reactions} | {code}) > PER_MESSAGE_UNIQUE:
        raise invalid("code", f"At most {PER_MESSAGE_UNIQUE} different reactions on a"
                      " message", code, "unique_limit")
    if len(reactions) + 1 > PER_MESSAGE_TOTAL:
        raise invalid("code", f"At most {PER_MESSAGE_TOTAL} reactions on a message",
                      message_id, "general_limit")


async def reaction_add(request: Request) -> Response:
    """``POST /messages/{id}/reactions`` (201 with the ``Reaction``)."""
    ws, info = workspace_of(request), auth(request)
    message = _message(ws, request)
    body = await json_body(request)
    code = emoji_value(body.get("code"), "code", 400)
    name = _optional_name(body.get("name"))
    require_changeable(ws, info, message, "react?")
    reactions = _reactions(ws, message)
    for reaction in reactions:
        if reaction.user_id == info.user_id and reaction.code == code:
            return json_response(reaction.to_json(), 201)
    _check_limits(reactions, info.user_id, code, message.id)
    # Without a name Pachca fills in the emoji's own; the workspace has no emoji table,
    # so the character stands in for it (still a non-empty string, as the schema needs).
    reaction = Reaction(ws.store.next_id("reaction"), info.user_id, code, name or code,
                        ws.store.now_ms())
    reactions.append(reaction)
    return json_response(reaction.to_json(), 201)


async def reaction_remove(request: Request) -> Response:
    """``DELETE /messages/{id}/reactions?code=`` (204): the caller's own reaction only."""
    ws, info = workspace_of(request), auth(request)
    message = _message(ws, request)
    code = emoji_value(request.query_params.get("code"), "code", 400)
    name = _optional_name(request.query_params.get("name"))
    require_changeable(ws, info, message, "unreact?")
    reactions = _reactions(ws, message)
    for reaction in reactions:
        if reaction.user_id == info.user_id and reaction.code == code and (
            name is None or reaction.name == name
        ):
            reactions.remove(reaction)
            return no_content()
    raise not_found("reaction", code)


async def reactions_list(request: Request) -> Response:
    """``GET /messages/{id}/reactions``: oldest first, ``limit`` 1-50, cursor paging."""
    ws, info = workspace_of(request), auth(request)
    message = _message(ws, request)
    limit = q_limit(request)
    access.require_visible(ws.store, info, ws.store.chats[message.chat_id], "reactions?")
    by_seq = {r.seq: r for r in _reactions(ws, message)}
    try:
        keys, meta = paginate([(seq,) for seq in by_seq], limit=limit,
                              cursor=request.query_params.get("cursor"), descending=False)
    except CursorError as exc:
        raise invalid("cursor", "The cursor is not valid") from exc
    return json_response({"data": [by_seq[k[0]].to_json() for k in keys], "meta": meta})


def _require_pinner(ws: Workspace, info: TokenInfo, message: Message, query: str) -> None:
    """403 unless the caller may post in the message's chat, and it is not archived."""
    require_changeable(ws, info, message, query)
    chat = ws.store.chats[message.chat_id]
    role = access.chat_role(ws.store, chat, info.user_id)
    if role is None and chat.thread_id is None:
        raise access.refuse("Only the chat's members may pin messages", "Chat", chat.id, query)
    if chat.channel and role == "member":
        raise access.refuse("A channel's subscribers may not pin messages", "Chat", chat.id,
                            query)


async def pin(request: Request) -> Response:
    """``POST /messages/{id}/pin`` (204)."""
    ws, info = workspace_of(request), auth(request)
    message = _message(ws, request)
    _require_pinner(ws, info, message, "pin?")
    if message.id in ws.store.pins:
        raise invalid("id", "The message is already pinned", message.id, "already_exists")
    ws.store.pins.add(message.id)
    return no_content()


async def unpin(request: Request) -> Response:
    """``DELETE /messages/{id}/pin`` (204)."""
    ws, info = workspace_of(request), auth(request)
    message = _message(ws, request)
    _require_pinner(ws, info, message, "unpin?")
    if message.id not in ws.store.pins:
        raise not_found("pin", message.id)
    ws.store.pins.discard(message.id)
    return no_content()


ROUTES = [
    Route("/messages/{id:int}/reactions", reaction_add, methods=["POST"]),
    Route("/messages/{id:int}/reactions", reaction_remove, methods=["DELETE"]),
    Route("/messages/{id:int}/reactions", reactions_list, methods=["GET"]),
    Route("/messages/{id:int}/pin", pin, methods=["POST"]),
    Route("/messages/{id:int}/pin", unpin, methods=["DELETE"]),
]
