"""What the bot is told, by the rules Pachca delivers its outgoing-webhook events by.

This workspace delivers a bot's events through its event history (``GET
/webhooks/events``) and, given the bot's signing secret, to its ``outgoing_url``
(``pushes``). Pachca's guides
(``guides/webhook/*``, ``guides/link-previews``, ``guides/bots/overview``) say an event
reaches the bot only when:

- the bot's settings subscribe it to the event's type (``events``, ``BotEventName``);
- into the history only while "keep event history" (``events_history_enabled``) is on;
- an event of a chat comes from a chat the bot is in, or a thread of one; except
  ``link_shared``: an unfurl bot watches every chat of the workspace without being added;
- a message event is not about the bot's own message while ``ignore_self_messages`` is on
  (button clicks are delivered whatever it says);
- a button click is on a message that exists in the click's chat (not deleted), by a
  person who can see that chat: its member, or anyone in an open group chat (a closed
  chat's message is shown to its members only, so nobody else can press its buttons).

``link_shared`` goes to the unfurl bot (a bot with ``unfurl_domains``) when a message with
links of those domains appears: an ``http``/``https`` link whose host is a domain or a
subdomain of one (paths, queries and the scheme do not matter). One event per message,
each link once in the order written, ``domain`` its host, ``skip`` true for the links its
author hid (``POST /_workspace/messages`` ``skip_previews``; Pachca's UI, not its API).
An edit that brings a link not in the text before sends one too: the guide sends it
"when a link appears" and does not say which links it lists then, so it lists every link
of the edited text, the case harder for a runner (it must not preview twice the links it
did). Whether a bot's own message counts is not said beyond ``ignore_self_messages``:
with that off, the bot hears of links in its own messages.

``refusal`` says why an event would not reach the bot (``POST /_workspace/events`` answers
it with 409); ``deliver`` drops such an event, as Pachca does, and keeps the others.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from runner.workspace.clock import format_ms

if TYPE_CHECKING:
    from runner.workspace.models import Chat, Event, Message
    from runner.workspace.store import Store

BOT_EVENTS = (
    "message_new",
    "message_update",
    "message_delete",
    "reaction_new",
    "reaction_delete",
    "button_click",
    "message_link_shared",
    "chat_member_add",
    "chat_member_remove",
    "company_member_invite",
    "company_member_confirm",
    "company_member_suspend",
    "company_member_activate",
    "company_member_delete",
    "company_member_update",
    "video_call_started",
    "video_call_finished",
    "video_call_recording_ready",
)
"""``BotEventName``: what a bot's ``events`` may subscribe it to."""

LINK_SHARED = "message_link_shared"

