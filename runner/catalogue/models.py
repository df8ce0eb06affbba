"""The catalogue's models: top-level sections, job fields and the validated JobSpec."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, WithJsonSchema, field_validator

from runner import durations, words
from runner.catalogue.fields import Id, KindParams, ru
from runner.catalogue.masks import Masks
from runner.catalogue.zones import check_zone
from runner.durations import Duration, Interval, RunTimeout, UpToDay
from runner.errors import Problem
from runner.words import suggest

COMMON_FIELDS = (
    "kind",
    "description",
    "schedule",
    "timezone",
    "workdays",
    "enabled",
    "jitter",
    "misfire_grace",
    "catchup",
    "timeout",
)
TOP_FIELDS = ("timezone", "defaults", "alerts", "bot", "unfurl", "jobs")
ALERTS = "@alerts"
"""Where a job's name stands for the alerts' chat (``line_of``, ``app.check_access``): no
job name has an '@', so a job called ``alerts`` is never taken for it."""
DEFAULT_MISFIRE_GRACE = 600.0
DEFAULT_TIMEOUT = 1800.0
_JOB_NAME = re.compile(r"[\w-]+")
JOB_NAME_MAX = 100
"""Characters a job name may have: an alert's retry button carries it in its data, which
Pachca caps at 255 characters, with some 50 of the runner's own around it."""
_URL_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")



@cache
def _countries() -> dict[str, Any]:
    """The country codes ``holidays`` knows: it builds the list anew at each call (a
    tenth of ``validate`` on a catalogue of 1,859 working-days jobs)."""
    import holidays

    return holidays.list_supported_countries()


def check_country(value: Any) -> str:
    """An upper-cased country code the ``holidays`` library knows."""
    if isinstance(value, bool):
        raise ValueError(words.text("country.bool"))  # noqa: TRY004
    if isinstance(value, dict | list):  # not "'{'zz': 1}' is not a country"
        got = words.text("got.mapping" if isinstance(value, dict) else "got.list")
        raise ValueError(words.text("field.text", got=got, quote=""))  # noqa: TRY004
    code = str(value).upper()
    known = _countries()
    if code not in known:
        raise ValueError(
            words.text("country.unknown", value=value, hint=suggest(code, list(known)))
        )
    return code


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    @field_validator("timezone", check_fields=False)
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        return None if v is None else check_zone(v)

    @field_validator("workdays", mode="before", check_fields=False)
    @classmethod
    def _country(cls, v: Any) -> str | None:
        return None if v is None else check_country(v)


CRON_PATTERN = r"^\s*\S+(\s+\S+){4}\s*$"
_CRON = {"type": "string", "pattern": CRON_PATTERN}
SCHEDULE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        _CRON,
        {"type": "array", "items": _CRON, "minItems": 1},
        {"type": "object", "additionalProperties": False, "required": ["every"],
         "properties": {"every": {
             **durations.JSON_SCHEMA,
             "description": "The interval between runs.", "examples": ["15m"],
             "description_ru": "Промежуток между запусками."}}},
    ]
}
"""What ``schedule:`` may be: the loader checks it by hand (``_Loader.schedule``)."""


