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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from runner.errors import InputError, NotFound, PachcaError, PermissionDenied
from runner.offload import blocking
from runner.sweep.records import SweepRecords

if TYPE_CHECKING:
    from runner.pachca.client import PachcaClient
    from runner.settings import Settings
    from runner.state import RunRecord
    from runner.state.aio import Store
    from runner.sweep.params import SweepParams


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
        name = f"«{self.name}» " if self.name else "chat "
        return f"{name}({self.chat_id}{'' if self.visible else ', not visible to the token'})"


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
        """The plan in plain English, for the operator to confirm."""
        run = self.run
        when = run.started_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M %Z")
        head = (f"Run {run.id} of '{run.job}' ({when}) archived {self._total()} chat(s);"
                f" {len(self.chats)} will be unarchived:")
        out = [head]
        for chat in self.chats:
            back = "" if chat.archived else " (already out of the archive)"
            out.append(f"  {chat.label}{back}")
        if self.undone_before:
            out.append(f"{self.undone_before} chat(s) were unarchived by an earlier undo.")
        for chat_id, later in sorted(self.superseded.items()):
            out.append(f"  chat {chat_id} is left archived: run {later} archived it again"
                       f" (undo run {later} for it)")
        out.append(self._afterwards())
        return out

    def _afterwards(self) -> str:
        rules = self.rules
        days = f"{rules.inactive_days} days (its inactive_days)" if rules else "its inactive_days"
        then = ("and then warns before archiving one again" if rules is None or rules.warn_days
                else "and then may archive them again without a warning (warn_days is 0)")
        return (f"The sweep leaves these chats alone for {days}, as any chat brought back"
                f" from the archive, {then}.")

    def _total(self) -> int:
        return len(self.chats) + self.undone_before + len(self.superseded)


@dataclass
class UndoResult:
    """What an undo did."""

    unarchived: list[UndoChat] = field(default_factory=list)
    failed: list[tuple[UndoChat, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line a chat, then the summary."""
        out = [f"unarchived {chat.label}" for chat in self.unarchived]
        out += [f"could not unarchive {chat.label}: {why}" for chat, why in self.failed]
        out.append(f"{len(self.unarchived)} chat(s) unarchived"
                   + (f", {len(self.failed)} failed (run undo again to retry)"
                      if self.failed else ""))
        return out


async def plan(state: Store, client: PachcaClient, run_id: int,
               zones: Mapping[str, tzinfo] | None = None) -> UndoPlan:
    """What undoing run ``run_id`` would do; InputError when it cannot be undone.
    ``zones``: each job's time zone, in which times are shown (UTC for a job not there)."""
    run = await state.runs.get(run_id)
    if run is None:
        raise InputError(f"no run {run_id} in the history (see `pachca-runner history`)")
    zone = (zones or {}).get(run.job, UTC)
    if run.kind != "sweep":
        raise InputError(f"run {run_id} is a {run.kind} run of '{run.job}', not a sweep:"
                         " only what a sweep archived can be undone")
    if run.status == "running":
        raise InputError(f"run {run_id} of '{run.job}' is still running: undo it once it ends")
    if run.dry_run:
        raise InputError(f"run {run_id} of '{run.job}' was a dry run: it archived no chat,"
                         " nothing to undo")
    chats = state.records(SweepRecords)
    archived = await chats.actions(run_id, "archived")
    if not archived:
        raise InputError(f"run {run_id} of '{run.job}' archived no chat: nothing to undo")
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
            result.superseded[chat_id] = int(now.archived_by_run)  # type: ignore[arg-type]
            continue
        result.chats.append(await _look(client, chat_id, action.detail.get("name")))
    if not result.chats:
        if result.undone_before:
            last = max(a.at for a in await chats.actions(run_id, "unarchived"))
            raise InputError(f"run {run_id} was already undone: {result.undone_before} chat(s)"
                             f" unarchived on {last.astimezone(zone):%Y-%m-%d %H:%M %Z};"
                             " nothing to do")
        raise InputError(f"run {run_id}: every chat it archived was archived again by a later"
                         " run; undo that run instead")
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
                                  {"undo": True, "was_archived": chat.archived})
        await chats.update_chat(chat.chat_id, unarchived_at=datetime.now(UTC))
        result.unarchived.append(chat)
    return result


def sweep_rules(settings: Settings, job: str) -> SweepParams | None:
    """The sweep job's fields from the catalogue, or None if they cannot be read (undo
    does not need the catalogue, so a broken or changed one does not stop it)."""
    from runner.catalogue import load_configured
    from runner.errors import RunnerError
    from runner.sweep.params import SweepParams

    try:
        spec = load_configured(settings).jobs.get(job)
    except (RunnerError, OSError):
        return None
    params = spec.params if spec is not None else None
    return params if isinstance(params, SweepParams) else None


async def undo_run(
    settings: Settings, run_id: int, *, confirm: Callable[[UndoPlan], bool]
) -> UndoResult | None:
    """Plan the undo, ask ``confirm(plan)``, then do it; None when not confirmed."""
    from runner.app import job_zones, make_client, open_store

    state = await open_store(settings)
    client = make_client(settings)
    try:
        undo = await plan(state, client, run_id, await blocking(job_zones, settings))
        undo.rules = await blocking(sweep_rules, settings, undo.run.job)
        if not confirm(undo):
            return None
        return await apply(state, client, undo)
    finally:
        await client.aclose()
        await state.close()
