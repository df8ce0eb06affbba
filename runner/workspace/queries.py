"""List queries over the store: chats, messages, users, members, tags, events.

``list_chats`` picks the smallest candidate set before paging: the caller's own chats
when they belong to few, the slice of the last_message_at index when a time range is
given, otherwise the global index walked with a filter. Each page then costs a bisect
plus the records it inspects.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.workspace.models import Chat, Event, Message, User
from runner.workspace.paging import Key, paginate
from runner.workspace.store import Store

ShortCut = Callable[[Key, int], int]

#: Use a candidate subset when it holds fewer than this share of all chats.
_SUBSET_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class ChatFilter:
    """The filters of ``GET /chats``."""

    user_id: int
    availability: str = "is_member"
    archived: bool = False
    personal: bool | None = None
    after_ms: int | None = None
    before_ms: int | None = None
    sort: str = "id"
    order: str = "desc"


def _chat_predicate(store: Store, f: ChatFilter) -> Callable[[Chat], bool]:
    mine = store.user_chats.get(f.user_id, set())
    after = f.after_ms if f.after_ms is not None else -(2**62)
    before = f.before_ms if f.before_ms is not None else 2**62

    def ok(chat: Chat) -> bool:
        if chat.thread_id is not None:  # a thread's chat is listed by GET /threads only
            return False
        if chat.archived and not f.archived:
            return False
        if f.personal is not None and chat.personal != f.personal:
            return False
        if f.availability == "public":
            if not chat.public:
                return False
        elif chat.id not in mine:
            return False
        return after <= chat.last_message_ms <= before

    return ok


def list_chats(
    store: Store, f: ChatFilter, *, limit: int, cursor: str | None, short_cut: ShortCut | None
) -> tuple[list[Chat], dict[str, Any]]:
    """One page of ``GET /chats``."""
    chats = store.chats
    ok = _chat_predicate(store, f)
    by_lma = f.sort == "last_message_at"
    total = len(chats)
    index: list[Key] = store.chat_lma if by_lma else store.chat_ids
    ranged = f.after_ms is not None or f.before_ms is not None
    if ranged:
        lo = bisect.bisect_left(store.chat_lma, (f.after_ms if f.after_ms is not None else -1,))
        hi = bisect.bisect_right(
            store.chat_lma, (f.before_ms if f.before_ms is not None else 2**62, 2**62)
        )
        if by_lma:
            index = store.chat_lma[lo:hi]
        elif hi - lo < total * _SUBSET_SHARE:
            index = sorted((cid,) for _, cid in store.chat_lma[lo:hi])
    if f.availability == "is_member":
        mine = store.user_chats.get(f.user_id, set())
        if len(mine) < min(len(index), total * _SUBSET_SHARE):
            index = _own_index(store, f.user_id, by_lma)

    def match(key: Key) -> bool:
        return ok(chats[key[-1]])

    keys, meta = paginate(
        index,
        limit=limit,
        cursor=cursor,
        descending=f.order == "desc",
        match=match,
        short_cut=short_cut,
    )
    return [chats[k[-1]] for k in keys], meta


def _own_index(store: Store, user_id: int, by_lma: bool) -> list[Key]:
    """The user's chats as a sorted index, cached until chats change (a poller pages
    through the same list many times)."""
    key = ("own", user_id, by_lma, store.chat_version)
    index = store.query_cache.get(key)
    if index is None:
        mine = store.user_chats.get(user_id, set())
        if by_lma:
            index = sorted((store.chats[cid].last_message_ms, cid) for cid in mine)
        else:
            index = sorted((cid,) for cid in mine)
        if len(store.query_cache) > 64:
            store.query_cache.clear()
        store.query_cache[key] = index
    return index


def list_messages(
    store: Store,
    chat_id: int,
    *,
    order: str,
    limit: int,
    cursor: str | None,
    short_cut: ShortCut | None,
) -> tuple[list[Message], dict[str, Any]]:
    """One page of ``GET /messages`` (sort is always by id, which grows with time)."""
    keys, meta = paginate(
        store.chat_messages[chat_id],
        limit=limit,
        cursor=cursor,
        descending=order == "desc",
        short_cut=short_cut,
    )
    return [store.messages[k[0]] for k in keys], meta


def list_users(
    store: Store, *, limit: int, cursor: str | None, short_cut: ShortCut | None
) -> tuple[list[User], dict[str, Any]]:
    """One page of ``GET /users`` without a query (ascending ids)."""
    keys, meta = paginate(
        store.user_index, limit=limit, cursor=cursor, descending=False, short_cut=short_cut
    )
    return [store.users[k[0]] for k in keys], meta


def search_users(
    store: Store, query: str, *, limit: int, cursor: str | None,
    sees_email: Callable[[User], bool],
) -> tuple[list[User], dict[str, Any]]:
    """``GET /users?query=``: search semantics, meta is ``total`` + ``paginate.next_page``;
    an email matches only where the caller may see it (``sees_email``)."""
    needle = query.casefold().strip()

    def hit(user: User) -> bool:
        email = user.email if sees_email(user) else None
        return any(
            needle in (text or "").casefold()
            for text in (user.first_name, user.last_name, user.nickname, email, user.full_name)
        )

    index = [(u.id,) for u in store.users.values() if hit(u)]
    keys, meta = paginate(index, limit=limit, cursor=cursor, descending=False)
    return [store.users[k[0]] for k in keys], {
        "total": len(index),
        "paginate": {"next_page": meta["paginate"]["next_page"]},
    }


def list_members(
    store: Store,
    chat: Chat,
    *,
    role: str,
    limit: int,
    cursor: str | None,
    short_cut: ShortCut | None,
) -> tuple[list[User], dict[str, Any]]:
    """One page of ``GET /chats/{id}/members`` (ascending user ids)."""

    def role_of(uid: int) -> str:
        if uid == chat.owner_id:
            return "owner"
        if uid in chat.admin_ids:
            return "admin"
        if uid in chat.editor_ids:
            return "editor"
        return "member"

    match = None if role == "all" else (lambda key: role_of(key[0]) == role)
    index = [(uid,) for uid in chat.member_ids]
    keys, meta = paginate(
        index, limit=limit, cursor=cursor, descending=False, match=match, short_cut=short_cut
    )
    return [store.users[k[0]] for k in keys], meta


def list_tag_users(
    store: Store, user_ids: list[int], *, limit: int, cursor: str | None, short_cut: ShortCut | None
) -> tuple[list[User], dict[str, Any]]:
    """One page of ``GET /group_tags/{id}/users``."""
    keys, meta = paginate(
        [(uid,) for uid in user_ids],
        limit=limit,
        cursor=cursor,
        descending=False,
        short_cut=short_cut,
    )
    return [store.users[k[0]] for k in keys], meta


def list_events(
    store: Store, *, limit: int, cursor: str | None, short_cut: ShortCut | None
) -> tuple[list[Event], dict[str, Any]]:
    """One page of the bot's event history, newest first (the official SDKs' pollers
    reverse each page to handle events in time order)."""
    keys, meta = paginate(
        store.event_index, limit=limit, cursor=cursor, descending=True, short_cut=short_cut
    )
    return [store.events[k[0]] for k in keys], meta
