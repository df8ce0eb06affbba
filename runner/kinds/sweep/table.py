"""The sweep's tables: ``chats`` (what it knows of each chat) and ``actions`` (what each
run did to one).

Defined on the store's ``metadata`` and created with the store's own (``TABLES``, which
the registry reads without importing the kind): names, columns and indexes are those
schema version 1 created, so older stores keep theirs.
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
    bindparam,
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

TABLES = (chats, actions)
"""The sweep's own tables, created and migrated with the store's."""


def chat_state(store: StateStore, chat_id: int) -> ChatState | None:
    """What is known about one chat, or None."""
    with store.read() as conn:
        return _states(conn, [chat_id]).get(chat_id)


# Statements built once and run with parameters: SQLAlchemy compiles each once and
# finds it again by a memoised key, where a statement built per chat costs its
# construction, a fresh cache key and a lookup every time (most of a sweep's store CPU).
_BY_IDS = select(chats).where(chats.c.chat_id.in_(bindparam("ids", expanding=True)))
_ACTION_INSERT = actions.insert()
_UPSERTS: dict[tuple[str, tuple[str, ...]], Any] = {}


def _states(conn: Connection, chat_ids: Iterable[int]) -> dict[int, ChatState]:
    wanted = sorted(set(chat_ids))
    found: dict[int, ChatState] = {}
    for i in range(0, len(wanted), IN_CHUNK):
        for row in conn.execute(_BY_IDS, {"ids": wanted[i : i + IN_CHUNK]}).mappings():
            found[row["chat_id"]] = ChatState.from_row(row)
    return found


def update_chat(store: StateStore, chat_id: int, **fields: Any) -> ChatState:
    """Set some fields of a chat's state (creating it), and return the new state.

    Only ``ChatState`` field names are accepted (ValueError otherwise); None clears.
    """
    upserts = _chat_upserts(store, [(chat_id, fields)])
    with store.write() as conn:
        _run(conn, upserts)
        state = _states(conn, [chat_id]).get(chat_id)
    assert state is not None  # just upserted in this transaction
    return state


def write_chats(store: StateStore, writes: Sequence[ChatWrite]) -> None:
    """Several chats' changes and actions in one transaction.

    A sweep groups the writes of its concurrent archives this way: one commit for many
    chats instead of one per write. Each write is validated before any runs.
    """
    statements = _writes(store, writes)
    with store.write() as conn:
        _run(conn, statements)


def read_then_write_chats(
    store: StateStore,
    items: Sequence[tuple[int, Callable[[ChatState | None], Mapping[str, Any]]]],
    writes: Sequence[ChatWrite] = (),
) -> list[ChatState | None]:
    """For each (chat id, ``change``): the chat's state, and ``change(state)`` written to
    it, all in one transaction (with ``writes`` too, as ``write_chats`` makes them); the
    states as they were read, in order.

    An archive's intent depends on the chat's state (warned or not): reading and
    recording the intents of a group of archives in one commit saves a round trip
    through the store per chat.
    """
    statements = _writes(store, writes)
    with store.write() as conn:
        found = _states(conn, [chat_id for chat_id, _ in items])
        changes = [(chat_id, change(found.get(chat_id))) for chat_id, change in items]
        statements += _chat_upserts(store, [(c, fields) for c, fields in changes if fields])
        _run(conn, statements)
    return [found.get(chat_id) for chat_id, _ in items]


Statements = list[tuple[Any, list[dict[str, Any]]]]
"""Statements with the parameter rows each runs with (one ``executemany`` each)."""


def _run(conn: Connection, statements: Statements) -> None:
    for statement, rows in statements:
        conn.execute(statement, rows)


def _writes(store: StateStore, writes: Sequence[ChatWrite]) -> Statements:
    """The statements of ``writes``, every write checked before any is run."""
    inserts = [_action_row(store, w.chat_id, *w.action) for w in writes if w.action is not None]
    statements = _chat_upserts(store, [(w.chat_id, w.changes) for w in writes if w.changes])
    return [(_ACTION_INSERT, inserts), *statements] if inserts else statements


def _chat_upserts(store: StateStore,
                  changes: Sequence[tuple[int, Mapping[str, Any]]]) -> Statements:
    """Upserts of chats' fields: one statement per set of fields, a row per chat."""
    now = store.now()
    by_fields: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for chat_id, fields in changes:
        values = checked_fields(fields, CHAT_FIELDS, "chat")
        values["updated_at"] = now
        by_fields.setdefault(tuple(sorted(values)), []).append({"chat_id": chat_id, **values})
    return [(_upsert(store, names), rows) for names, rows in by_fields.items()]


def _upsert(store: StateStore, names: tuple[str, ...]) -> Any:
    """INSERT of a chat that sets ``names`` on the row if it exists (built once each)."""
    key = (store.dialect, names)
    found = _UPSERTS.get(key)
    if found is None:
        insert = store.insert(chats)
        found = _UPSERTS[key] = insert.on_conflict_do_update(
            index_elements=["chat_id"], set_={name: insert.excluded[name] for name in names})
    return found


def chat_states(store: StateStore, chat_ids: Iterable[int]) -> dict[int, ChatState]:
    """States of many chats at once; chats never seen are absent from the result."""
    with store.read() as conn:
        return _states(conn, chat_ids)


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
    row = _action_row(store, chat_id, run_id, action, detail)
    with store.write() as conn:
        return int(conn.execute(actions.insert().values(row).returning(actions.c.id))
                   .scalar_one())


def _action_row(store: StateStore, chat_id: int, run_id: int, action: str,
                detail: Mapping[str, Any] | None) -> dict[str, Any]:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
    return {"run_id": run_id, "chat_id": chat_id, "action": action, "at": store.now(),
            "detail": dict(detail or {})}


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