# Brackets, quotes and angle brackets end a link: markdown's [text](url) and <url> keep
# the link whole without its frame.
_LINK = re.compile(r"https?://[^\s<>()\[\]{}\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~"


def event_type(payload: dict[str, Any]) -> str:
    """The ``event_type`` of a payload in the history: ``<type>_<event>``."""
    return f"{payload.get('type')}_{payload.get('event')}"


def links_of(text: str, domains: list[str]) -> list[dict[str, Any]]:
    """The ``WebhookLink``s of ``text`` on ``domains`` (or their subdomains), each once."""
    found: dict[str, dict[str, Any]] = {}
    for match in _LINK.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        host = (urlsplit(url).hostname or "").lower()
        if url not in found and on_domains(host, domains):
            found[url] = {"url": url, "domain": host, "skip": False}
    return list(found.values())


def on_domains(host: str, domains: list[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    return any(host == d or host.endswith("." + d) for d in domains)


def refusal(store: Store, kind: str, payload: dict[str, Any]) -> str | None:
    """Why an event of type ``kind`` would not reach the bot; None if it would."""
    settings = store.bots.get(store.bot_id)
    if settings is None:
        return "the workspace has no bot"
    if kind not in BOT_EVENTS:
        return f"{kind} is not an event Pachca sends bots (BotEventName: {', '.join(BOT_EVENTS)})"
    if kind not in settings["events"]:
        return (f"the bot is not subscribed to {kind} (its events: "
                f"{', '.join(settings['events']) or 'none'}); subscribe it first, as an admin "
                f"would in its settings: POST /_workspace/bot {{\"events\": [..., \"{kind}\"]}}")
    if not settings["events_history_enabled"] and not _pushed(store, settings):
        return ("the bot keeps no event history (events_history_enabled is off) and has no"
                " outgoing webhook the workspace pushes to (outgoing_url and webhook_secret)")
    if (kind.startswith("message_") and payload.get("user_id") == store.bot_id
            and settings["ignore_self_messages"]):
        return "the message is the bot's own and the bot ignores its own (ignore_self_messages)"
    if kind == LINK_SHARED:
        return _link_refusal(store, settings, payload)
    if kind == "button_click":
        why = _click_refusal(store, payload)
        if why is not None:
            return why
    if "chat_id" in payload:
        chat = store.chats.get(payload["chat_id"]) if isinstance(payload["chat_id"], int) else None
        if chat is None:
            return f"chat {payload['chat_id']!r} not found"
        if not _hears(store, chat):
            return (f"the bot is not in chat {chat.id} (nor in the chat of its thread): it gets"
                    " events only from chats it is in")
    return None


def _hears(store: Store, chat: Chat) -> bool:
    """Whether the bot gets events of ``chat``: it is in it, or in the chat of its thread."""
    if store.is_member(chat, store.bot_id):
        return True
    thread = store.threads.get(chat.thread_id) if chat.thread_id is not None else None
    parent = store.chats.get(thread.message_chat_id) if thread and thread.message_chat_id else None
    return parent is not None and store.is_member(parent, store.bot_id)


def _click_refusal(store: Store, payload: dict[str, Any]) -> str | None:
    message_id, user_id = payload.get("message_id"), payload.get("user_id")
    message = store.messages.get(message_id) if isinstance(message_id, int) else None
    if message is None:
        return f"message {message_id!r} not found: nobody can press its buttons"
    if payload.get("chat_id") != message.chat_id:
        return f"message {message.id} is in chat {message.chat_id}, not {payload.get('chat_id')!r}"
    chat = store.chats.get(message.chat_id)
    if not isinstance(user_id, int) or user_id not in store.users or chat is None:
        return f"user {user_id!r} not found"
    if store.is_member(chat, user_id) or (chat.public and not chat.personal
                                          and chat.thread_id is None):
        return None
    return (f"user {user_id} cannot see chat {chat.id} (closed, and not a member), so cannot"
            " press a button there")


def _link_refusal(store: Store, settings: dict[str, Any], payload: dict[str, Any]) -> str | None:
    domains = settings.get("unfurl_domains") or []
    if not domains:
        return "the bot is no unfurl bot (it has no unfurl_domains)"
    message_id = payload.get("message_id")
    message = (store.messages.get(message_id) or store.deleted_messages.get(message_id)
               if isinstance(message_id, int) else None)
    if message is None:
        return f"message {message_id!r} not found"
    if payload.get("chat_id") != message.chat_id:
        return f"message {message.id} is in chat {message.chat_id}, not {payload.get('chat_id')!r}"
    links = payload.get("links")
    if not isinstance(links, list) or not links:
        return "links must be a non-empty list of {url, domain, skip}"
    for link in links:
        url = link.get("url") if isinstance(link, dict) else None
        if not isinstance(url, str) or not on_domains(
                (urlsplit(url).hostname or "").lower(), domains):
            return (f"{url!r} is not a link on the bot's unfurl domains"
                    f" ({', '.join(domains)}): Pachca sends no link_shared for it")
    return None


def _pushed(store: Store, settings: dict[str, Any]) -> bool:
    return bool(settings.get("outgoing_url")) and store.on_delivery is not None


def deliver(store: Store, payload: dict[str, Any]) -> Event | None:
    """Deliver the event if Pachca would (``hand_over``); its history entry, if any."""
    kind = event_type(payload)
    if refusal(store, kind, payload) is not None:
        return None
    return hand_over(store, kind, payload)


def hand_over(store: Store, kind: str, payload: dict[str, Any]) -> Event | None:
    """Give the bot an event ``refusal`` lets through: into its history when it keeps
    one (the entry is returned), and to its outgoing webhook when it has one."""
    settings = store.bots[store.bot_id]
    event = store.add_event(kind, payload) if settings["events_history_enabled"] else None
    if store.on_delivery is not None and settings.get("outgoing_url"):
        store.on_delivery(payload)
    return event


def message_posted(store: Store, message: Message, chat: Chat) -> None:
    """Tell the bot of a new message: ``message_new``, then its links (``link_shared``)."""
    deliver(store, {
        "type": "message",
        "id": message.id,
        "event": "new",
        "entity_type": message.entity_type,
        "entity_id": message.entity_id,
        "content": message.content,
        "user_id": message.user_id,
        "created_at": format_ms(message.created_ms),
        "url": f"https://app.pachca.com/chats/{chat.id}?message={message.id}",
        "chat_id": chat.id,
        "parent_message_id": message.parent_message_id,
        "thread": _webhook_thread(store, chat),
        "webhook_timestamp": message.created_ms // 1000,
    })
    settings = store.bots.get(store.bot_id) or {}
    _share_links(store, message, links_of(message.content, settings.get("unfurl_domains") or []))


def message_edited(store: Store, message: Message, before: str) -> None:
    """Tell the unfurl bot of links an edit brought into ``message`` (none: nothing)."""
    settings = store.bots.get(store.bot_id) or {}
    domains = settings.get("unfurl_domains") or []
    old = {link["url"] for link in links_of(before, domains)}
    links = links_of(message.content, domains)
    if any(link["url"] not in old for link in links):
        _share_links(store, message, links)


def _share_links(store: Store, message: Message, links: list[dict[str, Any]]) -> None:
    """``link_shared`` for ``links`` (those of ``message`` on the unfurl domains), if any."""
    if not links:
        return
    for link in links:
        link["skip"] = link["url"] in message.hidden_previews
    deliver(store, {
        "type": "message",
        "event": "link_shared",
        "chat_id": message.chat_id,
        "message_id": message.id,
        "links": links,
        "user_id": message.user_id,
        "created_at": format_ms(message.created_ms),
        "webhook_timestamp": store.now_ms() // 1000,
    })


def _webhook_thread(store: Store, chat: Chat) -> dict[str, Any] | None:
    """``WebhookMessageThread`` of a comment (None outside threads)."""
    thread = store.threads.get(chat.thread_id) if chat.thread_id is not None else None
    if thread is None or thread.message_id is None or thread.message_chat_id is None:
        return None
    return {"message_id": thread.message_id, "message_chat_id": thread.message_chat_id}