class Defaults(_Fields):
    """``defaults:``: common job fields applied to every job that does not set them."""

    timezone: str | None = Field(
        default=None,
        description="IANA time zone of the job's schedule and periods; default: the"
        " catalogue's `timezone`.",
        examples=["Europe/Moscow"],
        json_schema_extra=ru("Часовой пояс расписания и периодов задания (название IANA);"
                             " по умолчанию — `timezone` каталога."),
    )
    workdays: str | None = Field(
        default=None,
        description="Run only on working days of this country's calendar (public holidays"
        " and official weekend swaps included), e.g. RU.",
        examples=["RU"],
        json_schema_extra=ru("Запускать только в рабочие дни по производственному календарю"
                             " этой страны (с праздниками и переносами), например RU.",
                             pattern="^[A-Za-z]{2,3}$"),
    )
    enabled: bool | None = Field(
        default=None,
        description="false: the job is kept in the catalogue but never scheduled.",
        examples=[False],
        json_schema_extra=ru("false — задание остаётся в каталоге, но не запускается.",
                             default=True),
    )
    jitter: UpToDay | None = Field(
        default=None,
        description="A random delay up to this long before each run (spreads the load).",
        examples=["30s"],
        json_schema_extra=ru("Случайная задержка перед каждым запуском, не больше этой"
                             " (чтобы задания не стартовали разом)."),
    )
    misfire_grace: Duration | None = Field(
        default=None,
        description="How late a run may still start (the runner was busy or down); later"
        " ones are skipped and reported.",
        examples=["10m"],
        json_schema_extra=ru("Насколько запуск может опоздать и всё же состояться (если"
                             " раннер был занят или выключен); более поздние пропускаются"
                             " с сообщением.", default="10m"),
    )
    catchup: Duration | None = Field(
        default=None,
        description="After downtime, run a missed fire once if it was within this window;"
        " default: misfire_grace.",
        examples=["1h"],
        json_schema_extra=ru("После простоя выполнить пропущенный запуск один раз, если он"
                             " был не раньше этого срока; по умолчанию — misfire_grace."),
    )
    timeout: RunTimeout | None = Field(
        default=None,
        description="Stop a run that takes longer than this; it is recorded as failed.",
        examples=["30m"],
        json_schema_extra=ru("Остановить запуск, который идёт дольше; он записывается как"
                             " неудачный.", default="30m"),
    )


class _JobFields(Defaults):
    kind: str = Field(
        description="What the job does: one of the job kinds (digest, sweep, ...).",
        examples=["digest"],
        json_schema_extra=ru("Что делает задание: один из видов заданий (digest, sweep, ...)."),
    )
    description: str = Field(
        default="",
        description="A few words for people: shown in `jobs`, history and alerts.",
        examples=["Утренняя сводка"],
        json_schema_extra=ru("Пара слов для людей: видна в `jobs`, истории и оповещениях."),
    )
    schedule: Annotated[Any, WithJsonSchema(SCHEDULE_SCHEMA)] = Field(
        description="When it runs: a cron line (standard meaning: 1-5 is Monday–Friday), a"
        " list of them, or an interval {every: 15m}.",
        examples=["0 9 * * 1-5", ["0 9 * * 1-5", "0 14 * * 5"], {"every": "15m"}],
        json_schema_extra=ru("Когда запускать: строка cron (в обычном смысле: 1-5 — с"
                             " понедельника по пятницу), список таких строк или интервал"
                             " {every: 15m}."),
    )


class Alerts(_Fields):
    """``alerts:``: where failure alerts go and how often an ongoing failure is repeated."""

    chat_id: Id = Field(
        description="The chat that gets alerts about failed and missed runs.",
        examples=[100050],
        json_schema_extra=ru("Чат, куда приходят оповещения о неудачных и пропущенных"
                             " запусках."),
    )
    template: str = Field(
        default="alert.md.j2",
        description="Template of an alert, in templates/.",
        examples=["alert.md.j2"],
        json_schema_extra=ru("Шаблон оповещения в папке templates/."),
    )
    repeat_every: Duration = Field(
        default=6 * 3600.0,
        description="An ongoing failure is recalled at most this often.",
        examples=["6h"],
        json_schema_extra=ru("О продолжающемся сбое напоминать не чаще, чем раз в этот срок."),
    )
    _template_line: int | None = PrivateAttr(default=None)  # where a template problem points
    _chat_line: int | None = PrivateAttr(default=None)  # where a recipient problem points


