"""Everything a job remembers besides its runs: per-target progress, handled bot events,
alert streaks and small per-job values (a kind's own records are in its tables).

Each write is one statement or one transaction; upserts go through
``INSERT ... ON CONFLICT`` so two replicas writing the same key cannot both insert.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select

from runner import words
from runner.errors import StateError
from runner.state.engine import Database
from runner.state.models import ALERT_FIELDS, AlertState, TargetRecord
from runner.state.schema import alerts, aware_utc, events, job_values, targets

BUTTONS = "@buttons"
"""The ``job_values`` owner of the button key (``RecordsMixin.button_key``): no job name
has an ``@``, so no job's values can be it."""
_BUTTON_KEY = "key"
_BUTTON_KEY_BYTES = 32

IN_CHUNK = 500
"""Ids per ``IN (...)`` query: stays far below every backend's parameter limit."""


def checked_fields(fields: Mapping[str, Any], known: frozenset[str], what: str) -> dict[str, Any]:
    """``fields`` with datetimes in UTC; ValueError naming any not in ``known``."""
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValueError(f"unknown {what} field(s): {', '.join(unknown)}")
    return {k: aware_utc(v) if isinstance(v, datetime) else v for k, v in fields.items()}


def _build_upsert(statement: Any, started: bool) -> Any:
    if started:  # a target already done stays done
        return statement.on_conflict_do_update(
            index_elements=["run_key", "target"],
            set_={name: statement.excluded[name] for name in ("status", "detail", "updated_at")},
            where=targets.c.status != "done",
        )
    return statement.on_conflict_do_update(
        index_elements=["run_key", "target"],
        set_={name: statement.excluded[name]
              for name in ("status", "detail", "updated_at", "message_id")},
    )


_UPSERTS: dict[tuple[str, bool], Any] = {}


def _upsert(db: Database, *, started: bool) -> Any:
    """The upsert of a target's record (``started`` or done), built once per dialect and
    run with the rows as parameters (executemany): building and compiling a statement
    per record cost more than writing it, on every post of a fan-out. (Two threads may
    both build it once; either statement is the same.)"""
    key = (db.dialect, started)
    found = _UPSERTS.get(key)
    if found is None:
        found = _UPSERTS[key] = _build_upsert(db.insert(targets), started)
    return found


def _started(db: Database, run_key: str, target: str, detail: Mapping[str, Any]
             ) -> dict[str, Any]:
    """The parameters of ``_upsert(started=True)`` for one effect about to happen."""
    return {"run_key": run_key, "target": target, "status": "started",
            "detail": dict(detail), "updated_at": db.now()}


_FLOOR = select(func.max(targets.c.message_id))
_OF_RUN = select(targets).where(targets.c.run_key == bindparam("run_key"),
                                targets.c.target.in_(bindparam("names", expanding=True)))
"""The hot reads of a fan-out's posts, built once: building a statement cost more CPU
than running it."""


def _targets_and_floor(conn: Connection, keys: Sequence[tuple[str, str]]
                       ) -> list[tuple[TargetRecord | None, int]]:
    """Each key's record (None: never started) and the highest message id recorded."""
    by_run: dict[str, list[str]] = {}
    for run_key, target in keys:
        by_run.setdefault(run_key, []).append(target)
    found: dict[tuple[str, str], TargetRecord] = {}
    floor = int(conn.execute(_FLOOR).scalar_one_or_none() or 0)
    # A fan-out's keys share their run: a query per chunk of targets, not per key.
    for run_key, names in by_run.items():
        for start in range(0, len(names), IN_CHUNK):
            chunk = {"run_key": run_key, "names": names[start:start + IN_CHUNK]}
            for row in conn.execute(_OF_RUN, chunk).mappings():
                record = TargetRecord.from_row(row)
                found[record.run_key, record.target] = record
    return [(found.get(key), floor) for key in keys]


