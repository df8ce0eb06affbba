"""Sweep plans: what the next run would do to which chat and why, saved and applied later.

``pachca-runner plan NAME`` scans as a run would (``Scanner``, read-only) and lists every
decision; ``--out plan.json`` saves it. ``run-job NAME --plan plan.json`` is a normal run
that acts only on the plan's warn and archive decisions, and only on chats that are as
the plan saw them: the run scans afresh, and a chat whose fresh decision differs (a
member kept it, it was archived, the rules changed), whose last message moved (someone
wrote) or whose members changed is skipped with that reason. Decisions are never made
here: they come from ``runner.kinds.sweep.decide`` through the scanner, then and now.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from runner import words
from runner.concurrency import for_each
from runner.errors import InputError, JobError, NotFound, PermissionDenied
from runner.kinds.sweep.decide import Decision, archive_order
from runner.kinds.sweep.params import SweepParams
from runner.kinds.sweep.scan import Plan, Scanner

if TYPE_CHECKING:
    from runner.buttons import Keys
    from runner.kinds.base import JobContext
    from runner.pachca.models import Chat
    from runner.state.concerns import ValuesApi

FORMAT = "pachca-runner/sweep-plan"
VERSION = 1
_ACTIONS = ("warn", "archive")
_VERBS = ("warn", "archive", "later", "wait", "skip")


@dataclass(frozen=True)
class PlannedChat:
    """One chat in a plan: the verb (warn, archive, later, wait, skip) and why."""

    chat_id: int
    name: str
    verb: str
    reason: str
    note: str
    last_message_at: datetime | None = None
    members: int | None = None  # warn and archive only: how the chat looked when planned
    members_hash: str | None = None

    def line(self) -> str:
        """One line for the operator, the chat's name in one column whatever the verb."""
        verb = words.text_or("verb." + self.verb, self.verb)
        return f"  {verb}{' ' * (_verb_column() - shown_width(verb))} «{self.name}» (#{self.chat_id}): {self.note}"


def shown_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (CJK) characters take two, combining
    marks none; the verbs' translations differ in length, not only in letters."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _verb_column() -> int:
    """The verb column's width in the current language: the widest verb and one space
    (8 in English, as the lines always were)."""
    return 1 + max(shown_width(words.text("verb." + v)) for v in _VERBS)


