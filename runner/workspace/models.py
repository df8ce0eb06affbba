"""Records of the workspace and their JSON shapes, exactly as the OpenAPI spec draws them.

Records use ``__slots__`` because the workspace may hold 100,000 chats and as many
messages; times are integer ms (see ``clock``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runner.workspace.clock import format_ms

APP_URL = "https://app.pachca.com"


@dataclass(slots=True)
class User:
    """A person or a bot in the workspace."""

    id: int
    first_name: str
    last_name: str
    nickname: str
    email: str | None
    department: str | None
    title: str | None
    role: str
    created_ms: int
    last_activity_ms: int | None
    bot: bool = False
    suspended: bool = False
    list_tags: list[str] = field(default_factory=list)
    #: The ``UserStatus`` object set through the status calls (None: no status).
    status: dict[str, Any] | None = None

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}".strip()

    def to_json(self, personal: bool = True) -> dict[str, Any]:
        """The ``User`` schema (``personal=False``: ``email`` and ``phone_number`` null,
        as a caller not allowed to see personal data gets them)."""
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "nickname": self.nickname,
            "email": self.email if personal else None,
            "phone_number": None,
            "department": self.department,
            "title": self.title,
            "role": self.role,
            "suspended": self.suspended,
            "invite_status": "confirmed",
            "inviter_id": None,
            "list_tags": list(self.list_tags),
            "custom_properties": [],
            "user_status": self.status,
            "bot": self.bot,
            "sso": False,
            "created_at": format_ms(self.created_ms),
            "last_activity_at": (
                format_ms(self.last_activity_ms) if self.last_activity_ms is not None else None
            ),
            "time_zone": "Europe/Moscow",
            "image_url": None,
        }


def default_bot_webhook(name: str, nickname: str) -> dict[str, Any]:
    """The ``BotWebhook`` settings of a freshly seeded bot."""
    return {
        "name": name,
        "nickname": nickname,
        "outgoing_url": None,
        "events": ["message_new", "button_click"],
        "trigger_on": "all_messages",
        "commands": [],
        "scopes": ["messages:create", "messages:read", "chats:read"],
        "template": None,
        "template_engine": "liquid",
        "challenge_key": None,
        "link_preview_enabled": True,
        "ignore_self_messages": True,
        "events_history_enabled": True,
        "single_chat": False,
        "can_edit": ["admin"],
        "who_can_add": "creator",
        # Not in the spec at hand, but Pachca sends it and the official SDK (1.6) cannot
        # read a bot without it; an extra property leaves the spec's schema satisfied.
        "unfurl_domains": [],
    }


@dataclass(slots=True)
class GroupTag:
    """A group tag (a named set of users)."""

    id: int
    name: str
    user_ids: list[int] = field(default_factory=list)  # kept sorted

    def to_json(self) -> dict[str, Any]:
        """The ``GroupTag`` schema."""
        return {"id": self.id, "name": self.name, "users_count": len(self.user_ids)}


@dataclass(slots=True)
class Chat:
    """A conversation, a channel or a direct (personal) chat."""

    id: int
    name: str
    created_ms: int
    owner_id: int
    member_ids: list[int]  # kept sorted: the members endpoint pages over it
    channel: bool = False
    personal: bool = False
    public: bool = False
    archived: bool = False
    group_tag_ids: list[int] = field(default_factory=list)
    #: Chat roles besides the creator (``owner_id``): set on joining, changed only by
    #: an admin (see ``access``); every other member is a plain member.
    admin_ids: set[int] = field(default_factory=set)
    editor_ids: set[int] = field(default_factory=set)
    #: Equal to ``created_ms`` until the first message: the spec makes it non-null.
    last_message_ms: int = 0
    #: Set on a thread's own chat: such chats are never listed by ``GET /chats``.
    thread_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``Chat`` schema."""
        return {
            "id": self.id,
            "name": self.name,
            "created_at": format_ms(self.created_ms),
            "owner_id": self.owner_id,
            "member_ids": list(self.member_ids),
            "group_tag_ids": list(self.group_tag_ids),
            "channel": self.channel,
            "archived": self.archived,
            "personal": self.personal,
            "public": self.public,
            "last_message_at": format_ms(self.last_message_ms),
            "meet_room_url": f"https://meet.pachca.com/room-{self.id:x}",
        }


