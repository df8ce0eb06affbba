"""The fields of a ``sweep`` job in jobs.yaml, validated; defaults lean to the safe side."""

from __future__ import annotations

import re

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator

from runner import words
from runner.catalogue.fields import Id, KindParams, PostChat, Regex, ru


class Exclude(KindParams):
    """``exclude:``: chats the sweep never touches, whatever their activity."""

    ids: list[Id] = Field(
        default_factory=list, description="Chat ids never touched.", examples=[[100049]],
        json_schema_extra=ru("id чатов, которые никогда не трогать."),
    )
    names: list[Regex] = Field(
        default_factory=list,
        description="Regular expressions searched in chat names, e.g. '^Общий', '(?i)важн'.",
        examples=[["^Отдел", "(?i)важн"]],
        json_schema_extra=ru("Регулярные выражения, которые ищутся в названиях чатов,"
                             " например '^Общий', '(?i)важн'."),
    )
    group_tags: list[Id] = Field(
        default_factory=list, description="Group tag ids: chats linked to these tags.",
        examples=[[502]], json_schema_extra=ru("id тегов групп: чаты, связанные с этими тегами."),
    )
    # A plain default, not a factory: pydantic inspects a factory's signature at every
    # instance (a millisecond each, for each sweep job of a catalogue).
    _patterns: tuple[re.Pattern[str], ...] = PrivateAttr(default=())

    def model_post_init(self, context: object) -> None:
        """Compile the name patterns once."""
        self._patterns = tuple(re.compile(p) for p in self.names)

    def reason(self, chat_id: int, name: str, tag_ids: list[int]) -> str | None:
        """Why the chat is excluded ("by id", "by name", "by group tag"), or None."""
        if chat_id in self.ids:
            return words.text("why.by_id")
        if any(p.search(name) for p in self._patterns):
            return words.text("why.by_name")
        if set(tag_ids) & set(self.group_tags):
            return words.text("why.by_tag")
        return None


class SweepParams(KindParams):
    """Parameters of a ``sweep`` job (find and archive inactive group chats)."""

    inactive_days: int = Field(
        default=90, ge=1, le=3650,
        description="A chat is inactive when its last message (and its creation) is older.",
        examples=[180],
        json_schema_extra=ru("Чат неактивен, если его последнее сообщение (и создание) старше"
                             " стольких дней."),
    )
    warn_days: int = Field(
        default=7, ge=0, le=365,
        description="Days of quiet after the warning before archiving; 0 archives unwarned.",
        examples=[7],
        json_schema_extra=ru("Сколько дней тишины после предупреждения до архивации;"
                             " 0 — архивировать без предупреждения."),
    )
    snooze_days: int = Field(
        default=30, ge=1, le=3650, description="How long «Оставить чат» keeps a chat from the sweep.",
        examples=[30],
        json_schema_extra=ru("На сколько дней кнопка «Оставить чат» защищает чат от очистки."),
    )
    include_channels: bool = Field(
        default=False, description="Also sweep channels.", examples=[True],
        json_schema_extra=ru("Очищать и каналы тоже."),
    )
    exclude: Exclude = Field(
        default_factory=Exclude, description="Chats never touched.",
        examples=[{"ids": [100049], "names": ["^Отдел"]}],
        json_schema_extra=ru("Чаты, которые никогда не трогать."),
    )
    min_members: int | None = Field(
        default=None, ge=0, description="Only chats with at least this many members.",
        examples=[2], json_schema_extra=ru("Только чаты, где участников не меньше."),
    )
    max_members: int | None = Field(
        default=None, ge=0, description="Only chats with at most this many members.",
        examples=[50], json_schema_extra=ru("Только чаты, где участников не больше."),
    )
    max_archive_per_run: int = Field(
        default=50, ge=1, description="Archive at most this many chats per run; the rest wait.",
        examples=[50],
        json_schema_extra=ru("Архивировать за запуск не больше стольких чатов; остальные"
                             " подождут следующего."),
    )
    max_fraction: float | None = Field(
        default=0.25, gt=0, le=1,
        description="Abort (touch nothing, fail the run) if more than this share of the"
        " scanned chats would be warned or archived; null disables the check.",
        examples=[0.25],
        json_schema_extra=ru("Остановиться (ничего не трогать, запуск неудачен), если"
                             " предупредить или архивировать пришлось бы большую долю"
                             " просмотренных чатов; null отключает проверку."),
    )
    closing_message: bool = Field(
        default=True, description="Post templates/sweep_closing.md.j2 before archiving.",
        examples=[False],
        json_schema_extra=ru("Перед архивацией отправить в чат templates/sweep_closing.md.j2."),
    )
    allow_archive_now: bool = Field(
        default=False, description="Also show «Архивировать сейчас» on warnings.",
        examples=[True],
        json_schema_extra=ru("Добавить к предупреждению кнопку «Архивировать сейчас»."),
    )
    keep_button: str = Field(
        default="Оставить чат", min_length=1, max_length=255, description="Keep button text.",
        examples=["Оставить чат"], json_schema_extra=ru("Текст кнопки «оставить»."),
    )
    archive_now_button: str = Field(
        default="Архивировать сейчас", min_length=1, max_length=255,
        description="Archive-now button text.", examples=["Архивировать сейчас"],
        json_schema_extra=ru("Текст кнопки «архивировать сейчас»."),
    )
    report_chat_id: PostChat | None = Field(
        default=None, description="Post a summary of each run to this chat.",
        examples=[100050], json_schema_extra=ru("Отправлять итог каждого запуска в этот чат."),
    )
    dry_run: bool = Field(
        default=False, description="Decide and report only, touch nothing (as --dry-run).",
        examples=[True],
        json_schema_extra=ru("Только решить и рассказать, ничего не трогать (как --dry-run)."),
    )
    require_approval: bool = Field(
        default=False,
        description="Warn or archive only what an operator approved in the console's"
        " Sweep plans page; without an approved plan a run only reports.",
        examples=[True],
        json_schema_extra=ru("Предупреждать и архивировать только по плану, одобренному"
                             " в пульте; без одобренного плана запуск только сообщает."),
    )
    concurrency: int = Field(
        # 12 in flight reach 50 requests/s at round trips up to 240 ms; more only adds
        # connections, and the HTTP pool checks every one of them on each request.
        default=12, ge=1, le=256,
        description="Requests in flight while warning and archiving (the limiter sets the pace).",
        examples=[12],
        json_schema_extra=ru("Сколько запросов одновременно при предупреждениях и архивации"
                             " (темп задаёт ограничитель)."),
    )

    @field_validator("max_members")
    @classmethod
    def _bounds(cls, value: int | None, info: ValidationInfo) -> int | None:
        # A field validator, not a model one: pydantic runs model validators only when
        # every field is valid, so this mistake would be told only after the others.
        low = info.data.get("min_members")
        if value is not None and low is not None and low > value:
            raise ValueError(words.text("sweep.members"))
        return value
