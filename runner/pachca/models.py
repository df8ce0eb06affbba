"""Typed views of what the runner reads from Pachca.

Only the fields the runner uses are declared; unknown fields are tolerated
(``extra="ignore"``) so a Pachca release that adds fields breaks nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class PachcaModel(BaseModel):
    """Base of every API model: tolerant of new fields, immutable once read."""

    # Each model's validator is built on its first use, not at import: a run uses a few
    # of these (a digest: Chat, Message, TokenInfo, PaginationMeta), and every process
    # that imports the client would otherwise pay to build them all.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class Chat(PachcaModel):
    """A chat: a channel or a conversation, group or direct (``personal``)."""

    id: int
    name: str
    created_at: datetime
    owner_id: int
    member_ids: list[int] = Field(default_factory=list)
    group_tag_ids: list[int] = Field(default_factory=list)
    channel: bool
    archived: bool = False
    personal: bool = False
    public: bool = False
    last_message_at: datetime
    meet_room_url: str | None = None


class User(PachcaModel):
    """A workspace member or bot."""

    id: int
    first_name: str | None = None
    last_name: str | None = None
    nickname: str = ""
    email: str | None = None
    role: str | None = None
    suspended: bool = False
    bot: bool = False
    created_at: datetime | None = None

    @property
    def display_name(self) -> str:
        """First and last name, or the nickname when both are empty."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.nickname or f"#{self.id}"


class Button(PachcaModel):
    """A message button: a link (``url``) or a callback (``data``)."""

    text: str
    url: str | None = None
    data: str | None = None


class ThreadRef(PachcaModel):
    """The thread started on a message: its id and its own chat."""

    id: int
    chat_id: int


class FileRef(PachcaModel):
    """A file attached to a message; ``url`` is a direct download link that expires, so
    it is read when wanted, never kept."""

    id: int
    key: str
    name: str
    file_type: str
    url: str


class Message(PachcaModel):
    """A message in a chat or thread (a comment: ``chat_id`` is the thread's chat,
    ``root_chat_id`` the chat the thread was started in)."""

    id: int
    entity_type: str = "discussion"
    entity_id: int
    chat_id: int
    root_chat_id: int | None = None
    content: str = ""
    user_id: int
    created_at: datetime
    buttons: list[list[Button]] | None = None
    parent_message_id: int | None = None
    thread: ThreadRef | None = None
    files: list[FileRef] = Field(default_factory=list)


class Task(PachcaModel):
    """A task (``GET /tasks``); ``due_at`` is None when it has no due date."""

    id: int
    kind: str
    content: str = ""
    due_at: datetime | None = None
    priority: int = 1
    user_id: int
    chat_id: int | None = None
    status: str
    created_at: datetime
    performer_ids: list[int] = Field(default_factory=list)
    all_day: bool = False


class Thread(PachcaModel):
    """A thread: a chat of its own (``chat_id``), started on a message or standalone
    (``message_id`` and ``message_chat_id`` null); ``updated_at`` moves with each comment."""

    id: int
    chat_id: int
    message_id: int | None = None
    message_chat_id: int | None = None
    updated_at: datetime


class Paginate(PachcaModel):
    """Cursor state of a list answer; ``has_next`` is the only end-of-data signal."""

    next_page: str | None = None
    prev_page: str | None = None
    has_next: bool = False
    has_prev: bool = False


class PaginationMeta(PachcaModel):
    """The ``meta`` of a list answer."""

    paginate: Paginate = Field(default_factory=Paginate)


class BotWebhook(PachcaModel):
    """The webhook settings of a bot (only what ``bot status`` shows)."""

    name: str | None = None
    nickname: str | None = None
    outgoing_url: str | None = None
    events: list[str] = Field(default_factory=list)
    events_history_enabled: bool = False
    link_preview_enabled: bool = False


class Bot(PachcaModel):
    """A bot as returned by ``PUT /bots/{id}``."""

    id: int
    webhook: BotWebhook


class TokenInfo(PachcaModel):
    """What a token is (``GET /oauth/token/info``): its user and its scopes."""

    id: int
    user_id: int
    scopes: list[str]
    name: str | None = None  # Pachca names only tokens made by hand: None for a bot's

    @property
    def is_bot(self) -> bool:
        """Whether this is a bot's token (granted on the bot's API tab, not Automations -> API)."""
        return self.name is None or any(s.startswith("bot_self:") for s in self.scopes)


class WebhookEvent(PachcaModel):
    """One event of a bot's event history (``GET /webhooks/events``)."""

    id: str
    event_type: str
    payload: dict[str, Any]
    created_at: datetime


class ButtonClick(PachcaModel):
    """Payload of a button click (``type: button, event: click``)."""

    type: Literal["button"]
    event: Literal["click"]
    message_id: int
    trigger_id: str
    data: str
    user_id: int
    chat_id: int
    webhook_timestamp: int


class SharedLink(PachcaModel):
    """One link of a ``link_shared`` event."""

    url: str
    domain: str
    skip: bool = False  # the author hid the preview: the bot must not make one


class LinkShared(PachcaModel):
    """Payload of a ``link_shared`` event (a message with links of an unfurl bot)."""

    type: Literal["message"]
    event: Literal["link_shared"]
    chat_id: int
    message_id: int
    links: list[SharedLink]
    user_id: int
    created_at: datetime
    webhook_timestamp: int


class ExportReady(PachcaModel):
    """The webhook Pachca posts when a requested export is ready."""

    type: Literal["export"]
    event: Literal["ready"]
    export_id: int
    created_at: datetime | None = None