@dataclass(slots=True)
class Message:
    """A message in a chat."""

    id: int
    chat_id: int
    user_id: int
    content: str
    created_ms: int
    entity_type: str = "discussion"
    entity_id: int = 0
    buttons: list[list[dict[str, str]]] | None = None
    changed_ms: int | None = None
    display_name: str | None = None
    display_avatar_url: str | None = None
    #: (thread id, thread chat id) once a thread is started on this message.
    thread: tuple[int, int] | None = None
    #: For a comment: the chat the thread was started in (None: ``chat_id``).
    root_chat_id: int | None = None
    #: Set when deleted: the message still answers ``GET /messages/{id}``, without text.
    deleted_ms: int | None = None
    #: Attached files, as the spec's ``File`` objects.
    files: list[dict[str, Any]] | None = None
    #: Links whose preview the author hid (Pachca's UI): ``skip`` in ``link_shared``.
    hidden_previews: frozenset[str] = frozenset()
    #: The message this one replies to (in the same chat).
    parent_message_id: int | None = None

    def to_json(self, content: bool = True) -> dict[str, Any]:
        """The ``Message`` schema (``content=False`` blanks the text, as exports of DMs do)."""
        return {
            "id": self.id,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "chat_id": self.chat_id,
            "root_chat_id": self.chat_id if self.root_chat_id is None else self.root_chat_id,
            "content": self.content if content and self.deleted_ms is None else "",
            "user_id": self.user_id,
            "created_at": format_ms(self.created_ms),
            "url": f"{APP_URL}/chats/{self.chat_id}?message={self.id}",
            "files": list(self.files or []),
            "voice_content": None,
            "buttons": self.buttons,
            "thread": (
                {"id": self.thread[0], "chat_id": self.thread[1]} if self.thread else None
            ),
            "forwarding": None,
            "parent_message_id": self.parent_message_id,
            "display_avatar_url": self.display_avatar_url,
            "display_name": self.display_name,
            "changed_at": format_ms(self.changed_ms) if self.changed_ms is not None else None,
            "deleted_at": format_ms(self.deleted_ms) if self.deleted_ms is not None else None,
        }


@dataclass(slots=True)
class Thread:
    """A thread: a chat of its own, started on a message or standalone."""

    id: int
    chat_id: int
    message_id: int | None
    message_chat_id: int | None
    created_ms: int
    #: The newest comment's time (the creation's until the first): ``updated_at``.
    updated_ms: int

    def to_json(self) -> dict[str, Any]:
        """The ``Thread`` schema."""
        return {
            "id": self.id,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "message_chat_id": self.message_chat_id,
            "updated_at": format_ms(self.updated_ms),
        }


@dataclass(slots=True)
class Event:
    """One entry of the bot's event history."""

    id: str
    event_type: str
    payload: dict[str, Any]
    created_ms: int

    def to_json(self) -> dict[str, Any]:
        """The ``WebhookEvent`` schema."""
        return {
            "id": self.id,
            "event_type": self.event_type,
            "payload": self.payload,
            "created_at": format_ms(self.created_ms),
        }


@dataclass(slots=True)
class Export:
    """One requested export and its progress."""

    id: int
    start_day: str
    end_day: str
    webhook_url: str
    chat_ids: list[int] | None
    skip_chats_file: bool
    requested_ms: int
    status: str = "pending"  # pending -> ready | failed
    archive: bytes | None = None
    ready_ms: int | None = None
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    webhook_held: bool = False  # ready, its webhook waiting at the hold right now
    webhook_released: bool = False  # a test let its webhook go whatever the hold says
    download_held: bool = False  # a test keeps its download waiting at the door
    downloads_waiting: int = 0  # download requests waiting at that door right now

    def to_json(self) -> dict[str, Any]:
        """How the control API shows an export (not a Pachca schema)."""
        return {
            "id": self.id,
            "status": self.status,
            "start_at": self.start_day,
            "end_at": self.end_day,
            "webhook_url": self.webhook_url,
            "chat_ids": self.chat_ids,
            "skip_chats_file": self.skip_chats_file,
            "requested_at": format_ms(self.requested_ms),
            "ready_at": format_ms(self.ready_ms) if self.ready_ms is not None else None,
            "size": len(self.archive) if self.archive is not None else None,
            "deliveries": list(self.deliveries),
            "webhook_held": self.webhook_held,
            "webhook_released": self.webhook_released,
            "download_held": self.download_held,
            "downloads_waiting": self.downloads_waiting,
        }
