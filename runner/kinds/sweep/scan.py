"""Read Pachca and the state store and decide about every chat, touching nothing.

Three sources, read concurrently:
- group chats whose last message is older than the cutoff (``last_message_at_before``):
  the candidates, decided page by page and kept only when something is to be done;
- group chats active since the cutoff (``last_message_at_after``): only counted, for
  the ``max_fraction`` denominator (the two listings are disjoint);
- chats the state store says are warned or half-archived, fetched one by one: the
  warning itself moved their last message, so the date filter no longer finds them.

Beside them, once per run, the threads active since the earliest moment any decision
looks back to (the cutoff, or an older warning): a comment does not move its chat's
last_message_at, so a chat quiet on top but alive in a thread must be told apart.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from runner import words
from runner.buttons import parse_button_data
from runner.concurrency import for_each
from runner.effects import content_hash
from runner.errors import ForgedButton, JobError, NotFound, PermissionDenied
from runner.kinds.sweep.decide import (
    ACTIONS,
    Anchor,
    Decision,
    archive_order,
    counts_as_scanned,
    day,
    decide_fresh,
    decide_warned,
    skip,
    skip_note,
)
from runner.kinds.sweep.params import SweepParams
from runner.kinds.sweep.records import SweepRecords
from runner.pachca.models import Chat, Message
from runner.preflight import MANAGING_ROLES, holds_role

if TYPE_CHECKING:
    from runner.buttons import Keys
    from runner.kinds.base import JobContext
    from runner.kinds.sweep.records import ChatState

# A pending warning is looked for this far before its intent (clocks of runner and Pachca).
_CLOCK_SLACK = timedelta(hours=1)


def closing_key(chat_id: int, cycle: int) -> str:
    """The idempotency key of a chat's closing message: one per warning cycle, not per run."""
    return f"sweep-close:{chat_id}:{cycle}"


@dataclass
class Plan:
    """Everything decided in one scan; plain skips are only counted and described."""

    scanned: int = 0
    listed: int = 0
    actions: list[Decision] = field(default_factory=list)  # warn and archive
    waiting: list[Decision] = field(default_factory=list)
    chores: list[Decision] = field(default_factory=list)  # skips that change state only
    skips: Counter[str] = field(default_factory=Counter)
    skip_lines: list[str] = field(default_factory=list)
    skipped: list[Decision] = field(default_factory=list)  # as skip_lines, for sweep plans
    keep: int | None = None
    """Archive decisions kept at most: the first ``keep`` by ``archive_order`` (None: all).
    A run archives at most ``max_archive_per_run`` chats; the others are only counted in
    ``over``, so a sweep of 100,000 chats does not hold a decision for each quiet one."""
    over: int = 0
    _archives: int = 0

    def add(self, decision: Decision) -> None:
        """File a decision where the run will look for it."""
        if decision.verb in ("warn", "archive"):
            self.actions.append(decision)
            if decision.verb == "archive" and self.keep is not None:
                self._archives += 1
                if self._archives > self.keep + self.keep // 8 + _SLACK:
                    self._trim(self.keep)
            return
        if decision.verb == "wait":
            self.waiting.append(decision)
            return
        self.skips[decision.reason] += 1
        self.skip_lines.append(words.text("sweep.skipped", name=decision.name,
                                          note=decision.note))
        self.skipped.append(decision)
        if decision.clear or decision.finish or decision.mark_unarchived or decision.adopt:
            self.chores.append(decision)

    @property
    def warn(self) -> list[Decision]:
        """Chats to warn."""
        return [d for d in self.actions if d.verb == "warn"]

    @property
    def archive(self) -> list[Decision]:
        """Chats to archive (the first ``keep`` of them when bounded)."""
        if self.keep is not None:
            self._trim(self.keep)
        return [d for d in self.actions if d.verb == "archive"]

    def _trim(self, keep: int) -> None:
        """Drop the archive decisions after the first ``keep`` by ``archive_order``,
        counting them in ``over``; a decision with a recovered warning to record stays.

        ``sorted`` is stable, so of equal keys the earlier-found stays, as when the
        whole list is sorted at the end: bounded or not, the same chats are archived.
        """
        droppable = [d for d in self.actions if d.verb == "archive" and d.adopt is None]
        if len(droppable) <= keep:
            return
        dropped = {id(d) for d in sorted(droppable, key=archive_order)[keep:]}
        self.actions = [d for d in self.actions if id(d) not in dropped]
        self.over += len(dropped)
        self._archives = len(droppable) - len(dropped)


_SLACK = 64
"""With an eighth of ``Plan.keep``: archive decisions over ``keep`` before the plan is
trimmed again. Each trim sorts what is held, so a trim every eighth is still little
work (about 60 sorts of 3,400 for 30,000 candidates, keeping 3,000), and the peak
holds an eighth more than ``keep``, not twice it: the held decisions are what grows
with the workspace."""