class RecordsMixin:
    """Targets, events, alerts and values; mixed into StateStore."""

    _db: Database

    # -- per-target progress ------------------------------------------------------------

    def target(self, run_key: str, target: str) -> TargetRecord | None:
        """Progress of one effect of run ``run_key``, or None if never started."""
        query = select(targets).where(targets.c.run_key == run_key, targets.c.target == target)
        with self._db.read() as conn:
            row = conn.execute(query).mappings().first()
        return TargetRecord.from_row(row) if row else None

    def targets(self, run_key: str) -> list[TargetRecord]:
        """Every target of run ``run_key``, by name."""
        query = select(targets).where(targets.c.run_key == run_key).order_by(targets.c.target)
        with self._db.read() as conn:
            return [TargetRecord.from_row(r) for r in conn.execute(query).mappings()]

    def start_target(self, run_key: str, target: str, detail: Mapping[str, Any]) -> None:
        """Mark an effect as about to happen; a target already done stays done."""
        db = self._db
        with db.write() as conn:
            conn.execute(_upsert(db, started=True), _started(db, run_key, target, detail))

    def start_targets(self, items: Sequence[tuple[str, str, Mapping[str, Any]]]
                      ) -> list[Exception | None]:
        """``start_target`` for each (run key, target, detail), each its own transaction,
        and what each raised (None: committed): a write that fails (a full disk) fails
        only its own item. (A fan-out's posts start in ``begin_targets``; these are the
        starts of effects with an upload before them.)"""
        out: list[Exception | None] = []
        for item in items:
            try:
                self.start_target(*item)
            except Exception as exc:  # noqa: BLE001 - raised by that item's caller
                out.append(exc)
            else:
                out.append(None)
        return out

    def finish_target(self, run_key: str, target: str, detail: Mapping[str, Any]) -> None:
        """Mark an effect as done (it must never be made again for this run key).

        A ``message_id`` in ``detail`` is kept in its own column: that message is this
        target's, and a lost answer of any other target is never matched with it.
        """
        self.finish_targets([(run_key, target, detail)])

    def finish_targets(self, items: Sequence[tuple[str, str, Mapping[str, Any]]]) -> None:
        """``finish_target`` for each (run key, target, detail), in one transaction."""
        db = self._db
        rows: list[dict[str, Any]] = []
        for run_key, target, detail in items:
            message_id = detail.get("message_id")
            rows.append({"run_key": run_key, "target": target, "status": "done",
                         "detail": dict(detail),
                         "message_id": message_id if isinstance(message_id, int) else None})
        with db.write() as conn:
            now = db.now()
            for row in rows:
                row["updated_at"] = now
            conn.execute(_upsert(db, started=False), rows)

    def drop_target(self, run_key: str, target: str) -> None:
        """Forget an effect that was refused (it was not made): the next attempt makes it.

        A target already done is never forgotten.
        """
        statement = delete(targets).where(
            targets.c.run_key == run_key, targets.c.target == target,
            targets.c.status != "done",
        )
        with self._db.write() as conn:
            conn.execute(statement)

    def highest_message_id(self) -> int:
        """The newest message any recorded post made (0 if none): every message with a
        higher id was created after this call's caller read it."""
        with self._db.read() as conn:
            return int(conn.execute(_FLOOR).scalar_one_or_none() or 0)

    def target_and_floor(self, run_key: str, target: str) -> tuple[TargetRecord | None, int]:
        """``target`` and ``highest_message_id`` read together: a post's first question,
        answered in one transaction instead of two."""
        return self.targets_and_floor([(run_key, target)])[0]

    def targets_and_floor(
        self, keys: Sequence[tuple[str, str]]
    ) -> list[tuple[TargetRecord | None, int]]:
        """``target_and_floor`` for each (run key, target), in one read transaction."""
        with self._db.read() as conn:
            return _targets_and_floor(conn, keys)

    def begin_targets(
        self, items: Sequence[tuple[str, str, Callable[[int], Mapping[str, Any]]]]
    ) -> list[tuple[TargetRecord | None, int] | Exception]:
        """For each (run key, target, detail): ``target_and_floor``, and for an effect never
        started, ``start_target`` with ``detail(floor)``, in one write transaction: a
        fan-out's posts cost a commit per batch, not a read and a commit each. None in an
        answer means that this call started the effect (committed on return); a record
        found is left as it was. If the batch cannot be written, each item is tried again
        in a transaction of its own and gets its own answer or what it raised: a write
        that fails (a full disk, a detail that is not JSON) fails only its own post."""
        try:
            return list(self._begin_batch(items))
        except Exception:
            if len(items) == 1:
                raise  # nothing to tell apart: its one caller gets what it raised
        out: list[tuple[TargetRecord | None, int] | Exception] = []
        for item in items:
            try:
                out += self._begin_batch([item])
            except Exception as exc:  # noqa: BLE001 - raised by that item's caller
                out.append(exc)
        return out

    def _begin_batch(self, items: Sequence[tuple[str, str, Callable[[int], Mapping[str, Any]]]]
                     ) -> list[tuple[TargetRecord | None, int]]:
        db = self._db
        with db.write() as conn:
            read = _targets_and_floor(conn, [(key, target) for key, target, _ in items])
            fresh = [_started(db, key, target, detail(floor))
                     for (key, target, detail), (record, floor) in zip(items, read, strict=True)
                     if record is None]
            if fresh:
                conn.execute(_upsert(db, started=True), fresh)
        return read

    def message_taken(self, message_id: int, *, besides: tuple[str, str]) -> bool:
        """True if a target other than ``besides`` (run key, target) recorded this message."""
        query = select(targets.c.run_key, targets.c.target).where(
            targets.c.message_id == message_id
        )
        with self._db.read() as conn:
            return any(tuple(row) != besides for row in conn.execute(query))

    # -- bot events -----------------------------------------------------------------------

    def event_handled(self, event_id: str) -> bool:
        """Whether bot event ``event_id`` was already handled."""
        query = select(events.c.event_id).where(events.c.event_id == event_id)
        with self._db.read() as conn:
            return conn.execute(query).first() is not None

    def mark_event_handled(self, event_id: str) -> bool:
        """Mark an event handled; False if it already was (so exactly one caller wins)."""
        db = self._db
        statement = (
            db.insert(events)
            .values(event_id=event_id, handled_at=db.now())
            .on_conflict_do_nothing(index_elements=["event_id"])
            # RETURNING, not rowcount: rowcount of an INSERT is not reliable on every driver.
            .returning(events.c.event_id)
        )
        with db.write() as conn:
            return conn.execute(statement).first() is not None

    # -- alert streaks --------------------------------------------------------------------

    def alert_state(self, job: str) -> AlertState | None:
        """The failure streak of ``job``, or None when it is healthy."""
        with self._db.read() as conn:
            row = conn.execute(select(alerts).where(alerts.c.job == job)).mappings().first()
        return AlertState.from_row(row) if row else None

    def set_alert_state(self, job: str, **fields: Any) -> AlertState:
        """Set some fields of ``job``'s failure streak (creating it); returns the new state."""
        values = checked_fields(fields, ALERT_FIELDS, "alert")
        db = self._db
        statement = db.insert(alerts).values(job=job, **{"failures": 0, **values})
        if values:
            statement = statement.on_conflict_do_update(index_elements=["job"], set_=values)
        else:
            statement = statement.on_conflict_do_nothing(index_elements=["job"])
        with db.write() as conn:
            conn.execute(statement)
            row = conn.execute(select(alerts).where(alerts.c.job == job)).mappings().one()
        return AlertState.from_row(row)

    def clear_alert_state(self, job: str) -> None:
        """Forget ``job``'s failure streak (it succeeded again)."""
        with self._db.write() as conn:
            conn.execute(delete(alerts).where(alerts.c.job == job))

    # -- small per-job values -------------------------------------------------------------

    def get_value(self, job: str, name: str, default: Any = None) -> Any:
        """A JSON value a job kept between runs, or ``default``."""
        query = select(job_values.c.value).where(job_values.c.job == job, job_values.c.name == name)
        with self._db.read() as conn:
            row = conn.execute(query).first()
        return default if row is None else row[0]

    def set_value(self, job: str, name: str, value: Any) -> None:
        """Keep a JSON-serialisable value for ``job`` under ``name``."""
        db = self._db
        statement = (
            db.insert(job_values)
            .values(job=job, name=name, value=value)
            .on_conflict_do_update(index_elements=["job", "name"], set_={"value": value})
        )
        with db.write() as conn:
            conn.execute(statement)

    def first_value(self, job: str, name: str, value: Any) -> Any:
        """The value kept for ``job`` under ``name``, keeping ``value`` there first if
        there is none: what every caller gets is the first writer's, across replicas.

        Race-free: when the read finds nothing, an INSERT that does nothing if another
        caller got there first, then a read of what the store holds, in one transaction.
        """
        kept = self.get_value(job, name)
        if kept is not None:
            return kept
        where = (job_values.c.job == job, job_values.c.name == name)
        db = self._db
        with db.write() as conn:
            conn.execute(db.insert(job_values).values(job=job, name=name, value=value)
                         .on_conflict_do_nothing(index_elements=["job", "name"]))
            return conn.execute(select(job_values.c.value).where(*where)).scalar_one()

    def button_key(self) -> bytes:
        """The key that signs button data (``runner.buttons``): random, made by the first
        runner that asks and kept (``first_value``), so every replica on this store signs
        with the same one and a new webhook secret or token does not change it."""
        fresh = base64.b64encode(secrets.token_bytes(_BUTTON_KEY_BYTES)).decode("ascii")
        stored = self.first_value(BUTTONS, _BUTTON_KEY, fresh)
        try:
            key = base64.b64decode(stored, validate=True) if isinstance(stored, str) else b""
        except binascii.Error:
            key = b""
        if len(key) != _BUTTON_KEY_BYTES:  # the value is never quoted: it is a secret
            raise StateError(words.text("state.bad_button_key", owner=BUTTONS,
                                        name=_BUTTON_KEY, size=_BUTTON_KEY_BYTES))
        return key
