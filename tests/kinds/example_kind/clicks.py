"""The ``sign_up`` button: the dispatcher checked its signature; here, that it was pressed
in its own chat by a member, then the signup is recorded in the kind's table."""

from __future__ import annotations

from runner.bot.context import BotContext
from runner.buttons import ButtonAction
from runner.pachca.models import ButtonClick
from tests.kinds.example_kind import table


async def on_sign_up(bot: BotContext, click: ButtonClick, action: ButtonAction) -> str:
    """Record the person who pressed «Записаться»; a label for the bot's counts."""
    if action.chat_id != click.chat_id:
        return "refused:mismatch"
    chat = await bot.chat(click.chat_id)
    if chat is None or not await bot.is_member(chat, click.user_id):
        return "refused:not_member"
    new = await bot.rt.state.records(table.Signups).record(click.chat_id, click.user_id,
                                                           action.scope, bot.now())
    return "signed_up" if new else "already_signed_up"
