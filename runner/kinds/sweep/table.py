"""The sweep's tables: ``chats`` (what it knows of each chat) and ``actions`` (what each
run did to one).

Defined on the store's ``metadata`` and created through ``SweepKind.tables``: names,
columns and indexes are those schema version 1 created, so older stores keep theirs.
``actions`` points at its run, so pruning a run takes its actions first. Each function
is one transaction of the synchronous store; async code reaches them through
``SweepRecords``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKey,
    Index,
    String,
    Table,
    func,
    or_,
    select,
)

from runner.kinds.sweep.rows import ACTIONS, CHAT_FIELDS, ActionRecord, ChatState, ChatWrite
from runner.state.records import IN_CHUNK, checked_fields
from runner.state.schema import Id, JsonText, UtcDateTime, metadata, one_of

if TYPE_CHECKING:
    from runner.state import StateStore

chats = Table(
    "chats",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("warned_at", UtcDateTime),
    Column("warning_message_id", BigInteger),
    Column("warned_by_run", BigInteger),
    Column("kept_until", UtcDateTime),
    Column("keep_by_user", BigInteger),
    Column("archive_requested_at", UtcDateTime),
    Column("archive_requested_by", BigInteger),
    Column("archived_at", UtcDateTime),
    Column("archived_by_run", BigInteger),
    Column("unarchived_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)

actions = Table(
    "actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("action", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("detail", JsonText),
    one_of("action", ACTIONS),
    Index("ix_actions_run", "run_id"),
    Index("ix_actions_chat", "chat_id"),
)


def chat_state(store: StateStore, chat_id: int) -> ChatState | None:
    """What is known about one chat, or None."""
    with store.read() as conn:
        return _chat(conn, chat_id)


def _chat(conn: Connection, chat_id: int) -> ChatState | None:
    row = conn.execute(select(chats).where(chats.c.chat_id == chat_id)).mappings().first()
    return ChatState.from_row(row) if row else None


def update_chat(store: StateStore, chat_id: int, **fields: Any) -> ChatState:
    """Set some fields of a chat's state (creating it), and return the new state.

    Only ``ChatState`` field names are accepted (ValueError otherwise); None clears.
    """
    statement = _chat_upsert(store, chat_id, fields)
    with store.write() as conn:
        conn.execute(statement)
        state = _chat(conn, chat_id)
    assert state is not None  # just upserted in this transaction
    return state


def write_chats(store: StateStore, writes: Sequence[ChatWrite]) -> None:
    """Several chats' changes and actions in one transaction.

    A sweep groups the writes of its concurrent archives this way: one commit for many
    chats instead of one per write. Each write is validated before any runs.
    """
    statements = []
    for w in writes:
        if w.action is not None:
            run_id, action, detail = w.action
            statements.append(_action_insert(store, run_id, w.chat_id, action, detail))
        if w.changes:
            statements.append(_chat_upsert(store, w.chat_id, w.changes))
    with store.write() as conn:
        for statement in statements:
            conn.execute(statement)


def read_then_write_chats(
    store: StateStore,
    items: Sequence[tuple[int, Callable[[ChatState | None], Mapping[str, Any]]]],
) -> list[ChatState | None]:
    """For each (chat id, ``change``): the chat's state, and ``change(state)`` written to
    it, all in one transaction; the states as they were read, in order.

    An archive's intent depends on the chat's state (warned or not): reading and
    recording it in one commit, grouped for concurrent archives, saves a round trip
    through the store per chat.
    """
    wanted = sorted({chat_id for chat_id, _ in items})
    found: dict[int, ChatState] = {}
    with store.write() as conn:
        for i in range(0, len(wanted), IN_CHUNK):
            query = select(chats).where(chats.c.chat_id.in_(wanted[i : i + IN_CHUNK]))
            for row in conn.execute(query).mappings():
                found[row["chat_id"]] = ChatState.from_row(row)
        for chat_id, change in items:
            fields = change(found.get(chat_id))
            if fields:
                conn.execute(_chat_upsert(store, chat_id, fields))
    return [found.get(chat_id) for chat_id, _ in items]


def _chat_upsert(store: StateStore, chat_id: int, fields: Mapping[str, Any]) -> Any:
    values = checked_fields(fields, CHAT_FIELDS, "chat")
    values["updated_at"] = store.now()
    return (
        store.insert(chats)
        .values(chat_id=chat_id, **values)
        .on_conflict_do_update(index_elements=["chat_id"], set_=values)
    )


def chat_states(store: StateStore, chat_ids: Iterable[int]) -> dict[int, ChatState]:
    """States of many chats at once; chats never seen are absent from the result."""
    wanted = sorted(set(chat_ids))
    found: dict[int, ChatState] = {}
    with store.read() as conn:
        for i in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[i : i + IN_CHUNK]
            query = select(chats).where(chats.c.chat_id.in_(chunk))
            for row in conn.execute(query).mappings():
                found[row["chat_id"]] = ChatState.from_row(row)
    return found


def open_sweep_chats(store: StateStore) -> list[ChatState]:
    """Chats a sweep warned (or began to archive) and has not archived, by id.

    The sweep fetches these by id: its warning moved their last message, so the
    inactive-chat date filter no longer finds them.
    """
    query = (
        select(chats)
        .where(
            chats.c.archived_at.is_(None),
            or_(chats.c.warned_by_run.is_not(None), chats.c.archived_by_run.is_not(None)),
        )
        .order_by(chats.c.chat_id)
    )
    with store.read() as conn:
        return [ChatState.from_row(r) for r in conn.execute(query).mappings()]


def record_action(store: StateStore, run_id: int, chat_id: int, action: str,
                  detail: Mapping[str, Any] | None = None) -> int:
    """Record what a run did to a chat; returns the action's id."""
    statement = _action_insert(store, run_id, chat_id, action, detail)
    with store.write() as conn:
        return int(conn.execute(statement.returning(actions.c.id)).scalar_one())


def _action_insert(store: StateStore, run_id: int, chat_id: int, action: str,
                   detail: Mapping[str, Any] | None) -> Any:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
    return actions.insert().values(
        run_id=run_id, chat_id=chat_id, action=action, at=store.now(),
        detail=dict(detail or {}),
    )


def actions_of(store: StateStore, run_id: int, action: str | None = None
               ) -> list[ActionRecord]:
    """Actions of one run in the order they were made, optionally of one kind."""
    query = select(actions).where(actions.c.run_id == run_id).order_by(actions.c.id)
    if action is not None:
        query = query.where(actions.c.action == action)
    with store.read() as conn:
        return [ActionRecord.from_row(r) for r in conn.execute(query).mappings()]


def count_actions(store: StateStore, run_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """How many of each action each of ``run_ids`` recorded (runs with none left out)."""
    counted: dict[int, dict[str, int]] = {}
    query = (select(actions.c.run_id, actions.c.action, func.count())
             .where(actions.c.run_id.in_(list(run_ids)))
             .group_by(actions.c.run_id, actions.c.action))
    with store.read() as conn:
        for run_id, action, n in conn.execute(query):
            counted.setdefault(int(run_id), {})[str(action)] = int(n)
    return counted
