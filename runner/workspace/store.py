"""The in-memory data of one workspace, with the indexes that keep list calls fast.

Indexes (all ascending lists of key tuples, see ``paging``):
- ``chat_ids``: ``(id,)`` of every chat; ids only grow, so new chats are appended.
- ``chat_lma``: ``(last_message_ms, id)`` of every chat, kept sorted with bisect.
- ``user_chats``: user id -> set of chat ids (membership, used for ``is_member``).
- ``chat_messages``: chat id -> ``(message_id,)`` list; message ids grow with time.
- ``event_index``: ``(seq,)`` of the bot's event history, oldest first.
- ``thread_index``: ``(updated_ms, id)`` of every thread (``runner.workspace.threads``).
  A thread's chat is in ``chats`` (messages, members) but not in ``chat_ids`` / ``chat_lma``.

The store is touched only from the server's event loop (tests may read it directly).
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runner.workspace import delivery
from runner.workspace.clock import Clock
from runner.workspace.models import (
    Chat,
    Event,
    Export,
    GroupTag,
    Message,
    Thread,
    User,
    default_bot_webhook,
)
from runner.workspace.paging import Key
from runner.workspace.scopes import scopes_for

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

TOKEN_KINDS = ("owner", "bot", "limited")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """Who a token belongs to and what kind it is (``owner``, ``bot``, ``limited``)."""

    kind: str
    user_id: int


class Store:
    """Users, bots, group tags, chats, messages, events, exports and link previews."""

    def __init__(self, clock: Clock, rng: random.Random) -> None:
        self.clock = clock
        self._rng = rng
        self.users: dict[int, User] = {}
        self.user_index: list[Key] = []
        self.bots: dict[int, dict[str, Any]] = {}
        self.tags: dict[int, GroupTag] = {}
        self.tag_index: list[Key] = []
        self.chats: dict[int, Chat] = {}
        self.chat_ids: list[Key] = []
        self.chat_lma: list[Key] = []
        self.user_chats: dict[int, set[int]] = {}
        self.direct_pairs: dict[tuple[int, int], int] = {}
        self.messages: dict[int, Message] = {}
        self.deleted_messages: dict[int, Message] = {}
        self.chat_messages: dict[int, list[Key]] = {}
        self.events: dict[int, Event] = {}
        self.event_ids: dict[str, int] = {}
        self.event_index: list[Key] = []
        self.exports: dict[int, Export] = {}
        self.link_previews: list[dict[str, Any]] = []
        self.threads: dict[int, Thread] = {}
        self.thread_index: list[Key] = []
        self.reactions: dict[int, list[Any]] = {}  # message id -> routes_reactions.Reaction
        self.pins: set[int] = set()  # ids of pinned messages
        self.read_marks: dict[int, dict[int, int]] = {}
        #: Custom property definitions by entity type (``CustomPropertyDefinition``): none,
        #: as in a Pachca workspace whose admin added none (users and tasks show no values).
        self.custom_properties: dict[str, list[dict[str, Any]]] = {"User": [], "Task": []}  # chat -> user -> last read message
        self.tasks: dict[int, Any] = {}  # runner.workspace.tasks.Task by id
        self.upload_grants: dict[str, str] = {}  # policy -> key granted by POST /uploads
        self.files: dict[str, Any] = {}  # key -> runner.workspace.uploads.StoredFile
        self.tokens: dict[str, TokenInfo] = {}
        #: Called with each event delivered to the bot (``delivery``): the workspace's
        #: pusher sends it to the bot's outgoing webhook; None: the history alone.
        self.on_delivery: Callable[[dict[str, Any]], None] | None = None
        self.token_scopes: dict[str, frozenset[str]] = {}
        self.token_issued_ms: dict[str, int] = {}
        #: Bumped whenever chats, memberships or last_message_at change (query caches).
        self.chat_version = 0
        self.query_cache: dict[tuple[object, ...], list[Key]] = {}
        self.owner_id = 0
        self.bot_id = 0
        self.limited_id = 0
        self._next_ids = {
            "user": 10_001,
            "tag": 501,
            "chat": 100_001,
            "message": 1_000_001,
            "event": 1,
            "export": 22_301,
            "thread": 265_001,
            "reaction": 1,
        }

    # ------------------------------------------------------------------ ids, time
    def next_id(self, kind: str) -> int:
        """Allocate the next id of ``kind``."""
        value = self._next_ids[kind]
        self._next_ids[kind] = value + 1
        return value

    def now_ms(self) -> int:
        """The workspace clock, in ms."""
        return self.clock.now_ms()

    def now(self) -> datetime:
        """The workspace clock: real UTC time plus the offset tests may move."""
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass on the workspace clock."""
        self.clock.advance(seconds)

    def set_now(self, when: datetime) -> None:
        """Make the workspace clock read ``when`` (naive means UTC)."""
        self.clock.set_now(when)

    # ------------------------------------------------------------------ users, tags, bots
    def add_user(self, user: User) -> User:
        """Register a user (ids must be allocated in increasing order)."""
        self.users[user.id] = user
        self.user_index.append((user.id,))
        self.user_chats.setdefault(user.id, set())
        if user.bot:
            self.bots[user.id] = default_bot_webhook(user.full_name, user.nickname)
        return user

    def add_tag(self, tag: GroupTag) -> GroupTag:
        """Register a group tag and label its users with it."""
        tag.user_ids.sort()
        self.tags[tag.id] = tag
        self.tag_index.append((tag.id,))
        for uid in tag.user_ids:
            self.users[uid].list_tags.append(tag.name)
        return tag

    def issue_token(
        self, token: str, kind: str, user_id: int, scopes: frozenset[str] | None = None
    ) -> None:
        """Make ``token`` authenticate as ``user_id`` with rights of ``kind``, holding
        ``scopes`` (default: every scope a token of that kind may hold)."""
        self.tokens[token] = TokenInfo(kind, user_id)
        self.token_scopes[token] = scopes_for(kind) if scopes is None else scopes
        self.token_issued_ms[token] = self.now_ms()

    def token_of(self, kind: str) -> str:
        """The token issued for ``kind``."""
        return next(t for t, info in self.tokens.items() if info.kind == kind)

    # ------------------------------------------------------------------ chats
    def add_chat(self, chat: Chat) -> Chat:
        """Register a chat (ids in increasing order); members must already be sorted."""
        if not chat.last_message_ms:
            chat.last_message_ms = chat.created_ms
        self.chats[chat.id] = chat
        self.chat_ids.append((chat.id,))
        bisect.insort(self.chat_lma, (chat.last_message_ms, chat.id))
        for uid in chat.member_ids:
            self.user_chats[uid].add(chat.id)
        if chat.personal:
            a, b = chat.member_ids[0], chat.member_ids[-1]
            self.direct_pairs[(min(a, b), max(a, b))] = chat.id
        self.chat_messages[chat.id] = []
        self.chat_version += 1
        return chat

    def bulk_load_chats(self, chats: list[Chat]) -> None:
        """Register many chats at once (seeding): one sort instead of many inserts."""
        for chat in chats:
            if not chat.last_message_ms:
                chat.last_message_ms = chat.created_ms
            self.chats[chat.id] = chat
            self.chat_ids.append((chat.id,))
            self.chat_messages[chat.id] = []
            for uid in chat.member_ids:
                self.user_chats[uid].add(chat.id)
            if chat.personal:
                a, b = chat.member_ids[0], chat.member_ids[-1]
                self.direct_pairs[(min(a, b), max(a, b))] = chat.id
        self.chat_lma = sorted((c.last_message_ms, c.id) for c in self.chats.values())

    def set_last_message(self, chat: Chat, ms: int) -> None:
        """Move ``chat`` in the last_message_at index."""
        if ms == chat.last_message_ms:
            return
        old = (chat.last_message_ms, chat.id)
        pos = bisect.bisect_left(self.chat_lma, old)
        if pos < len(self.chat_lma) and self.chat_lma[pos] == old:
            del self.chat_lma[pos]
        chat.last_message_ms = ms
        bisect.insort(self.chat_lma, (ms, chat.id))
        self.chat_version += 1

    def add_member(self, chat: Chat, user_id: int) -> bool:
        """Add ``user_id`` to ``chat`` with the role joining gives; False if already in."""
        pos = bisect.bisect_left(chat.member_ids, user_id)
        if pos < len(chat.member_ids) and chat.member_ids[pos] == user_id:
            return False
        chat.member_ids.insert(pos, user_id)
        self.user_chats[user_id].add(chat.id)
        self.give_joining_role(chat, user_id)
        self.chat_version += 1
        return True

    def give_joining_role(self, chat: Chat, user_id: int) -> None:
        """The chat role Pachca gives on joining, never recomputed afterwards: workspace
        admins (the Owner too) become chat admins, a bot joining a channel an editor,
        everyone else a plain member (the creator is ``owner_id``)."""
        if user_id == chat.owner_id or chat.personal:
            return
        user = self.users[user_id]
        if user.role == "admin":
            chat.admin_ids.add(user_id)
        elif user.bot and chat.channel:
            chat.editor_ids.add(user_id)

    def set_chat_role(self, chat: Chat, user_id: int, role: str) -> None:
        """Make a member ``admin``, ``editor`` or a plain ``member`` (not the creator)."""
        chat.admin_ids.discard(user_id)
        chat.editor_ids.discard(user_id)
        if role == "admin":
            chat.admin_ids.add(user_id)
        elif role == "editor":
            chat.editor_ids.add(user_id)

    def remove_member(self, chat: Chat, user_id: int) -> bool:
        """Take ``user_id`` out of ``chat`` (and out of its roles); False if not in it."""
        pos = bisect.bisect_left(chat.member_ids, user_id)
        if pos >= len(chat.member_ids) or chat.member_ids[pos] != user_id:
            return False
        del chat.member_ids[pos]
        self.user_chats[user_id].discard(chat.id)
        chat.admin_ids.discard(user_id)
        chat.editor_ids.discard(user_id)
        self.chat_version += 1
        return True

    def is_member(self, chat: Chat, user_id: int) -> bool:
        """Whether ``user_id`` belongs to ``chat``."""
        return chat.id in self.user_chats.get(user_id, ())

    def create_chat(
        self,
        name: str,
        owner_id: int,
        member_ids: list[int],
        *,
        channel: bool = False,
        public: bool = False,
        personal: bool = False,
        group_tag_ids: list[int] | None = None,
    ) -> Chat:
        """Create a chat now; ``owner_id`` is its creator, the others get joining roles."""
        members = sorted(set(member_ids) | {owner_id})
        chat = Chat(
            id=self.next_id("chat"),
            name=name,
            created_ms=self.now_ms(),
            owner_id=owner_id,
            member_ids=members,
            channel=channel,
            public=public,
            personal=personal,
            group_tag_ids=sorted(set(group_tag_ids or [])),
        )
        for uid in members:
            self.give_joining_role(chat, uid)
        return self.add_chat(chat)

    def direct_chat(self, a: int, b: int) -> Chat:
        """The direct chat between users ``a`` and ``b``, created if missing."""
        chat_id = self.direct_pairs.get((min(a, b), max(a, b)))
        if chat_id is not None:
            return self.chats[chat_id]
        name = f"{self.users[a].full_name}, {self.users[b].full_name}"
        return self.create_chat(name, a, [a, b], personal=True)

    # ------------------------------------------------------------------ messages
    def add_message(self, message: Message) -> Message:
        """Store a message and keep the chat's last_message_at consistent.

        A comment moves its thread's ``updated_at``, never the parent chat's
        last_message_at (API-NOTES: assume it does not).
        """
        self.messages[message.id] = message
        keys = self.chat_messages[message.chat_id]
        keys.append((message.id,))
        chat = self.chats[message.chat_id]
        if chat.thread_id is not None:
            chat.last_message_ms = max(chat.last_message_ms, message.created_ms)
            self.touch_thread(self.threads[chat.thread_id], message.created_ms)
        elif message.created_ms > chat.last_message_ms:
            self.set_last_message(chat, message.created_ms)
        return message

    def touch_thread(self, thread: Thread, ms: int) -> None:
        """Move ``thread`` in the thread index to its newest activity ``ms``."""
        if ms <= thread.updated_ms:
            return
        old = (thread.updated_ms, thread.id)
        pos = bisect.bisect_left(self.thread_index, old)
        if pos < len(self.thread_index) and self.thread_index[pos] == old:
            del self.thread_index[pos]
        thread.updated_ms = ms
        bisect.insort(self.thread_index, (ms, thread.id))

    def post_message(
        self,
        chat: Chat,
        user_id: int,
        content: str,
        *,
        entity_type: str = "discussion",
        entity_id: int | None = None,
        buttons: list[list[dict[str, str]]] | None = None,
        display_name: str | None = None,
        display_avatar_url: str | None = None,
        at_ms: int | None = None,
        hidden_previews: frozenset[str] = frozenset(),
        parent_message_id: int | None = None,
    ) -> Message:
        """Create a message now (ids and times grow together) and tell the bot
        (``delivery``: ``message_new``, and ``link_shared`` for its unfurl domains).

        In a thread's chat the message is a comment: ``entity_type`` thread, the thread's
        id, and ``root_chat_id`` the chat the thread was started in. ``at_ms`` backdates
        it (seeding only; it must not precede the chat's newest message).
        """
        now = self.now_ms() if at_ms is None else at_ms
        thread = self.threads[chat.thread_id] if chat.thread_id is not None else None
        if thread is not None:
            entity_type, entity_id = "thread", thread.id
        message = Message(
            id=self.next_id("message"),
            chat_id=chat.id,
            user_id=user_id,
            content=content,
            created_ms=now,
            entity_type=entity_type,
            entity_id=chat.id if entity_id is None else entity_id,
            buttons=buttons,
            display_name=display_name,
            display_avatar_url=display_avatar_url,
            root_chat_id=thread.message_chat_id if thread is not None else None,
            hidden_previews=hidden_previews,
            parent_message_id=parent_message_id,
        )
        self.add_message(message)
        delivery.message_posted(self, message, chat)
        return message

    def delete_message(self, message: Message) -> None:
        """Remove a message from its chat; last_message_at is left as it was, as Pachca
        does, and the message still answers by id (``deleted_messages``)."""
        del self.messages[message.id]
        message.deleted_ms = self.now_ms()
        self.deleted_messages[message.id] = message
        keys = self.chat_messages[message.chat_id]
        pos = bisect.bisect_left(keys, (message.id,))
        if pos < len(keys) and keys[pos] == (message.id,):
            del keys[pos]

    # ------------------------------------------------------------------ events
    def _ulid(self, ms: int) -> str:
        """A ULID-like id: 48 bits of time, 80 seeded random bits, Crockford base32."""
        value = (ms << 80) | self._rng.getrandbits(80)
        return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))

    def add_event(self, event_type: str, payload: dict[str, Any]) -> Event:
        """Append an event to the bot's history."""
        now = self.now_ms()
        event = Event(id=self._ulid(now), event_type=event_type, payload=payload, created_ms=now)
        seq = self.next_id("event")
        self.events[seq] = event
        self.event_ids[event.id] = seq
        self.event_index.append((seq,))
        return event

    def delete_event(self, event_id: str) -> bool:
        """Remove an event from the history; False if unknown."""
        seq = self.event_ids.pop(event_id, None)
        if seq is None:
            return False
        del self.events[seq]
        pos = bisect.bisect_left(self.event_index, (seq,))
        del self.event_index[pos]
        return True

    # ------------------------------------------------------------------ summary
    def counts(self) -> dict[str, int]:
        """How many records of each kind the workspace holds."""
        personal = sum(1 for c in self.chats.values() if c.personal)
        chats = len(self.chats) - len(self.threads)  # a thread's chat is not a chat of its own
        return {
            "users": len(self.users),
            "group_tags": len(self.tags),
            "chats": chats,
            "direct_chats": personal,
            "group_chats": chats - personal,
            "threads": len(self.threads),
            "archived_chats": sum(1 for c in self.chats.values() if c.archived),
            "messages": len(self.messages),
            "events": len(self.events),
            "exports": len(self.exports),
        }
