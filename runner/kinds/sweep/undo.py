"""``undo RUN_ID``: bring back every chat one sweep run archived.

The sweep records each archive as an action of its run; undo unarchives those chats
(``PUT /chats/{id}/unarchive``, idempotent), records ``unarchived`` actions under the
same run and stamps the chats' ``unarchived_at``. Each chat is recorded right after
its own unarchive, so an interrupted undo is finished by running it again, and a
complete one is refused as already done.

What the sweep does next: a chat brought back from the archive is left alone for the
sweep's ``inactive_days`` (the same rule as for a chat a person unarchives), and after
that it is warned again before being archived (unless ``warn_days`` is 0). So the very
next sweep never re-archives an undone chat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from runner import words
from runner.errors import InputError, NotFound, PachcaError, PermissionDenied
from runner.kinds.sweep.records import SweepRecords

if TYPE_CHECKING:
    from runner.kinds.sweep.params import SweepParams
    from runner.pachca.client import PachcaClient
    from runner.state import RunRecord
    from runner.state.aio import Store


@dataclass(frozen=True)
class UndoChat:
    """One chat the run archived, as it is now."""

    chat_id: int
    name: str | None  # as the run recorded it if the token no longer sees the chat
    archived: bool  # archived in Pachca right now
    visible: bool = True

    @property
    def label(self) -> str:
        """«Name» (id), saying so when the token no longer sees the chat."""
        name = f"«{self.name}» " if self.name else words.text("undo.chat")
        hidden = "" if self.visible else words.text("undo.invisible")
        return f"{name}({self.chat_id}{hidden})"


@dataclass
class UndoPlan:
    """What undoing one sweep run would do; nothing is changed while planning."""

    run: RunRecord
    chats: list[UndoChat] = field(default_factory=list)  # to bring back
    undone_before: int = 0  # unarchived by an earlier, interrupted undo
    superseded: dict[int, int] = field(default_factory=dict)  # chat -> later run archiving it
    rules: SweepParams | None = None  # the sweep job's fields, if the catalogue has it
    zone: tzinfo = UTC  # the job's zone (times are shown in it), UTC if it is gone

    def lines(self) -> list[str]:
        """The plan in words, for the operator to confirm."""
        run = self.run
        when = run.started_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M %Z")
        out = [words.text("undo.head", id=run.id, job=run.job, when=when,
                          total=self._total(), n=len(self.chats))]
        for chat in self.chats:
            back = "" if chat.archived else words.text("undo.already_out")
            out.append(f"  {chat.label}{back}")
        if self.undone_before:
            out.append(words.text("undo.before", n=self.undone_before))
        for chat_id, later in sorted(self.superseded.items()):
            out.append(words.text("undo.superseded", chat=chat_id, later=later))
        out.append(self._afterwards())
        return out

    def _afterwards(self) -> str:
        rules = self.rules
        days = (words.text("undo.days", n=rules.inactive_days) if rules
                else words.text("undo.days_unknown"))
        then = words.text("undo.then_warns" if rules is None or rules.warn_days
                          else "undo.then_archives")
        return words.text("undo.afterwards", days=days, then=then)

    def _total(self) -> int:
        return len(self.chats) + self.undone_before + len(self.superseded)


@dataclass
class UndoResult:
    """What an undo did."""

    unarchived: list[UndoChat] = field(default_factory=list)
    failed: list[tuple[UndoChat, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line a chat, then the summary."""
        out = [words.text("undo.unarchived", label=chat.label) for chat in self.unarchived]
        out += [words.text("undo.failed", label=chat.label, why=why)
                for chat, why in self.failed]
        out.append(words.text("undo.summary", n=len(self.unarchived))
                   + (words.text("undo.summary_failed", n=len(self.failed))
                      if self.failed else ""))
        return out


async def plan(state: Store, client: PachcaClient, run_id: int,
               zones: Mapping[str, tzinfo] | None = None) -> UndoPlan:
    """What undoing run ``run_id`` would do; InputError when it cannot be undone.
    ``zones``: each job's time zone, in which times are shown (UTC for a job not there)."""
    run = await state.runs.get(run_id)
    if run is None:
        raise InputError(words.text("undo.no_run", id=run_id))
    zone = (zones or {}).get(run.job, UTC)
    if run.kind != "sweep":
        raise InputError(words.text("undo.not_sweep", id=run_id, kind=run.kind, job=run.job))
    if run.status == "running":
        raise InputError(words.text("undo.running", id=run_id, job=run.job))
    if run.dry_run:
        raise InputError(words.text("undo.dry", id=run_id, job=run.job))
    chats = state.records(SweepRecords)
    archived = await chats.actions(run_id, "archived")
    if not archived:
        raise InputError(words.text("undo.none_archived", id=run_id, job=run.job))
    undone = {a.chat_id for a in await chats.actions(run_id, "unarchived")}
    result = UndoPlan(run, zone=zone)
    states = await chats.chats([a.chat_id for a in archived])
    for action in archived:
        chat_id = action.chat_id
        if chat_id in undone:
            result.undone_before += 1
            continue
        now = states.get(chat_id)
        if now is not None and now.archived_by_run not in (None, run_id) and (
            now.archived_at is not None and now.archived_at > action.at
        ):
            result.superseded[chat_id] = int(now.archived_by_run)
            continue
        result.chats.append(await _look(client, chat_id, action.detail.get("name")))
    if not result.chats:
        if result.undone_before:
            last = max(a.at for a in await chats.actions(run_id, "unarchived"))
            raise InputError(words.text("undo.done_before", id=run_id, n=result.undone_before,
                                        when=f"{last.astimezone(zone):%Y-%m-%d %H:%M %Z}"))
        raise InputError(words.text("undo.all_superseded", id=run_id))
    return result


async def _look(client: PachcaClient, chat_id: int, recorded: str | None) -> UndoChat:
    try:
        chat = await client.get_chat(chat_id)
    except (NotFound, PermissionDenied):
        return UndoChat(chat_id, recorded, archived=True, visible=False)
    return UndoChat(chat_id, chat.name, chat.archived)


async def apply(state: Store, client: PachcaClient, undo: UndoPlan) -> UndoResult:
    """Unarchive the plan's chats, recording each as soon as it is back."""
    result = UndoResult()
    run_id = undo.run.id
    chats = state.records(SweepRecords)
    for chat in undo.chats:
        if chat.archived:
            try:
                await client.unarchive_chat(chat.chat_id)
            except PachcaError as exc:
                result.failed.append((chat, str(exc)))
                continue
        await chats.record_action(run_id, chat.chat_id, "unarchived",
                                  {"undo": True, "was_archived": chat.archived,
                                   "name": chat.name})
        await chats.update_chat(chat.chat_id, unarchived_at=datetime.now(UTC))
        result.unarchived.append(chat)
    return result
