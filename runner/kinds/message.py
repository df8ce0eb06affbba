"""Kind ``message``: post a message from a template on schedule (a reminder, a notice)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pydantic import Field, field_validator, model_validator

from runner import words
from runner.catalogue.fields import KindParams, Label, Link, ru
from runner.effects import POSTING_SCOPES
from runner.kinds.base import JobContext, JobKind
from runner.pachca.models import Button
from runner.recipients import Recipients, post_everywhere


class LinkButton(KindParams):
    """A button under the message that opens a link."""

    text: Label = Field(
        description="Button text.", max_length=255, examples=["Открыть таймшиты"],
        json_schema_extra=ru("Текст кнопки."),
    )
    url: Link = Field(
        description="The link it opens.", examples=["https://example.com/timesheets"],
        json_schema_extra=ru("Ссылка, которую открывает кнопка."),
    )


class MessageParams(KindParams):
    """Parameters of a ``message`` job."""

    to: Recipients = Field(
        description="Where to post: `chats` and/or `users` (ids).",
        examples=[{"chats": [101]}],
        json_schema_extra=ru("Куда отправить: `chats` и/или `users` (id)."),
    )
    text: str | None = Field(
        default=None, description="The message as an inline Jinja template (or use `template`).",
        examples=["Коллеги, заполните таймшиты до {{ now|ru_date }}."],
        json_schema_extra=ru("Текст сообщения, шаблон Jinja прямо в каталоге (или `template`)."),
    )
    template: str | None = Field(
        default=None, description="A template file in templates/ (or use `text`).",
        examples=["reminder.md.j2"],
        json_schema_extra=ru("Файл шаблона в папке templates/ (или `text`)."),
    )
    vars: dict[str, Any] = Field(
        default_factory=dict, description="Values handed to the template.",
        examples=[{"deadline": "пятница"}],
        json_schema_extra=ru("Значения, которые получает шаблон."),
    )
    buttons: list[LinkButton] = Field(
        # One per row, and Pachca takes at most 32 rows.
        default_factory=list, max_length=32, description="Link buttons under the message.",
        examples=[[{"text": "Открыть таймшиты", "url": "https://example.com/timesheets"}]],
        json_schema_extra=ru("Кнопки-ссылки под сообщением."),
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(words.text("message.blank"))
        return value

    @model_validator(mode="after")
    def _one_source(self) -> MessageParams:
        if (self.text is None) == (self.template is None):
            raise ValueError(words.text("message.one_source"))
        return self


class MessageKind(JobKind[MessageParams]):
    """Posts one message to chats and people."""

    name = "message"
    Params = MessageParams
    summary = "Post a message from a template (reminders, notices)."

    def scopes(self, params: MessageParams) -> frozenset[str]:
        """To post (and find its own post again after a crash)."""
        return POSTING_SCOPES

    def templates(self, params: MessageParams) -> list[str]:
        return [params.template] if params.template else []

    def sample_context(self, params: MessageParams, template: str) -> dict[str, Any]:
        return self._context_for(params, None)

    def inline_templates(self, params: MessageParams) -> dict[str, str]:
        return {"text": params.text} if params.text is not None else {}

    @staticmethod
    def _context_for(params: MessageParams, ctx: JobContext | None) -> dict[str, Any]:
        from datetime import datetime

        when = ctx.scheduled_for if ctx else datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        return {"vars": params.vars, "now": when, "job": ctx.job.name if ctx else "sample"}

    async def run(self, ctx: JobContext, params: MessageParams) -> None:
        context = self._context_for(params, ctx)
        if params.template:
            text = ctx.renderer.render(params.template, context)
        else:
            text = ctx.renderer.render_string(
                params.text or "", context, origin=f"{ctx.job.name}.text"
            )
        buttons = [[Button(text=b.text, url=b.url)] for b in params.buttons] or None
        await post_everywhere(ctx, params.to, text, buttons=buttons)


KIND = MessageKind()
