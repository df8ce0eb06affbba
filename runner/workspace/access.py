"""Who may see and do what: Pachca's permission rules, in one place for every route.

Two independent role systems. The workspace role (``User.role``: ``admin`` for the
Owner and administrators, ``user``, ``guest``) predicts nothing inside a chat; the chat
role does: creator (``Chat.owner_id``), ``admin``, ``editor`` (channels), ``member``.
A chat role is given on joining (``Store.give_joining_role``) and changes only when a
chat admin changes it.

- See a chat (its details, messages): its members; every employee for an open (public)
  group chat. Closed and direct chats: members only, whatever the workspace role.
- The Owner's only extras: the member list of any chat, and export (``exports``).
- Post: creator, admin, editor, member; a channel's plain member (a subscriber) may not.
- Rename, archive, unarchive, remove members, change roles: creator and admin only
  (never the creator's role, nor one's own).
- An archived chat is read-only: nobody posts, edits or deletes messages (comments in
  its threads included), renames it, manages members or starts threads.
- Bot-only and user-only calls are decided by the token's kind (``token_kind``).
- A person's ``email`` and ``phone_number``: the Owner and admins see them, everyone
  sees their own; a plain user sees them only if a workspace setting allows it (off
  here, the harder case), and a bot's token never has an admin's privilege
  (``sees_personal_data``); searches do not match on what the caller cannot see.
- A bot's settings (``GET`` / ``PUT /bots/{id}``) are for those its ``can_edit`` names:
  ``admin`` (workspace admins, the Owner included), ``chat_owners`` (creators of a chat
  the bot is in). The scope alone lets a plain user's token past the gateway, no further.

Refusals are ``ApiError`` 403 (``code: not_authorized``, ``payload: {record, query}``,
as the spec describes authorization errors). The spec draws every 403 body as
``OAuthError``, so the body carries ``error`` / ``error_description`` as well: a spec
validator accepts it, and clients (the official SDK among them) read it as the
``ApiError`` it is, because ``errors`` is present. A missing scope stays a plain
``OAuthError`` (``insufficient_scope``).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from runner.workspace.models import Chat, User
from runner.workspace.responses import ApiProblem
from runner.workspace.store import Store, TokenInfo
from runner.workspace.threads import may_see

CREATOR = "owner"  # the role filter of GET /chats/{id}/members calls the creator "owner"
MANAGERS = (CREATOR, "admin")


def refuse(message: str, record: str, record_id: int, query: str) -> ApiProblem:
    """A 403 permission refusal about ``record`` #``record_id`` (``query``: the action)."""
    item = {
        "key": record.lower(),
        "value": str(record_id),
        "message": message,
        "code": "not_authorized",
        "payload": {"record": {"type": record, "id": record_id}, "query": query},
    }
    body = {"errors": [item], "error": "role_forbidden", "error_description": message}
    return ApiProblem(JSONResponse(body, status_code=403))


def chat_role(store: Store, chat: Chat, user_id: int) -> str | None:
    """``owner`` (creator), ``admin``, ``editor``, ``member``, or None for a non-member."""
    if not store.is_member(chat, user_id):
        return None
    if user_id == chat.owner_id:
        return CREATOR
    if user_id in chat.admin_ids:
        return "admin"
    if user_id in chat.editor_ids:
        return "editor"
    return "member"


def can_see(store: Store, info: TokenInfo, chat: Chat) -> bool:
    """Whether the token may see the chat and read its messages (a thread's chat: the
    members of the thread or of the chat it was started in)."""
    if store.is_member(chat, info.user_id):
        return True
    if chat.thread_id is not None:
        return may_see(store, store.threads[chat.thread_id], info.user_id)
    return chat.public and not chat.personal


def sees_personal_data(store: Store, info: TokenInfo, user_id: int) -> bool:
    """Whether the token may see the user's ``email`` and ``phone_number``."""
    if user_id == info.user_id:
        return True
    return info.kind != "bot" and store.users[info.user_id].role == "admin"


def user_json(store: Store, info: TokenInfo, user: User) -> dict[str, Any]:
    """The ``User`` object as this token gets it (personal data hidden if it may not)."""
    return user.to_json(personal=sees_personal_data(store, info, user.id))


def require_visible(store: Store, info: TokenInfo, chat: Chat, query: str = "show?") -> None:
    """403 unless the token may see the chat."""
    if not can_see(store, info, chat):
        raise refuse("The chat is not available to you: closed chats are for their"
                     " members only", "Chat", chat.id, query)


def require_member_list(store: Store, info: TokenInfo, chat: Chat) -> None:
    """403 unless the token may list the chat's members (the Owner: any chat)."""
    if info.kind != "owner":
        require_visible(store, info, chat, "members?")


def require_manager(store: Store, info: TokenInfo, chat: Chat, query: str) -> None:
    """403 unless the token's user is the chat's creator or admin."""
    require_visible(store, info, chat, query)
    if chat_role(store, chat, info.user_id) not in MANAGERS:
        raise refuse("Only the chat's creator and admins may do this", "Chat", chat.id, query)


def require_not_archived(chat: Chat, query: str) -> None:
    """403 for changes to an archived chat (posting, members)."""
    if chat.archived:
        raise refuse("The chat is archived: it is read-only (no posting, editing,"
                     " renaming or managing members)",
                     "Chat", chat.id, query)


def require_message_change(store: Store, info: TokenInfo, message_chat: Chat,
                           parent: Chat | None, query: str) -> None:
    """403 unless the chat a message is in (and, for a comment, the thread's parent
    chat) is visible to the token and not archived: editing and deleting are writes."""
    require_visible(store, info, message_chat, query)
    for chat in (message_chat, parent):
        if chat is not None:
            require_not_archived(chat, query)


def require_poster(store: Store, info: TokenInfo, chat: Chat) -> None:
    """403 unless the token may post in the chat now."""
    require_visible(store, info, chat, "create_message?")
    role = chat_role(store, chat, info.user_id)
    if role is None:
        raise refuse("Only the chat's members may post in it", "Chat", chat.id,
                     "create_message?")
    if chat.channel and role == "member":
        raise refuse("A channel's subscribers may not post in it (only its creator, admins"
                     " and editors)", "Chat", chat.id, "create_message?")
    require_not_archived(chat, "create_message?")


def require_adder(store: Store, info: TokenInfo, chat: Chat) -> None:
    """403 unless the token may add members (anyone who sees the chat, guests aside)."""
    require_visible(store, info, chat, "add_members?")
    if store.users[info.user_id].role == "guest":
        raise refuse("Guests may not add members", "Chat", chat.id, "add_members?")
    require_not_archived(chat, "add_members?")


def require_bot_editor(store: Store, info: TokenInfo, bot_id: int, can_edit: list[str],
                       query: str) -> None:
    """403 unless the token's user may see and change the bot's settings (``can_edit``)."""
    user = store.users[info.user_id]
    if "admin" in can_edit and user.role == "admin":
        return
    if "chat_owners" in can_edit and any(
        chat.owner_id == info.user_id and bot_id in chat.member_ids
        for chat in store.chats.values()
    ):
        return
    raise refuse("Only those the bot's can_edit names may see or change its settings",
                 "Bot", bot_id, query)


def token_kind(info: TokenInfo, *, bot: bool, record: str, record_id: int, query: str) -> None:
    """403 unless the token is a bot's (``bot=True``) or a person's (``bot=False``)."""
    if (info.kind == "bot") != bot:
        who = "a bot's token" if bot else "a person's token (owner, admin or user)"
        raise refuse(f"Only {who} may make this call", record, record_id, query)
