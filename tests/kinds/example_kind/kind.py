"""Kind ``signup``: post a message with a «Записаться» button to one chat."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from runner.buttons import make_button_data
from runner.catalogue.fields import Id, KindParams, ru
from runner.effects import POSTING_SCOPES, post_once
from runner.kinds.base import ButtonHandler, JobContext, JobKind
from runner.pachca.models import Button

if TYPE_CHECKING:
    from runner.bot.context import BotContext
    from runner.buttons import ButtonAction
    from runner.pachca.models import ButtonClick

ACTION = "sign_up"


class SignupParams(KindParams):
    """A signup job's own fields."""

    chat_id: Id = Field(description="The chat to post the signup message to.", examples=[101],
                        json_schema_extra=ru("Чат, куда отправить сообщение с записью."))
    text: str = Field(description="The message people read above the button.",
                      examples=["Кто идёт на митап?"],
                      json_schema_extra=ru("Текст сообщения над кнопкой."))


async def _on_sign_up(bot: BotContext, click: ButtonClick, action: ButtonAction) -> str:
    from tests.kinds.example_kind.clicks import on_sign_up

    return await on_sign_up(bot, click, action)


class SignupKind(JobKind[SignupParams]):
    """Posts a message with a button; who presses it is recorded."""

    name = "signup"
    Params = SignupParams
    summary = "Post a signup message with a button; record who presses it."
    button_actions: ClassVar[Mapping[str, ButtonHandler]] = {ACTION: _on_sign_up}
    messages: ClassVar[Mapping[str, tuple[str, str]]] = {
        "signup.posted": ("signup message posted to chat {chat}",
                          "сообщение с записью отправлено в чат {chat}"),
    }

    def scopes(self, params: SignupParams) -> frozenset[str]:
        """To post the message."""
        return POSTING_SCOPES

    async def run(self, ctx: JobContext, params: SignupParams) -> None:
        """Post the message with its button, once per run."""
        from runner import words

        data = make_button_data(ACTION, params.chat_id, ctx.button_secret,
                                scope=ctx.run.run_id)
        await post_once(ctx, f"chat:{params.chat_id}", entity_id=params.chat_id,
                        content=params.text, buttons=[[Button(text="Записаться", data=data)]])
        ctx.report.count("posted")
        ctx.report.say(words.text("signup.posted", chat=params.chat_id))


KIND = SignupKind()
