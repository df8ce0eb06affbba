"""«Оставить чат» / «Архивировать сейчас»: the buttons on the sweep's warnings.

The bot's dispatcher has checked the signature and routes the click here by its action
(``SweepKind.button_actions``). Here: it was pressed where it was posted (the click's
chat is the chat in the data, the message is the chat's current warning of that run)
by a member of the chat; «Архивировать сейчас» only by its creator or an admin, as in
Pachca archiving a chat is theirs alone (the bot archives it, but must not lend a plain
member a right Pachca refuses them). Only then is the decision recorded in the state store (which
the sweep honours), the message edited so its buttons are gone, and the person answered.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from runner import words
from runner.bot.context import BotContext, event_time
from runner.kinds.sweep.decide import answered
from runner.kinds.sweep.records import ChatState, SweepRecords
from runner.preflight import MANAGING_ROLES, holds_role

if TYPE_CHECKING:
    from runner.buttons import ButtonAction
    from runner.catalogue import JobSpec
    from runner.pachca.models import ButtonClick

log = logging.getLogger("runner.bot.clicks")

DEFAULT_SNOOZE_DAYS = 30


async def on_click(bot: BotContext, click: ButtonClick, action: ButtonAction) -> str:
    """«Оставить чат» / «Архивировать сейчас» on a warning: record the decision the sweep
    honours, once checked that it is this chat's current warning and the person a member."""
    user = click.user_id
    if action.chat_id != click.chat_id:
        log.warning("%s", words.text("click.mismatch", user=user, chat=action.chat_id,
                                    pressed_in=click.chat_id))
        await bot.tell(user, "click_refused.md.j2", reason="mismatch", chat=None, job=None)
        return "refused:mismatch"
    chat = await bot.chat(click.chat_id)
    name = chat.name if chat else f"#{click.chat_id}"
    chats = bot.rt.state.records(SweepRecords)
    state: ChatState | None = await chats.chat(click.chat_id)
    if (chat is None or chat.archived or state is None
            or state.warning_message_id != click.message_id
            or (state.warned_by_run is not None and state.warned_by_run != action.scope)):
        log.info("%s", words.text("click.stale", user=user, chat=click.chat_id))
        await bot.tell(user, "click_refused.md.j2", reason="stale", chat=name, job=None)
        return "refused:stale"
    if not await bot.is_member(chat, user):
        log.info("%s", words.text("click.not_member", user=user, chat=chat.id))
        await bot.tell(user, "click_refused.md.j2", reason="not_member", chat=name, job=None)
        return "refused:not_member"
    if _decided(state):
        kept = state.kept_until if answered(state) else None
        by = state.keep_by_user if kept else state.archive_requested_by
        await bot.tell(user, "click_already.md.j2", action="keep" if kept else "archive_now",
                       by=by, chat=name, job=None, kept_until=_local(bot, kept))
        return "already_decided"
    job = await _sweep_job(bot, state)
    params = job.params if job is not None else None
    at = max(event_time(click.webhook_timestamp, bot.now()), state.warned_at or bot.now())
    if action.action == "keep":
        days = int(getattr(params, "snooze_days", DEFAULT_SNOOZE_DAYS))
        kept_until = at + timedelta(days=days)
        await chats.update_chat(chat.id, kept_until=kept_until, keep_by_user=user)
        context: dict[str, Any] = {"kept_until": _local(bot, kept_until, job)}
    else:
        if not getattr(params, "allow_archive_now", False):
            await bot.tell(user, "click_refused.md.j2", reason="not_allowed", chat=name,
                           job=None)
            return "refused:not_allowed"
        if not await holds_role(bot.rt.client, chat.id, user, MANAGING_ROLES):
            log.info("%s", words.text("click.not_chat_admin", user=user, chat=chat.id))
            await bot.tell(user, "click_refused.md.j2", reason="not_chat_admin", chat=name,
                           job=None)
            return "refused:not_chat_admin"
        await chats.update_chat(chat.id, archive_requested_at=at, archive_requested_by=user)
        context = {"kept_until": None}
    log.info("%s", words.text("click.decided", chat=chat.id, name=name,
                              action=words.text_or("verb." + action.action, action.action),
                              user=user))
    await bot.edit(click.message_id, chat.id,
                   bot.render("click_decided.md.j2", action=action.action, chat=name, by=user,
                              **context))
    await bot.tell(user, "click_done.md.j2", action=action.action, chat=name, **context)
    return f"decided:{action.action}"


async def _sweep_job(bot: BotContext, state: ChatState) -> JobSpec | None:
    """The sweep job whose run posted the warning (its snooze and archive-now rules)."""
    jobs = bot.rt.catalogue.jobs
    if state.warned_by_run is not None:
        record = await bot.rt.state.runs.get(state.warned_by_run)
        if record is not None and record.job in jobs:
            return jobs[record.job]
    sweeps = [j for j in jobs.values() if j.kind == "sweep"]
    return sweeps[0] if len(sweeps) == 1 else None


def _local(bot: BotContext, when: datetime | None, job: JobSpec | None = None
           ) -> datetime | None:
    if when is None:
        return None
    zone = job.timezone if job is not None else bot.rt.catalogue.timezone
    return when.astimezone(ZoneInfo(zone))


def _decided(state: ChatState) -> bool:
    """Whether someone already answered the current warning (keep or archive now)."""
    if answered(state):
        return True
    requested = state.archive_requested_at
    return requested is not None and (state.warned_at is None or requested >= state.warned_at)
