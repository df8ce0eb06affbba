"""The sweep's effects, each bracketed in the state store so a crash never doubles one.

A warning: record the intent (``warned_by_run``, ``warned_at``, no message id yet) ->
post it once (``post_once`` under a key of that intent) -> record the message. A rerun
that finds an intent without a message id looks for the warning in the chat (by its
signed buttons) before posting anything, so even a rerun under a new run key cannot
warn twice. An archive: record the intent (``archived_by_run``) -> the closing message
(``post_once`` under a key of the warning cycle) -> ``PUT archive`` (idempotent) ->
record the action and ``archived_at``. A rerun finds a half-done archive in the
state store and finishes it or, if the chat is already archived, only records it.
The archives' intents and results are committed in groups (``batches``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from runner import words
from runner.buttons import make_button_data
from runner.effects import post_once
from runner.kinds.sweep.batches import Intents, Ledger
from runner.kinds.sweep.decide import Decision
from runner.kinds.sweep.params import SweepParams
from runner.kinds.sweep.records import ChatWrite, SweepRecords
from runner.kinds.sweep.scan import closing_key
from runner.pachca.models import Button

if TYPE_CHECKING:
    from runner.buttons import Keys
    from runner.kinds.base import JobContext
    from runner.kinds.sweep.records import ChatState

WARNING_TEMPLATE = "sweep_warning.md.j2"
CLOSING_TEMPLATE = "sweep_closing.md.j2"
REPORT_TEMPLATE = "sweep_report.md.j2"

RESULTS_LINGER_S = 0.2
"""How long an archive's result may wait to be committed with others (``batches``)."""

_CLEARED: dict[str, Any] = {
    "warned_at": None,
    "warning_message_id": None,
    "warned_by_run": None,
    "archive_requested_at": None,
    "archive_requested_by": None,
}


def _keyed(ctx: JobContext, key: str) -> JobContext:
    """``ctx`` whose effects are keyed by ``key`` instead of the run's key.

    A rerun of ``run-job`` gets a new run key; keying a chat's messages by its warning
    cycle instead makes ``post_once`` recognise what an earlier run already posted.
    """
    return dataclasses.replace(ctx, run=dataclasses.replace(ctx.run, key=key))


