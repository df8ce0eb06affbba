"""Kind ``chat_from_template``: create a project conversation (or channel) on schedule.

The name is an inline Jinja template (``"Планёрка {{ week }}"``); members come by id and
by group tag; a welcome message may follow. ``POST /chats`` has no idempotency key, so
the creation is bracketed in the state store (target ``chat``): started before the
request, finished with the new chat's id. A target left ``started`` (the process died
or the answer was lost) is settled by looking for a chat with exactly that name, owned
by the token's user and created since the attempt, before creating anything again.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable, Hashable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, cast

from babel.dates import format_date
from jinja2 import Environment, TemplateSyntaxError
from pydantic import Field, field_validator

from runner import jinja_words, words
from runner.catalogue.fields import Id, KindParams, ru
from runner.effects import POSTING_SCOPES, attempt_time, post_once
from runner.errors import JobError, NotFound
from runner.kinds.base import JobContext, JobKind
from runner.pachca.models import Chat

TARGET = "chat"
MAX_NAME = 255
"""Longest chat name Pachca accepts (maxLength of ChatCreateRequest.chat.name)."""
_LOOKBACK_PAGES = 2  # the newest chats, 50 per page: a lost creation is among them
_CLOCK_SLACK = timedelta(minutes=5)  # our clock and Pachca's may disagree a little


class ChatFromTemplateParams(KindParams):
    """Parameters of a ``chat_from_template`` job."""

    name: str = Field(
        description="The chat's name, an inline Jinja template; it can use date, week (ISO "
        "week number), month (Russian name), year, scheduled_for and vars.",
        examples=["Планёрка, неделя {{ week }}"],
        min_length=1,
        json_schema_extra=ru("Название чата, шаблон Jinja; доступны date, week (номер недели"
                             " ISO), month (название месяца по-русски), year, scheduled_for и"
                             " vars."),
    )
    channel: bool = Field(
        default=False, description="Create a channel instead of a conversation.",
        examples=[True], json_schema_extra=ru("Создать канал, а не беседу."),
    )
    public: bool = Field(
        default=False, description="Open to everyone in the workspace.", examples=[True],
        json_schema_extra=ru("Открытый для всех в пространстве."),
    )
    member_ids: list[Id] = Field(
        default_factory=list, description="User ids to add.", examples=[[10004, 10005]],
        json_schema_extra=ru("id пользователей, которых добавить."),
    )
    group_tag_ids: list[Id] = Field(
        default_factory=list, description="Group tags whose members are all added.",
        examples=[[502]], json_schema_extra=ru("Теги групп: добавляются все их участники."),
    )
    welcome_template: str | None = Field(
        default="chat_welcome.md.j2",
        description="Template of the first message in the new chat; null: no message.",
        examples=["chat_welcome.md.j2"],
        json_schema_extra=ru("Шаблон первого сообщения в новом чате; null — без сообщения."),
    )
    vars: dict[str, Any] = Field(
        default_factory=dict, description="Extra values for the name and welcome templates.",
        examples=[{"project": "Север"}],
        json_schema_extra=ru("Дополнительные значения для шаблонов названия и приветствия."),
    )

    @field_validator("name")
    @classmethod
    def _syntax(cls, v: str) -> str:
        try:
            _syntax_only().parse(v)
        except TemplateSyntaxError as exc:
            raise ValueError(words.text("chat.name_syntax", detail=jinja_words.detail(exc.message or ""))) from None
        return v


@cache
def _syntax_only() -> Environment:
    """A plain Jinja environment, for checking a name's syntax: made once, as making one
    for each name was most of what checking 1,700 names cost."""
    return Environment()


def name_context(when: datetime, extra: dict[str, Any]) -> dict[str, Any]:
    """What the name template sees for a run firing at ``when`` (in the job's zone)."""
    day = when.date()
    return {
        "vars": extra,
        "date": day,
        "week": day.isocalendar().week,
        "month": format_date(day, "LLLL", locale="ru"),
        "year": day.year,
        "scheduled_for": when,
    }


class ChatFromTemplateKind(JobKind[ChatFromTemplateParams]):
    """Creates a chat named from a template, once per fire time, and welcomes its members."""

    name = "chat_from_template"
    Params = ChatFromTemplateParams
    summary = "Create a conversation or channel from a template (weekly meetings, projects)."

    def scopes(self, params: ChatFromTemplateParams) -> frozenset[str]:
        """To create the chat, find it again after a crash, and post the welcome."""
        return POSTING_SCOPES | {"chats:create"}

    def templates(self, params: ChatFromTemplateParams) -> list[str]:
        return [params.welcome_template] if params.welcome_template else []

    def inline_templates(self, params: ChatFromTemplateParams) -> dict[str, str]:
        return {"name": params.name}

    def check_rendered(
        self, params: ChatFromTemplateParams, field: str, render: Callable[[], str]
    ) -> str | None:
        """The name, with a sample date, must be one Pachca takes: not empty, not too long."""
        if field != "name":
            return None
        name = render().strip()
        if not name or len(name) > MAX_NAME:
            return words.text("chat.name_length", n=MAX_NAME, got=f"'{name[:60]}'")
        return None

    def sample_key(self, params: ChatFromTemplateParams, template: str) -> Hashable:
        return (repr(params.vars), params.channel, params.public)

    def sample_context(self, params: ChatFromTemplateParams, template: str) -> dict[str, Any]:
        base = name_context(datetime(2026, 11, 23, 10, 0, tzinfo=UTC), params.vars)
        chat = {"id": 100123, "name": "Планёрка, неделя 48", "channel": params.channel,
                "public": params.public, "members": 12}
        return {**base, "chat": chat}

    async def run(self, ctx: JobContext, params: ChatFromTemplateParams) -> None:
        base = name_context(ctx.scheduled_for, params.vars)
        name = ctx.renderer.render_string(params.name, base, origin=f"{ctx.job.name}.name").strip()
        if not name:
            raise JobError(
                f"the name template rendered an empty name for {ctx.scheduled_for:%Y-%m-%d}"
            )
        if len(name) > MAX_NAME:
            raise JobError(f"the name template rendered a name of {len(name)} characters for"
                           f" {ctx.scheduled_for:%Y-%m-%d}; Pachca takes at most {MAX_NAME}")
        what = words.text("chat.channel" if params.channel else "chat.conversation")
        if await self._made_before(ctx, name, what):
            return
        if ctx.dry_run:
            members = await self._members(ctx, params)
            ctx.report.say(words.text("chat.would_create", what=what, name=name, n=len(members),
                                      by_id=len(params.member_ids),
                                      tags=len(params.group_tag_ids)))
            ctx.report.count("would_create")
            chat_context = {"id": 0, "name": name, "channel": params.channel,
                            "public": params.public, "members": len(members)}
            await self._welcome(ctx, params, base, chat_context, chat_id=0)
            return
        chat = await self._create_once(ctx, params, name, what)
        chat_context = {"id": chat.id, "name": chat.name, "channel": chat.channel,
                        "public": chat.public, "members": len(chat.member_ids)}
        await self._welcome(ctx, params, base, chat_context, chat_id=chat.id)

    async def _members(self, ctx: JobContext, params: ChatFromTemplateParams) -> set[int]:
        """Who the chat would get, as ``POST /chats`` adds them: the ids, every member
        of the group tags, and the token's user (its creator)."""
        members = set(params.member_ids)
        if ctx.bot_user_id is not None:
            members.add(ctx.bot_user_id)
        for tag_id in params.group_tag_ids:
            users = cast(AsyncGenerator[Any, None], ctx.client.list_tag_users(tag_id))
            async with contextlib.aclosing(users):
                async for user in users:
                    members.add(user.id)
        return members

    async def _made_before(self, ctx: JobContext, name: str, what: str) -> bool:
        """Whether another run of this job already created a chat named ``name`` that
        still exists: then nothing is created (a second manual run, a rerun with --at),
        and the report says why. A run resuming its own creation is not "another"."""
        own = await ctx.state.effects.target(ctx.run.key, TARGET)
        if own is not None:
            return False
        made = await ctx.state.values.get(ctx.job.name, _made_key(name))
        if not made:
            return False
        try:
            chat = await ctx.client.get_chat(int(made["chat_id"]))
        except NotFound:
            return False  # deleted since: the job may make it again
        when = datetime.fromisoformat(made["at"]).astimezone(ctx.scheduled_for.tzinfo)
        ctx.report.say(words.text("chat.would_exist" if ctx.dry_run else "chat.exists",
                                  what=what, name=chat.name, id=chat.id,
                                  when=f"{when:%Y-%m-%d %H:%M %Z}"))
        ctx.report.count("would_skip" if ctx.dry_run else "skipped:exists")
        return True

    async def _remember(self, ctx: JobContext, name: str, chat_id: int) -> None:
        made = {"chat_id": chat_id, "at": ctx.now().astimezone(UTC).isoformat(),
                "run": ctx.run.key}
        await ctx.state.values.set(ctx.job.name, _made_key(name), made)

    async def _create_once(
        self, ctx: JobContext, params: ChatFromTemplateParams, name: str, what: str
    ) -> Chat:
        """The chat of this run: created now, or found from an earlier attempt."""
        state, key = ctx.state, ctx.run.key
        record = await state.effects.target(key, TARGET)
        if record is not None and record.status == "done":
            ctx.report.count("already_created")
            ctx.report.say(words.text("chat.created_by_run", what=what, name=name))
            return await ctx.client.get_chat(int(record.detail["chat_id"]))
        if record is not None and record.status == "started":
            attempt = record.detail.get("attempt_at")
            since = (datetime.fromisoformat(attempt) if attempt else record.updated_at)
            found = await self._find_lost_chat(ctx, record.detail.get("name", name),
                                               since - _CLOCK_SLACK)
            if found is not None:
                await state.effects.finish(key, TARGET, {**record.detail, "chat_id": found.id})
                await self._remember(ctx, found.name, found.id)
                ctx.report.count("already_created")
                ctx.report.say(words.text("chat.created_before", what=what,
                                          name=found.name))
                return found
        attempt_at = attempt_time(ctx).astimezone(UTC).isoformat()
        detail = {"name": name, "attempt_at": attempt_at}
        await state.effects.start(key, TARGET, detail)
        chat = await ctx.client.create_chat(
            name, channel=params.channel, public=params.public,
            member_ids=params.member_ids, group_tag_ids=params.group_tag_ids,
        )
        await state.effects.finish(key, TARGET, {**detail, "chat_id": chat.id})
        await self._remember(ctx, name, chat.id)
        ctx.report.count("created")
        ctx.report.say(words.text("chat.created", what=what, name=chat.name, id=chat.id,
                                  n=len(chat.member_ids)))
        return chat

    async def _find_lost_chat(self, ctx: JobContext, name: str, since: datetime) -> Chat | None:
        """A chat named ``name``, owned by us, created since ``since``, among the newest."""
        seen = 0
        chats = cast(AsyncGenerator[Chat, None],
                     ctx.client.list_chats(sort="id", order="desc", personal=False))
        async with contextlib.aclosing(chats):
            async for chat in chats:
                seen += 1
                if chat.created_at < since or seen > 50 * _LOOKBACK_PAGES:
                    break
                if chat.name == name and chat.owner_id == ctx.bot_user_id:
                    return chat
        return None

    async def _welcome(
        self,
        ctx: JobContext,
        params: ChatFromTemplateParams,
        base: dict[str, Any],
        chat: dict[str, Any],
        *,
        chat_id: int,
    ) -> None:
        if not params.welcome_template:
            return
        text = ctx.renderer.render(params.welcome_template, {**base, "chat": chat})
        await post_once(ctx, "welcome", entity_id=chat_id, content=text,
                        label=f"«{chat['name']}»")


def _made_key(name: str) -> str:
    """The job value remembering the chat this job created under ``name``."""
    return f"created:{name}"


KIND = ChatFromTemplateKind()
