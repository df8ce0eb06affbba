"""Button clicks on the runner's own messages: the kinds' buttons and failure alerts.

Anyone can send any ``data`` in a click, so every click is checked before it acts:
1. the data carries the runner's signature (``runner.buttons``), else a polite refusal;
2. it was pressed where it was posted: the click's chat is the chat in the data (or the
   alerts chat), and the message is the one the button belongs to;
3. the person is a member of that chat.
Here the signature is checked and the click routed: «Повторить» on an alert is handled
here, a chat button goes to the handler of the kind that posted it (by the action in
its signed data, ``JobKind.button_actions``), which checks 2 and 3 for its messages.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from runner import words
from runner.bot.context import BotContext, event_time, one_line
from runner.buttons import ButtonAction, parse_button_data
from runner.errors import ForgedButton, NotFound, PermissionDenied
from runner.kinds import registry
from runner.pachca.models import ButtonClick

if TYPE_CHECKING:
    from runner.catalogue import JobSpec
    from runner.execute import Outcome

log = logging.getLogger("runner.bot.clicks")

RETRY_MARKS = "_bot"
"""Pseudo-job under which ``retry:<message id>`` records who asked for a rerun."""

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
            log.warning("%s", words.text("click.forged", user=click.user_id, id=click.message_id,
                                        error=exc))
            await self.bot.tell(click.user_id, "click_refused.md.j2", reason="forged",
                                chat=None, job=None)
            return "refused:forged"
        if action.job is not None:
            return await self._retry(click, action, action.job)
        handler = registry.button_actions()[action.action]  # signed: one a kind offers
        async with self.bot.lock(click.chat_id):
            return await handler(self.bot, click, action)

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
                or message.user_id != await bot.rt.bot_user.get()
                or not any(b.data == click.data for b in pressed)):
            marked = await bot.rt.state.values.get(RETRY_MARKS, f"retry:{click.message_id}")
            if marked:  # the buttons were removed by the first click
                await bot.tell(user, "click_already.md.j2", action="retry", by=marked.get("by"),
                               chat=None, job=name, kept_until=None)
                return "already_decided"
            await bot.tell(user, "click_refused.md.j2", reason="mismatch", chat=None, job=name)
            return "refused:mismatch"
        chat = await bot.chat(alerts.chat_id)
        if chat is None or not await bot.is_member(chat, user):
            await bot.tell(user, "click_refused.md.j2", reason="not_alerts_member", chat=None,
                           job=name)
            return "refused:not_member"
        job = bot.rt.catalogue.jobs.get(name)
        if job is None:
            await bot.tell(user, "click_refused.md.j2", reason="unknown_job", chat=None, job=name)
            return "refused:unknown_job"
        async with bot.lock(-click.message_id):
            at = event_time(click.webhook_timestamp, bot.now())
            mark = {"by": user, "at": at.isoformat(), "trigger": click.trigger_id}
            # Kept only if none was: of two presses on two replicas (the lock is one
            # process's), exactly one reruns the job.
            if await bot.rt.state.values.first(RETRY_MARKS, f"retry:{click.message_id}",
                                               mark) != mark:
                return "already_decided"
        note = bot.render("click_retry.md.j2", stage="note", job=name, by=user,
                          at=at.astimezone(ZoneInfo(job.timezone)))
        await bot.edit(message.id, alerts.chat_id,
                       message.content.rstrip() + "\n\n" + note)
        await bot.tell(user, "click_retry.md.j2", stage="started", job=name)
        log.info("%s", words.text("click.rerun", job=name, user=user))
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