class Bot(_Fields):
    """``bot:``: how the bot receives events."""

    events: Literal["poll", "push", "off"] = Field(
        default="off",
        description="How clicks on the runner's buttons arrive: `poll` the bot's event"
        " history (no public URL needed), `push` to the runner's webhook, or `off`.",
        examples=["poll"],
        json_schema_extra=ru("Как доходят нажатия на кнопки раннера: `poll` — опрашивать"
                             " историю событий бота (публичный адрес не нужен), `push` —"
                             " вебхук на раннер, `off` — никак."),
    )
    poll_every: Interval = Field(
        default=10.0,
        description="With `poll`: how often the event history is read; with `push`, how often"
        " it is read for what was pushed while the runner was down.",
        examples=["10s"],
        json_schema_extra=ru("При `poll`: как часто читать историю событий; при `push` — как"
                             " часто забирать из неё присланное, пока раннер не работал."),
    )
    webhook_path: str = Field(
        default="/pachca/events",
        description="With `push`: the path of the webhook on the runner's server.",
        examples=["/pachca/events"],
        json_schema_extra=ru("При `push`: путь вебхука на сервере раннера."),
    )

    @field_validator("webhook_path")
    @classmethod
    def _slash(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError(words.text("bot.path"))
        if not _URL_PATH.fullmatch(v) or "//" in v or "/./" in v + "/" or "/../" in v + "/":
            raise ValueError(words.text("bot.path_chars", got=v[:60]))
        from runner.server.paths import route_taken

        taken = route_taken(v)
        if taken is not None:
            raise ValueError(words.text("bot.path_taken", got=v[:60], route=taken))
        return v


class UnfurlRule(_Fields):
    """One ``unfurl:`` item: how to preview links to ``domain``; strings are Jinja."""

    domain: str = Field(
        description="The links' domain, bare (no https://, no path).",
        examples=["tracker.example.com"],
        json_schema_extra=ru("Домен ссылок, просто имя (без https:// и пути)."),
    )
    source: str = Field(
        description="URL (a Jinja template) of the JSON that describes the link; it can use"
        " url, domain, path, segments and query.",
        examples=["https://tracker.example.com/api/issues/{{ segments[-1] }}"],
        json_schema_extra=ru("Адрес JSON с описанием ссылки (шаблон Jinja); доступны url,"
                             " domain, path, segments и query."),
    )
    headers: dict[str, str] = Field(
        default={},
        description="Request headers, e.g. a token from ${VAR}.",
        examples=[{"Authorization": "Bearer ${TRACKER_TOKEN}"}],
        json_schema_extra=ru("Заголовки запроса, например токен из ${VAR}."),
    )
    title: str | None = Field(
        default=None,
        description="Preview title (a Jinja template over `data`, the JSON read).",
        examples=["{{ data.key }}: {{ data.summary }}"],
        json_schema_extra=ru("Заголовок превью (шаблон Jinja; `data` — прочитанный JSON)."),
    )
    description: str | None = Field(
        default=None,
        description="Preview text (a Jinja template over `data`).",
        examples=["{{ data.status }}"],
        json_schema_extra=ru("Текст превью (шаблон Jinja по `data`)."),
    )
    image_url: str | None = Field(
        default=None,
        description="Preview image URL (a Jinja template over `data`).",
        examples=["{{ data.avatar }}"],
        json_schema_extra=ru("Адрес картинки превью (шаблон Jinja по `data`)."),
    )
    _line: int | None = PrivateAttr(default=None)
    _field_lines: dict[str, int] = PrivateAttr(default_factory=dict)  # a template's own line

    @field_validator("domain")
    @classmethod
    def _bare(cls, v: str) -> str:
        if not v or "/" in v or ":" in v or " " in v:
            raise ValueError(words.text("unfurl.domain"))
        return v.lower()


class Schedule(BaseModel):
    """When a job fires: crontab lines (standard meaning), or an interval in seconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    crons: list[str] | None = None
    every: float | None = None


class JobSpec(BaseModel):
    """One job, defaults applied, ready for the scheduler."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    kind: str
    schedule: Schedule
    timezone: str
    params: KindParams
    enabled: bool = True
    jitter: float | None = None
    misfire_grace: float = DEFAULT_MISFIRE_GRACE
    catchup: float = DEFAULT_MISFIRE_GRACE
    timeout: float = DEFAULT_TIMEOUT
    description: str = ""
    workdays: str | None = None
    line: int | None = None
    field_lines: dict[str, int] = {}  # where each of the job's own fields is written
    block_lines: dict[str, int] = {}  # where a field's literal block text (`|`) starts


class Catalogue(BaseModel):
    """The whole of jobs.yaml, validated."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    path: Path
    timezone: str
    templates_dir: Path
    defaults: Defaults = Defaults()
    jobs: dict[str, JobSpec] = {}
    alerts: Alerts | None = None
    bot: Bot = Bot()
    unfurl: list[UnfurlRule] = []
    _masks: Masks = PrivateAttr(default_factory=Masks)
    _warnings: list[Problem] = PrivateAttr(default_factory=list)
    # Jobs refused for a common field (schedule, timeout...) whose own fields are valid:
    # never scheduled, but their templates are checked too, so one `validate` lists all.
    _unscheduled: list[JobSpec] = PrivateAttr(default_factory=list)

    @property
    def warnings(self) -> list[Problem]:
        """What is valid but probably not meant (a `` #`` cutting a text), secrets hidden."""
        return [self.hide(w) for w in self._warnings]

    def hide(self, problem: Problem) -> Problem:
        """``problem`` with every value that came from ``${VAR}`` replaced by ``${VAR}``."""
        return self._masks.problem(problem, keep_file=str(self.path))

    def mask(self, text: str) -> str:
        """``text`` (an error, a log line) with every value from ``${VAR}`` hidden."""
        return self._masks.hide(text)

    def line_of(self, job: str, field: str) -> int | None:
        """The line of ``field`` of ``job`` (``ALERTS``: the alerts' chat), for problems
        found after loading, such as a recipient the token may not post to."""
        if job == ALERTS:
            return self.alerts._chat_line if self.alerts is not None else None
        spec = self.jobs[job]
        return spec.field_lines.get(field, spec.line)


class CatalogueFile(BaseModel):
    """The top level of jobs.yaml as written, for the JSON Schema and the docs.

    The loader reads each section with its own model (above); the job entries are the
    common fields plus one kind's ``Params``, put together by ``runner.catalogue.schema``.
    """

    # Built when the schema is asked for, not at import: reading a catalogue never uses it.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    timezone: str = Field(
        default="UTC",
        description="Default IANA time zone of every job (PACHCA_RUNNER_TIMEZONE when not set,"
        " else UTC).",
        examples=["Europe/Moscow"],
        json_schema_extra=ru("Часовой пояс всех заданий по умолчанию (название IANA); если не"
                             " указан — PACHCA_RUNNER_TIMEZONE, иначе UTC."),
    )
    defaults: Defaults = Field(
        default_factory=Defaults,
        description="Common job fields applied to every job that does not set them.",
        examples=[{"misfire_grace": "10m", "workdays": "RU"}],
        json_schema_extra=ru("Общие поля заданий: действуют для всех заданий, где они не"
                             " указаны."),
    )
    alerts: Alerts | None = Field(
        default=None,
        description="Where alerts about failed and missed runs go; none: no alerts.",
        examples=[{"chat_id": 100050, "repeat_every": "6h"}],
        json_schema_extra=ru("Куда слать оповещения о неудачных и пропущенных запусках; без"
                             " этого раздела оповещений нет."),
    )
    bot: Bot = Field(
        default_factory=Bot,
        description="How the bot receives events (clicks on the runner's buttons).",
        examples=[{"events": "poll", "poll_every": "10s"}],
        json_schema_extra=ru("Как бот получает события (нажатия на кнопки раннера)."),
    )
    unfurl: list[UnfurlRule] = Field(
        default_factory=list,
        description="Link previews: one rule per domain.",
        examples=[[{"domain": "tracker.example.com",
                    "source": "https://tracker.example.com/api/issues/{{ segments[-1] }}"}]],
        json_schema_extra=ru("Превью ссылок: по правилу на домен."),
    )
    jobs: dict[str, Any] = Field(
        description="The jobs: a name (letters, digits, - and _) and its fields.",
        examples=[{"morning-digest": {"kind": "digest", "schedule": "0 9 * * 1-5",
                                      "to": {"chats": [101]}}}],
        json_schema_extra=ru("Задания: имя (буквы, цифры, - и _) и поля задания."),
    )