class Actor:
    """Makes the effects of one run's decisions (never called in a dry run)."""

    def __init__(self, ctx: JobContext, params: SweepParams, secret: Keys, *,
                 archives: Sequence[Decision] = (),
                 archived: Callable[[int], None] = lambda n: None) -> None:
        self.ctx = ctx
        self.params = params
        self.secret = secret
        self.run_id = ctx.run.run_id
        self.zone = ZoneInfo(ctx.job.timezone)
        self.records = ctx.state.records(SweepRecords)
        # Archives' records, grouped (see ``batches``): ``archives`` in the order taken.
        group = 2 * params.concurrency
        self._intents = Intents(self._record_intents, archives, group)
        self._results: Ledger[tuple[Decision, ChatWrite]] = Ledger(
            self._record_results, self._recorded, most=group, linger=RESULTS_LINGER_S)
        self._archived = archived

    async def _record_intents(self, decisions: list[Decision]) -> list[ChatState | None]:
        return await self.records.read_then_write_chats(
            [(d.chat_id, self._intent(d)) for d in decisions])

    def _intent(self, d: Decision) -> Callable[[ChatState | None], dict[str, Any]]:
        cycle = d.cycle if d.cycle is not None else self.run_id

        def intent(state: ChatState | None) -> dict[str, Any]:
            # An unwarned chat is found again on a rerun only through this intent, and its
            # closing key must not change then: keep the first run's id until it is done.
            warned = state is not None and state.warning_message_id is not None
            return {"archived_by_run": self.run_id if warned else cycle}

        return intent

    async def _record_results(self, done: list[tuple[Decision, ChatWrite]]) -> None:
        await self.records.write_chats([write for _, write in done])

    def _recorded(self, done: list[tuple[Decision, ChatWrite]]) -> None:
        report = self.ctx.report
        for d, _ in done:
            report.count("archived")
            report.say(words.text("sweep.archived", name=d.name, note=d.note))
        self._archived(len(done))

    async def recorded(self) -> None:
        """Wait until every archive answered so far is recorded (raises if it cannot be);
        no more intents are recorded ahead."""
        self._intents.close()
        await self._results.drain()

    def stop(self) -> None:
        """Stop recording ahead, and give up results still waiting (the run was cancelled)."""
        self._intents.close()
        self._results.close()

    # -- state-only chores -----------------------------------------------------------------

    async def settle(self, d: Decision) -> None:
        """Record what the scan found out: recovered warnings, finished archives, resets."""
        if d.adopt is not None:
            state: ChatState | None = await self.records.chat(d.chat_id)
            run = state.warned_by_run if state and state.warned_by_run else self.run_id
            done = await self.records.actions(run, "warned")
            if not any(a.chat_id == d.chat_id for a in done):
                await self.records.record_action(run, d.chat_id, "warned", {
                    "message_id": d.adopt.message_id, "recovered": True, "name": d.name})
            await self.records.update_chat(d.chat_id, warning_message_id=d.adopt.message_id,
                                           warned_at=d.adopt.at)
            self.ctx.report.say(words.text("sweep.adopted_warning", name=d.name))
        if d.finish:
            state = await self.records.chat(d.chat_id)
            run = state.archived_by_run if state and state.archived_by_run else self.run_id
            done = await self.records.actions(run, "archived")
            if not any(a.chat_id == d.chat_id for a in done):
                await self.records.record_action(run, d.chat_id, "archived",
                                                 {"recovered": True, "name": d.name})
            await self.records.update_chat(d.chat_id, archived_at=self.ctx.now(),
                                           archived_by_run=run)
            self.ctx.report.count("recovered")
            self.ctx.report.say(words.text("sweep.adopted_archive", name=d.name))
        if d.clear:
            await self.records.update_chat(d.chat_id, archived_by_run=None, **_CLEARED)
        if d.mark_unarchived:
            await self.records.update_chat(d.chat_id, unarchived_at=self.ctx.now())

    # -- warning ---------------------------------------------------------------------------

    def warning_context(self, name: str, warned_at: datetime) -> dict[str, Any]:
        """What the warning template gets: only values fixed when the intent is recorded,
        so a retry renders the very same text (``post_once`` matches on it)."""
        local = warned_at.astimezone(self.zone)
        p = self.params
        return {
            "chat": {"name": name},
            "inactive_days": p.inactive_days,
            "warn_days": p.warn_days,
            "snooze_days": p.snooze_days,
            "warned_at": local,
            "archive_on": local + timedelta(days=p.warn_days),
            "keep_button": p.keep_button,
            "archive_now_button": p.archive_now_button if p.allow_archive_now else None,
        }

    def buttons(self, chat_id: int) -> list[list[Button]]:
        """«Оставить чат» (and «Архивировать сейчас»), signed for this chat and run."""
        rows = [[Button(text=self.params.keep_button,
                        data=make_button_data("keep", chat_id, self.secret, scope=self.run_id))]]
        if self.params.allow_archive_now:
            rows.append([Button(text=self.params.archive_now_button,
                                data=make_button_data("archive_now", chat_id, self.secret,
                                                      scope=self.run_id))])
        return rows

    async def warn(self, d: Decision) -> None:
        """Post the warning once and record it."""
        ctx = self.ctx
        at = ctx.now()
        await self.records.update_chat(d.chat_id, warned_at=at, warned_by_run=self.run_id,
                                       warning_message_id=None, archive_requested_at=None,
                                       archive_requested_by=None, archived_at=None,
                                       archived_by_run=None)
        content = ctx.renderer.render(WARNING_TEMPLATE, self.warning_context(d.name, at))
        key = f"sweep-warn:{d.chat_id}:{self.run_id}:{int(at.timestamp() * 1000)}"
        message_id = await post_once(_keyed(ctx, key), "warn", entity_id=d.chat_id,
                                     content=content, buttons=self.buttons(d.chat_id),
                                     label=f"«{d.name}»")
        target = await self.ctx.state.effects.target(key, "warn")
        created = target.detail.get("created_at") if target else None
        # The action first: a crash before the message id is recorded leaves the warning
        # to be found again (``settle`` then records no second action); the other order
        # would leave a recorded warning without its action for good.
        await self.records.record_action(self.run_id, d.chat_id, "warned", {
            "message_id": message_id, "reason": d.note, "name": d.name})
        await self.records.update_chat(d.chat_id, warning_message_id=message_id,
                                       warned_at=datetime.fromisoformat(created) if created else at)
        ctx.report.count("warned")
        ctx.report.say(words.text("sweep.warned", name=d.name, note=d.note))

    # -- archive ---------------------------------------------------------------------------

    def closing_context(self, name: str, state: ChatState | None) -> dict[str, Any]:
        """What the closing template gets: only values that stay put between retries."""
        warned_at = state.warned_at.astimezone(self.zone) if state and state.warned_at else None
        requested_by = None
        if state and state.archive_requested_at and state.archive_requested_by:
            requested_by = state.archive_requested_by
        return {
            "chat": {"name": name},
            "inactive_days": self.params.inactive_days,
            "warned_at": warned_at,
            "requested_by": requested_by,
        }

    async def archive(self, d: Decision) -> None:
        """Record the intent, post the closing message (once per warning cycle), archive;
        the result is recorded soon after, with others (``recorded`` waits for it)."""
        ctx = self.ctx
        cycle = d.cycle if d.cycle is not None else self.run_id
        # The state as it was before the intent, read and the intent recorded in one commit.
        state = await self._intents.before(d)
        if self.params.closing_message:
            key = closing_key(d.chat_id, cycle)
            before = await self.ctx.state.effects.target(key, "close")
            content = ctx.renderer.render(CLOSING_TEMPLATE, self.closing_context(d.name, state))
            message_id = await post_once(_keyed(ctx, key), "close", entity_id=d.chat_id,
                                         content=content, label=words.text("sweep.closing", name=d.name))
            if before is None or before.status != "done":
                await self.records.record_action(self.run_id, d.chat_id, "closing_message",
                                                 {"message_id": message_id})
        await ctx.client.archive_chat(d.chat_id)
        self._results.add((d, ChatWrite(
            d.chat_id, {"archived_at": ctx.now(), "archived_by_run": self.run_id},
            action=(self.run_id, "archived", {"reason": d.note, "name": d.name}))))

    async def undo_intent(self, d: Decision) -> None:
        """Forget an intent the API refused (4xx: nothing was made; the chat stays as it was)."""
        if d.verb == "archive":
            await self.records.update_chat(d.chat_id, archived_by_run=None)
        else:
            await self.records.update_chat(d.chat_id, **_CLEARED)
