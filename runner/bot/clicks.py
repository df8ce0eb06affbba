"""Button clicks on the runner's own messages: sweep warnings and failure alerts.

Anyone can send any ``data`` in a click, so every click is checked before it acts:
1. the data carries the runner's signature (``runner.buttons``), else a polite refusal;
2. it was pressed where it was posted: the click's chat is the chat in the data (or the
   alerts chat), and the message is the chat's recorded warning (or carries that very
   button, for an alert);
3. the person is a member of that chat.
Only then is the decision recorded in the state store (which the sweep honours), the
message edited so its buttons are gone, and the person answered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from runner.bot.context import BotContext, event_time, one_line
from runner.buttons import ButtonAction, parse_button_data
from runner.errors import ForgedButton, NotFound, PachcaError, PermissionDenied
from runner.pachca.models import ButtonClick, Chat
from runner.state import ChatState
from runner.sweep.decide import answered
from runner.sweep.records import SweepRecords

if TYPE_CHECKING:
    from runner.catalogue import JobSpec
    from runner.execute import Outcome

log = logging.getLogger("runner.bot.clicks")

RETRY_MARKS = "_bot"
"""Pseudo-job under which ``retry:<message id>`` records who asked for a rerun."""
DEFAULT_SNOOZE_DAYS = 30

RunJob = Callable[["JobSpec", int], Awaitable["Outcome"]]
"""Reruns a job for «Повторить»: resuming the failed run whose id is given (0: none)."""
Spawn = Callable[[Awaitable[None]], None]


class ClickHandler:
    """Decides what a click does; returns a short label of what happened (for counts)."""

    def __init__(self, bot: BotContext, run_job: RunJob, spawn: Spawn | None = None) -> None:
        self.bot = bot
        self.run_job = run_job
        # None: a rerun is awaited here (``bot poll --once``); else handed to the daemon.
        self.spawn = spawn

    async def handle(self, click: ButtonClick) -> str:
        """Act on one verified click, or refuse it politely."""
        try:
            action = parse_button_data(click.data, self.bot.secret)
        except ForgedButton as exc:
            log.warning("click by user %d on message %d refused: %s", click.user_id,
                        click.message_id, exc)
            await self.bot.tell(click.user_id, "click_refused.md.j2", reason="forged",
                                chat=None, job=None)
            return "refused:forged"
        if action.job is not None:
            return await self._retry(click, action, action.job)
        async with self.bot.lock(click.chat_id):
            return await self._chat_action(click, action)

    # -- sweep warnings -------------------------------------------------------------------

    async def _chat_action(self, click: ButtonClick, action: ButtonAction) -> str:
        bot, user = self.bot, click.user_id
        if action.chat_id != click.chat_id:
            log.warning("click by user %d: a button for chat %s pressed in chat %d; refused",
                        user, action.chat_id, click.chat_id)
            await bot.tell(user, "click_refused.md.j2", reason="mismatch", chat=None, job=None)
            return "refused:mismatch"
        chat = await self._chat(click.chat_id)
        name = chat.name if chat else f"#{click.chat_id}"
        chats = bot.rt.state.records(SweepRecords)
        state: ChatState | None = await chats.chat(click.chat_id)
        if (chat is None or chat.archived or state is None
                or state.warning_message_id != click.message_id
                or (state.warned_by_run is not None and state.warned_by_run != action.scope)):
            log.info("click by user %d on a stale warning in chat %d", user, click.chat_id)
            await bot.tell(user, "click_refused.md.j2", reason="stale", chat=name, job=None)
            return "refused:stale"
        if not await self._is_member(chat, user):
            log.info("click by user %d refused: not a member of chat %d", user, chat.id)
            await bot.tell(user, "click_refused.md.j2", reason="not_member", chat=name, job=None)
            return "refused:not_member"
        if _decided(state):
            kept = state.kept_until if answered(state) else None
            by = state.keep_by_user if kept else state.archive_requested_by
            await bot.tell(user, "click_already.md.j2", action="keep" if kept else "archive_now",
                           by=by, chat=name, job=None, kept_until=self._local(kept))
            return "already_decided"
        job = await self._sweep_job(state)
        params = job.params if job is not None else None
        at = max(event_time(click.webhook_timestamp, bot.now()), state.warned_at or bot.now())
        if action.action == "keep":
            days = int(getattr(params, "snooze_days", DEFAULT_SNOOZE_DAYS))
            kept_until = at + timedelta(days=days)
            await chats.update_chat(chat.id, kept_until=kept_until, keep_by_user=user)
            context: dict[str, Any] = {"kept_until": self._local(kept_until, job)}
        else:
            if not getattr(params, "allow_archive_now", False):
                await bot.tell(user, "click_refused.md.j2", reason="not_allowed", chat=name,
                               job=None)
                return "refused:not_allowed"
            await chats.update_chat(chat.id, archive_requested_at=at,
                                    archive_requested_by=user)
            context = {"kept_until": None}
        log.info("chat %d «%s»: %s by user %d", chat.id, name, action.action, user)
        await self._edit(click.message_id, chat.id,
                         bot.render("click_decided.md.j2", action=action.action, chat=name,
                                    by=user, **context))
        await bot.tell(user, "click_done.md.j2", action=action.action, chat=name, **context)
        return f"decided:{action.action}"

    async def _chat(self, chat_id: int) -> Chat | None:
        try:
            return await self.bot.rt.client.get_chat(chat_id)
        except (NotFound, PermissionDenied):
            return None

    async def _is_member(self, chat: Chat, user_id: int) -> bool:
        if user_id in chat.member_ids:
            return True
        if chat.member_ids:
            return False
        # Some answers leave member_ids out: ask the members list, page by page.
        async for member in self.bot.rt.client.list_members(chat.id):
            if member.id == user_id:
                return True
        return False

    async def _sweep_job(self, state: ChatState) -> JobSpec | None:
        """The sweep job whose run posted the warning (its snooze and archive-now rules)."""
        jobs = self.bot.rt.catalogue.jobs
        if state.warned_by_run is not None:
            record = await self.bot.rt.state.runs.get(state.warned_by_run)
            if record is not None and record.job in jobs:
                return jobs[record.job]
        sweeps = [j for j in jobs.values() if j.kind == "sweep"]
        return sweeps[0] if len(sweeps) == 1 else None

    def _local(self, when: datetime | None, job: JobSpec | None = None) -> datetime | None:
        if when is None:
            return None
        zone = job.timezone if job is not None else self.bot.rt.catalogue.timezone
        return when.astimezone(ZoneInfo(zone))

    async def _edit(self, message_id: int, chat_id: int, content: str) -> None:
        """Replace the message's text and remove its buttons; failures are only logged."""
        try:
            await self.bot.rt.client.update_message(message_id, content=content, buttons=[],
                                                    chat_id=chat_id)
        except PachcaError as exc:
            log.error("could not update message %d in chat %d: %s", message_id, chat_id, exc)

    # -- failure alerts: «Повторить» --------------------------------------------------------

    async def _retry(self, click: ButtonClick, action: ButtonAction, name: str) -> str:
        bot, user = self.bot, click.user_id
        alerts = bot.rt.catalogue.alerts
        if alerts is None or click.chat_id != alerts.chat_id:
            await bot.tell(user, "click_refused.md.j2", reason="mismatch", chat=None, job=name)
            return "refused:mismatch"
        try:
            message = await bot.rt.client.get_message(click.message_id)
        except (NotFound, PermissionDenied):
            message = None
        pressed = [b for row in (message.buttons or []) for b in row] if message else []
        if (message is None or message.chat_id != alerts.chat_id
                or message.user_id != bot.rt.bot_user_id
                or not any(b.data == click.data for b in pressed)):
            marked = await bot.rt.state.values.get(RETRY_MARKS, f"retry:{click.message_id}")
            if marked:  # the buttons were removed by the first click
                await bot.tell(user, "click_already.md.j2", action="retry", by=marked.get("by"),
                               chat=None, job=name, kept_until=None)
                return "already_decided"
            await bot.tell(user, "click_refused.md.j2", reason="mismatch", chat=None, job=name)
            return "refused:mismatch"
        chat = await self._chat(alerts.chat_id)
        if chat is None or not await self._is_member(chat, user):
            await bot.tell(user, "click_refused.md.j2", reason="not_alerts_member", chat=None,
                           job=name)
            return "refused:not_member"
        job = bot.rt.catalogue.jobs.get(name)
        if job is None:
            await bot.tell(user, "click_refused.md.j2", reason="unknown_job", chat=None, job=name)
            return "refused:unknown_job"
        async with bot.lock(-click.message_id):
            key = f"retry:{click.message_id}"
            if await bot.rt.state.values.get(RETRY_MARKS, key):
                return "already_decided"
            at = event_time(click.webhook_timestamp, bot.now())
            await bot.rt.state.values.set(RETRY_MARKS, key, {"by": user, "at": at.isoformat()})
        note = bot.render("click_retry.md.j2", stage="note", job=name, by=user,
                          at=at.astimezone(ZoneInfo(job.timezone)))
        await self._edit(message.id, alerts.chat_id,  # type: ignore[union-attr]
                         message.content.rstrip() + "\n\n" + note)  # type: ignore[union-attr]
        await bot.tell(user, "click_retry.md.j2", stage="started", job=name)
        log.info("job %s: rerun asked by user %d", name, user)
        work = self._rerun(job, user, action.scope)
        if self.spawn is None:
            await work
        else:
            self.spawn(work)
        return "retry"

    async def _rerun(self, job: JobSpec, user: int, failed_run: int) -> None:
        outcome = await self.run_job(job, failed_run)
        await self.bot.tell(user, "click_retry.md.j2", stage="result", job=job.name,
                            status=outcome.status, error=one_line(outcome.error))


def _decided(state: ChatState) -> bool:
    """Whether someone already answered the current warning (keep or archive now)."""
    if answered(state):
        return True
    requested = state.archive_requested_at
    return requested is not None and (state.warned_at is None or requested >= state.warned_at)
