"""Seeded threads: discussions under messages, chats alive only in their threads, and
standalone threads.

Runs after the chats and messages are loaded, from a ``Random`` of its own, so the
rest of the seeded workspace is the same with or without threads. Comments get message
ids after every seeded message, in time order within each thread; seeding posts no
events to the bot's history (people were talking before the bot listened).

- ``thread_share`` of the unarchived group chats with messages get one or two threads,
  each with a few comments between its message and now; some threads also have a member
  from outside the parent chat, who comments too.
- ``thread_only_chats`` conversations, the quietest on top (and the bot's quietest), get a
  thread on their last message with comments in the last ten days: a sweep that reads
  only ``last_message_at`` would archive them while people talk.
- ``standalone_threads`` threads belong to no chat.

Benchmarks seeding exact activity (``quiet_chats`` / ``active_chats``) get no threads.
"""

from __future__ import annotations

import random

from runner.workspace import names
from runner.workspace.clock import MS_PER_DAY
from runner.workspace.config import WorkspaceConfig
from runner.workspace.models import Chat, Message, Thread
from runner.workspace.store import Store
from runner.workspace.threads import start_thread

_MINUTE = 60_000


def seed_threads(store: Store, config: WorkspaceConfig, now: int) -> None:
    """Add the threads described in the module docstring to a seeded ``store``."""
    rng = random.Random(f"{config.seed}:threads")
    humans = [u.id for u in store.users.values() if not u.bot]
    groups = [c for c in store.chats.values()
              if not c.personal and not c.archived and c.thread_id is None
              and store.chat_messages[c.id]]
    quiet = sorted((c for c in groups if not c.channel), key=lambda c: (c.last_message_ms, c.id))
    with_bot = [c for c in quiet if store.bot_id in c.member_ids][:1]
    only = (with_bot + [c for c in quiet if c not in with_bot])[: config.thread_only_chats]
    for chat in only:
        parent = store.messages[store.chat_messages[chat.id][-1][0]]
        start = max(parent.created_ms + _MINUTE, now - 10 * MS_PER_DAY)
        if start >= now - _MINUTE:
            continue
        times = sorted(rng.randint(start, now - _MINUTE) for _ in range(rng.randint(2, 5)))
        _thread(store, rng, chat, parent, times, humans)
    chosen = {c.id for c in only}
    for chat in groups:
        if chat.id in chosen or rng.random() >= config.thread_share:
            continue
        keys = store.chat_messages[chat.id]
        for _ in range(rng.randint(1, 2)):
            parent = store.messages[rng.choice(keys)[0]]
            if parent.thread is not None:
                continue
            lo = parent.created_ms + _MINUTE
            hi = min(now - _MINUTE, lo + 30 * MS_PER_DAY)
            if hi <= lo:
                continue
            times = sorted(rng.randint(lo, hi) for _ in range(rng.randint(1, 8)))
            _thread(store, rng, chat, parent, times, humans)
    for _ in range(config.standalone_threads):
        creator = rng.choice(humans)
        created = now - rng.randint(1, 60) * MS_PER_DAY
        thread = start_thread(store, creator, None, at_ms=created)
        times = sorted(rng.randint(created + _MINUTE, now - _MINUTE)
                       for _ in range(rng.randint(1, 6)))
        for ms in times:
            _comment(store, rng, thread, creator, ms)


def _thread(store: Store, rng: random.Random, chat: Chat, parent: Message, times: list[int],
            humans: list[int]) -> None:
    """A thread on ``parent`` with comments at ``times`` by members (and an outsider)."""
    thread = start_thread(store, parent.user_id, parent, at_ms=parent.created_ms + 1)
    authors = [uid for uid in chat.member_ids if uid != store.bot_id] or [parent.user_id]
    if rng.random() < 0.2:
        special = {store.owner_id, store.bot_id, store.limited_id}
        outsiders = [uid for uid in humans if uid not in chat.member_ids and uid not in special]
        if outsiders:
            authors.append(rng.choice(outsiders))  # a member of the thread only
    for ms in times:
        _comment(store, rng, thread, rng.choice(authors), ms)


def _comment(store: Store, rng: random.Random, thread: Thread, author: int, ms: int) -> None:
    store.add_member(store.chats[thread.chat_id], author)
    mid = store.next_id("message")
    store.add_message(Message(mid, thread.chat_id, author, rng.choice(names.PHRASES), ms,
                              entity_type="thread", entity_id=thread.id,
                              root_chat_id=thread.message_chat_id))
