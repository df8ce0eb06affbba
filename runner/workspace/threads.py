"""Threads: creating them, who may see them, and the ``GET /threads`` listing.

A thread is an object and a chat of its own (API-NOTES "Threads"). Its chat lives in
``Store.chats`` with ``thread_id`` set, so ``GET /messages``, ``POST /messages`` and
``POST /chats/{id}/members`` work on it as on any chat, but ``GET /chats`` never lists
it. Who may see a thread: members of its chat, and members of the chat it was started
in (open chats one has not joined do not count, as ``GET /threads`` documents). Members
of a thread may be people outside its parent chat.
"""

from __future__ import annotations

import bisect
from typing import Any

from runner.workspace.models import Chat, Message, Thread
from runner.workspace.paging import Key, paginate
from runner.workspace.store import Store

__all__ = ["add_comment", "list_threads", "may_see", "parent_chat", "start_thread"]


def start_thread(
    store: Store, creator_id: int, parent: Message | None, *, at_ms: int | None = None
) -> Thread:
    """The thread of ``parent`` (created if it has none), or a new standalone thread.

    The creator (and the parent message's author) are its chat's first members.
    """
    if parent is not None and parent.thread is not None:
        return store.threads[parent.thread[0]]
    now = store.now_ms() if at_ms is None else at_ms
    members = {creator_id} if parent is None else {creator_id, parent.user_id}
    thread_id = store.next_id("thread")
    chat = Chat(
        id=store.next_id("chat"),
        name="Тред" if parent is None else f"Тред в «{store.chats[parent.chat_id].name}»",
        created_ms=now,
        owner_id=creator_id,
        member_ids=sorted(members),
        admin_ids={creator_id},
        last_message_ms=now,
        thread_id=thread_id,
    )
    store.chats[chat.id] = chat
    store.chat_messages[chat.id] = []
    for uid in chat.member_ids:
        store.user_chats[uid].add(chat.id)
    store.chat_version += 1
    thread = Thread(
        id=thread_id,
        chat_id=chat.id,
        message_id=None if parent is None else parent.id,
        message_chat_id=None if parent is None else parent.chat_id,
        created_ms=now,
        updated_ms=now,
    )
    store.threads[thread_id] = thread
    bisect.insort(store.thread_index, (now, thread_id))
    if parent is not None:
        parent.thread = (thread_id, chat.id)
    return thread


def add_comment(
    store: Store, thread: Thread, user_id: int, content: str, **extra: Any
) -> Message:
    """Post a comment as ``user_id``, who joins the thread's chat if not in it yet."""
    chat = store.chats[thread.chat_id]
    store.add_member(chat, user_id)
    return store.post_message(chat, user_id, content, **extra)


def parent_chat(store: Store, thread: Thread) -> Chat | None:
    """The chat the thread was started in (None for a standalone thread)."""
    if thread.message_chat_id is None:
        return None
    return store.chats.get(thread.message_chat_id)


def may_see(store: Store, thread: Thread, user_id: int) -> bool:
    """Whether ``user_id`` is in the thread's chat or in the chat it was started in."""
    mine = store.user_chats.get(user_id, set())
    return thread.chat_id in mine or (
        thread.message_chat_id is not None and thread.message_chat_id in mine
    )


def list_threads(
    store: Store,
    user_id: int,
    *,
    after_ms: int | None,
    before_ms: int | None,
    limit: int,
    cursor: str | None,
    short_cut: Any = None,
) -> tuple[list[Thread], dict[str, Any]]:
    """One page of ``GET /threads``: newest activity first, bounds inclusive."""
    index: list[Key] = store.thread_index
    if after_ms is not None or before_ms is not None:
        lo = bisect.bisect_left(index, (after_ms if after_ms is not None else -(2**62),))
        hi = bisect.bisect_right(index, (before_ms if before_ms is not None else 2**62, 2**62))
        index = index[lo:hi]

    def visible(key: Key) -> bool:
        return may_see(store, store.threads[key[-1]], user_id)

    keys, meta = paginate(
        index, limit=limit, cursor=cursor, descending=True, match=visible, short_cut=short_cut
    )
    return [store.threads[k[-1]] for k in keys], meta