class Scanner:
    """Decides about every chat of one run (read-only: it makes no write call)."""

    def __init__(self, ctx: JobContext, params: SweepParams, secret: Keys, *,
                 keep: int | None = None) -> None:
        self.ctx = ctx
        self.params = params
        self.secret = secret
        # Whole milliseconds, as Pachca's date filters have them: the two listings split
        # at the cutoff then neither miss nor share a chat.
        # In the job's zone: the dates its lines give are read by the operator.
        now = ctx.now().astimezone(ctx.scheduled_for.tzinfo)
        self.now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self.cutoff = self.now - timedelta(days=params.inactive_days)
        self.plan = Plan(keep=keep)  # keep: see Plan.keep
        #: Parent chat id -> newest activity in its threads (since ``_read_threads``' bound).
        self.thread_activity: dict[int, datetime] = {}

    async def run(self, *, count_first: bool = True) -> Plan:
        """Scan the three sources and return the plan.

        ``count_first=False`` returns once the candidates are decided and leaves the count
        of active chats running (it only adds to ``plan.scanned``); ``counted`` waits for
        it, ``stop`` cancels it.
        """
        opened = await self.ctx.state.records(SweepRecords).open_chats()
        open_ids = {s.chat_id for s in opened}
        since = min([self.cutoff, *(s.warned_at for s in opened if s.warned_at is not None)])
        self._threads = asyncio.create_task(self._read_threads(since))
        self._counting = asyncio.create_task(self._count())
        try:
            await asyncio.gather(
                self._inactive(open_ids),
                for_each(opened, self._open, limit=self.params.concurrency),
            )
            await self._threads  # its failure fails the run even when nothing was decided
            if count_first:
                await self._counting
            await self._keep_only_what_we_may_archive()
        except BaseException:
            self.stop()
            raise
        return self.plan

    async def counted(self) -> None:
        """Wait until every scanned chat is counted (raises what the count met)."""
        await self._counting

    def stop(self) -> None:
        """Cancel a count still running (the run failed or was cancelled)."""
        self._counting.cancel()
        self._threads.cancel()

    @property
    def counted_all(self) -> bool:
        """Whether the count of active chats ran to its end."""
        task = self._counting
        return task.done() and not task.cancelled() and task.exception() is None

    async def _keep_only_what_we_may_archive(self) -> None:
        """Turn warn/archive decisions on chats the token cannot archive into skips.

        Only the chat's creator and admins may archive it. The chat role decides, never
        the workspace role: a workspace admin (the Owner too) is a plain member, or an
        outsider, wherever no chat admin made it more. Checking first means a chat is
        never warned, nor sent a closing message, by a token that then cannot archive
        it. A plain archive (no closing message) posts nothing first: its own 403 tells
        the same, so those chats cost no extra request (see ``SweepKind``).
        """
        posting = [d for d in self.plan.actions
                   if d.verb == "warn" or self.params.closing_message]
        if not posting:
            return
        profile = await self.ctx.client.get_profile()
        allowed: set[int] = set()

        async def check(decision: Decision) -> None:
            if await holds_role(self.ctx.client, decision.chat_id, profile.id,
                                MANAGING_ROLES):
                allowed.add(decision.chat_id)

        await for_each(posting, check, limit=self.params.concurrency)
        refused = [d for d in posting if d.chat_id not in allowed]
        self.plan.actions = [d for d in self.plan.actions if d not in refused]
        for decision in refused:
            self.plan.add(replace(decision, verb="skip", reason="no_rights",
                                  note=skip_note("no_rights", name=decision.name,
                                                 chat_id=decision.chat_id)))

    def _page(self, n: int) -> None:
        self.plan.listed += n
        self.ctx.progress(words.text("progress.scan"), self.plan.listed, None)

    def _listing(self, after: datetime | None, before: datetime | None) -> AsyncIterator[Chat]:
        return self.ctx.client.list_chats_by_last_message(
            after=after, before=before, personal=False, on_page=self._page,
            parts=max(1, self.params.concurrency // 3))

    async def _read_threads(self, since: datetime) -> None:
        """Note the newest activity in each chat's threads since ``since`` (one listing)."""
        found = self.thread_activity
        try:
            async for thread in self.ctx.client.list_threads(last_message_after=since):
                parent = thread.message_chat_id
                if parent is not None and (parent not in found or found[parent] <
                                           thread.updated_at):
                    found[parent] = thread.updated_at
        except PermissionDenied as exc:
            # Without threads a chat alive only in them looks quiet: stop, archive nothing.
            raise JobError(words.text("sweep.no_threads", error=exc)) from None

    async def _thread_at(self, chat_id: int) -> datetime | None:
        await self._threads
        return self.thread_activity.get(chat_id)

    async def _count(self) -> None:
        """Count the group chats active since the cutoff (last message at or after it)."""
        async for chat in self._listing(self.cutoff, None):
            if counts_as_scanned(chat, self.params):
                self.plan.scanned += 1

    async def _inactive(self, open_ids: set[int]) -> None:
        """Decide about the group chats quiet since before the cutoff."""
        batch: list[Chat] = []
        async for chat in self._listing(None, self.cutoff - timedelta(milliseconds=1)):
            if counts_as_scanned(chat, self.params):
                self.plan.scanned += 1
            if chat.id in open_ids:
                continue  # decided from its state by _open
            batch.append(chat)
            if len(batch) >= 50:
                await self._decide_batch(batch)
                batch = []
        await self._decide_batch(batch)

    async def _decide_batch(self, chats: list[Chat]) -> None:
        if not chats:
            return
        states = await self.ctx.state.records(SweepRecords).chats([c.id for c in chats])
        for chat in chats:
            self.plan.add(decide_fresh(chat, states.get(chat.id), self.now, self.params,
                                       cycle=None, thread_at=await self._thread_at(chat.id)))

    # -- chats under a warning or an unfinished archive --------------------------------

    async def _open(self, state: ChatState) -> None:
        try:
            decision = await self._decide_open(state)
        except (NotFound, PermissionDenied):
            # Deleted, or the bot was removed: nothing to warn or archive any more.
            decision = Decision(state.chat_id, f"#{state.chat_id}", "skip", "gone",
                                words.text("why.gone"), clear=True)
        self.plan.add(decision)

    async def _decide_open(self, state: ChatState) -> Decision:
        chat = await self.ctx.client.get_chat(state.chat_id)
        if chat.archived:
            if state.archived_by_run is not None:
                return skip(chat, "archived", words.text("why.archived_interrupted"),
                            finish=True)
            return skip(chat, "archived", words.text("why.archived_by_someone"),
                        clear=True)
        anchor, adopt = None, None
        if state.warning_message_id is not None and state.warned_at is not None:
            anchor = Anchor(state.warning_message_id, state.warned_at)
        elif state.warned_by_run is not None and state.warned_at is not None:
            found = await self._find_warning(chat, state.warned_by_run,
                                             state.warned_at - _CLOCK_SLACK)
            if found is not None:
                anchor = adopt = Anchor(found.id, found.created_at)
        if anchor is not None:
            human_at = None
            if chat.last_message_at > anchor.at:
                human_at = await self._human_after(chat.id, anchor.message_id)
            decision = decide_warned(chat, state, anchor, human_at, self.now, self.params,
                                     thread_at=await self._thread_at(chat.id))
            return replace(decision, adopt=adopt)
        # No warning stands: a warning that never got posted, or an unwarned archive
        # (warn_days 0) cut short, perhaps after its closing message.
        cycle = state.archived_by_run
        if cycle is not None and self.params.closing_message:
            posted = await self._closing_posted(chat, cycle)
            if posted is not None:
                thread_at = await self._thread_at(chat.id)
                if thread_at is not None and thread_at > posted.at:
                    return skip(chat, "thread",
                                words.text("why.wrote_thread", date=day(thread_at, self.now)),
                                clear=True)
                human_at = await self._human_after(chat.id, posted.message_id)
                if human_at is None:
                    return Decision(chat.id, chat.name, "archive", "inactive",
                                    words.text("why.closing_interrupted"),
                                    last_message_at=chat.last_message_at, cycle=cycle)
                return skip(chat, "active", words.text("why.wrote", date=day(human_at, self.now)),
                            clear=True)
        decision = decide_fresh(chat, state, self.now, self.params, cycle=cycle,
                                thread_at=await self._thread_at(chat.id))
        return replace(decision, clear=True) if decision.verb == "skip" else decision

    async def _closing_posted(self, chat: Chat, cycle: int) -> Anchor | None:
        """The closing message of an interrupted archive, if it reached the chat."""
        target = await self.ctx.state.effects.target(closing_key(chat.id, cycle), "close")
        if target is None:
            return None
        detail = target.detail
        if target.status == "done" and detail.get("message_id"):
            at = detail.get("created_at")
            when = datetime.fromisoformat(at) if at else chat.last_message_at
            return Anchor(int(detail["message_id"]), when)
        digest = detail.get("hash")
        found = await self._find_bot_message(
            chat.id, self.cutoff,
            lambda m: digest is not None and content_hash(m.content) == digest,
        )
        return Anchor(found.id, found.created_at) if found else None

    async def _find_warning(self, chat: Chat, run_id: int, since: datetime) -> Message | None:
        """The warning an interrupted run posted (recognised by its signed buttons)."""

        def ours(message: Message) -> bool:
            for row in message.buttons or []:
                for button in row:
                    if not button.data:
                        continue
                    try:
                        action = parse_button_data(button.data, self.secret)
                    except ForgedButton:
                        continue
                    if (action.action in ACTIONS and action.chat_id == chat.id
                            and action.scope == run_id):
                        return True
            return False

        return await self._find_bot_message(chat.id, since, ours)

    async def _find_bot_message(
        self, chat_id: int, since: datetime, match: Callable[[Message], bool]
    ) -> Message | None:
        async for message in self.ctx.client.list_messages(chat_id):
            if message.created_at < since:
                return None
            if message.user_id == self.ctx.bot_user_id and match(message):
                return message
        return None

    async def _human_after(self, chat_id: int, anchor_id: int) -> datetime | None:
        """When someone other than the bot last wrote after message ``anchor_id``, or None."""
        async for message in self.ctx.client.list_messages(chat_id):
            if message.id <= anchor_id:
                return None
            if message.user_id != self.ctx.bot_user_id:
                return message.created_at
        return None