@dataclass
class SweepPlan:
    """Everything one scan decided, in the order a run would act."""

    job: str
    made_at: datetime
    scanned: int
    params_hash: str
    chats: list[PlannedChat] = field(default_factory=list)
    abort: str | None = None  # why a run now would stop before acting (max_fraction)

    @property
    def actions(self) -> list[PlannedChat]:
        """The chats to warn or archive."""
        return [c for c in self.chats if c.verb in _ACTIONS]

    def lines(self) -> list[str]:
        """The plan in words: a header, a line per chat, and what to do next."""
        count = {verb: sum(c.verb == verb for c in self.chats) for verb in _VERBS}
        head = words.text("plan.head", job=self.job, when=f"{self.made_at:%Y-%m-%d %H:%M %Z}",
                          scanned=self.scanned, counts=", ".join(
                              f"{words.text('verb.' + verb)} {n}" for verb, n in count.items()))
        out = [head, *(c.line() for c in self.chats)]
        out.append(words.text("plan.rest"))
        if self.abort:
            out.append(words.text("plan.abort", why=self.abort))
        return out

    # -- the file ----------------------------------------------------------------------

    def to_json(self) -> str:
        """The plan as the file holds it."""
        body = {"format": FORMAT, "version": VERSION, **asdict(self)}
        return json.dumps(body, ensure_ascii=False, indent=2, default=_iso) + "\n"

    def save(self, path: Path) -> None:
        """Write the plan to ``path``."""
        try:
            Path(path).write_text(self.to_json(), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{path}: " + words.text("plan.cannot_write",
                                                      reason=exc.strerror)) from None

    @classmethod
    def load(cls, path: Path) -> SweepPlan:
        """The plan saved in ``path``; InputError if it is not a readable plan."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{path}: " + words.text("plan.cannot_read",
                                                      reason=exc.strerror)) from None
        return cls.from_json(text, str(path))

    @classmethod
    def from_json(cls, text: str, path: str = "the plan") -> SweepPlan:
        """The plan ``to_json`` wrote; InputError (naming ``path``) if it is not one."""
        try:
            body = json.loads(text)
        except ValueError:
            raise InputError(f"{path}: " + words.text("plan.not_json")) from None
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise InputError(f"{path}: " + words.text("plan.not_plan"))
        if body.get("version") != VERSION:
            raise InputError(f"{path}: " + words.text("plan.version", got=body.get("version"),
                                                      want=VERSION))
        try:
            chats = [PlannedChat(**{**c, "last_message_at": _when(c.get("last_message_at"))})
                     for c in body["chats"]]
            made = datetime.fromisoformat(body["made_at"])
            return cls(body["job"], made, int(body["scanned"]), body["params_hash"], chats,
                       body.get("abort"))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}: " + words.text("plan.damaged", detail=exc)) from None


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot save {type(value).__name__} in a plan")


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def params_hash(params: SweepParams) -> str:
    """A short fingerprint of the job's fields, to tell when they changed since a plan."""
    text = json.dumps(params.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def members_hash(chat: Chat) -> str:
    """A short fingerprint of who is in ``chat``."""
    text = ",".join(str(i) for i in sorted(chat.member_ids))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _planned(d: Decision, verb: str | None = None, note: str | None = None,
             chat: Chat | None = None) -> PlannedChat:
    return PlannedChat(d.chat_id, d.name, verb or d.verb, d.reason, note or d.note,
                       d.last_message_at, len(chat.member_ids) if chat else None,
                       members_hash(chat) if chat else None)


def over_limit(acting: int, scanned: int, params: SweepParams) -> str | None:
    """Why a run would stop before acting (``max_fraction``), or None."""
    if params.max_fraction is None or not scanned or acting / scanned <= params.max_fraction:
        return None
    return words.text("sweep.over_limit", acting=acting, scanned=scanned,
                      share=f"{acting / scanned:.0%}", limit=f"{params.max_fraction:.0%}")


# -- making a plan ---------------------------------------------------------------------------


async def make_plan(ctx: JobContext, params: SweepParams, secret: Keys, *,
                    snapshot: bool = True) -> SweepPlan:
    """Scan as a run would and put every decision in a plan (read-only).

    ``snapshot``: also note the members of each chat to act on (one read per chat), so
    that applying the plan can tell when they changed.
    """
    scan = await Scanner(ctx, params, secret).run()
    archive = sorted(scan.archive, key=archive_order)
    now, later = archive[: params.max_archive_per_run], archive[params.max_archive_per_run:]
    acting = sorted(scan.warn, key=lambda d: d.name) + now
    chats: dict[int, Chat] = {}

    async def look(d: Decision) -> None:
        chats[d.chat_id] = await ctx.client.get_chat(d.chat_id)

    if snapshot:
        await for_each(acting, look, limit=params.concurrency)
    entries = [_planned(d, chat=chats.get(d.chat_id)) for d in acting]
    entries += [_planned(d, "later", words.text("plan.later_note"))
                for d in later]
    entries += [_planned(d) for d in sorted(scan.waiting, key=lambda d: d.name)]
    entries += [_planned(d) for d in sorted(scan.skipped, key=lambda d: (d.reason, d.name))]
    return SweepPlan(ctx.job.name, ctx.now().astimezone(ctx.scheduled_for.tzinfo), scan.scanned,
                     params_hash(params), entries,
                     over_limit(len(scan.warn) + len(archive), scan.scanned, params))


# -- applying a plan -------------------------------------------------------------------------


async def restrict(ctx: JobContext, fresh: Plan, saved: SweepPlan) -> Plan:
    """``fresh`` (this run's scan) cut down to the saved plan's unchanged warn/archive chats.

    Every other decision of the fresh scan is left for a later run; the state-only chores
    it found are kept, since a normal run would make them too.
    """
    if saved.job != ctx.job.name:
        raise JobError(words.text("plan.other_job", plan=saved.job, job=ctx.job.name))
    params = ctx.job.params
    now: dict[int, Decision] = {d.chat_id: d for d in fresh.actions + fresh.waiting
                                + fresh.skipped}
    out = Plan(scanned=fresh.scanned, listed=fresh.listed, chores=list(fresh.chores))
    if isinstance(params, SweepParams) and params_hash(params) != saved.params_hash:
        ctx.report.say(words.text("sweep.plan_fields_changed"))
    refused: dict[int, str] = {}

    async def check(entry: PlannedChat) -> None:
        why = await _changed(ctx, entry, now.get(entry.chat_id))
        if why is not None:
            refused[entry.chat_id] = why

    await for_each(saved.actions, check, limit=8)
    planned = {e.chat_id for e in saved.actions}
    for entry in saved.actions:
        if entry.chat_id in refused:
            out.skips["changed"] += 1
            out.skip_lines.append(words.text("sweep.changed_since", name=entry.name,
                                             why=refused[entry.chat_id]))
        else:
            out.actions.append(now[entry.chat_id])
    extra = [d for d in fresh.actions if d.chat_id not in planned]
    if extra:
        out.skips["not_planned"] += len(extra)
        out.skip_lines.append(words.text("sweep.not_planned", n=len(extra)))
    made = saved.made_at.astimezone(ZoneInfo(ctx.job.timezone))
    ctx.report.say(words.text("sweep.applying_plan", when=f"{made:%Y-%m-%d %H:%M %Z}",
                              n=len(out.actions), total=len(saved.actions)))
    return out


async def _changed(ctx: JobContext, entry: PlannedChat, current: Decision | None) -> str | None:
    """Why ``entry`` may not be applied now (the chat changed since the plan), or None."""
    if current is not None and current.verb != entry.verb:
        if current.verb == "skip":
            return current.note
        return words.text("plan.now", verb=words.text_or("verb." + current.verb, current.verb),
                          note=current.note)
    try:
        chat = await ctx.client.get_chat(entry.chat_id)
    except (NotFound, PermissionDenied):
        return words.text("plan.unseen")
    if chat.archived:
        return words.text("plan.archived")
    if entry.last_message_at is not None and chat.last_message_at != entry.last_message_at:
        last = chat.last_message_at.astimezone(ZoneInfo(ctx.job.timezone))
        return words.text("plan.message_arrived", when=f"{last:%Y-%m-%d %H:%M %Z}")
    if current is None:
        return words.text("plan.not_due")
    if entry.members_hash is not None and members_hash(chat) != entry.members_hash:
        return words.text("plan.members_changed", then=entry.members, now=len(chat.member_ids))
    return None


def load_for(path: Path, job_name: str, kind: str) -> SweepPlan:
    """The plan in ``path`` for the sweep job ``job_name``; InputError if it does not fit."""
    if kind != "sweep":
        raise InputError(words.text("plan.not_sweep_run", job=job_name, kind=kind))
    plan = SweepPlan.load(path)
    if plan.job != job_name:
        raise InputError(f"{path}: " + words.text("plan.other_job", plan=plan.job,
                                                  job=job_name))
    return plan


APPROVED = "approved_plan"
"""The ``job_values`` name of the plan an operator approved in the console."""


@dataclass(frozen=True)
class Approval:
    """A plan an operator approved, waiting for the sweep's next run."""

    plan: SweepPlan
    by: str
    at: datetime


async def approved(values: ValuesApi, job: str) -> Approval | None:
    """The plan approved for ``job`` and not applied yet, or None."""
    value = await values.get(job, APPROVED)
    if not isinstance(value, dict) or "plan" not in value:
        return None
    return Approval(SweepPlan.from_json(value["plan"]), value["by"],
                    datetime.fromisoformat(value["at"]))


async def approve(values: ValuesApi, plan: SweepPlan, by: str, at: datetime) -> None:
    """Keep ``plan`` as approved by ``by``: the sweep's next run applies exactly it."""
    await values.set(plan.job, APPROVED, {"plan": plan.to_json(), "by": by,
                                          "at": at.isoformat()})


async def consume(values: ValuesApi, job: str) -> None:
    """Forget ``job``'s approved plan once a run applied it (once: a plan is for one run)."""
    await values.set(job, APPROVED, None)
