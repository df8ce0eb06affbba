"""Kind ``digest``: a periodic summary (Pachca activity, figures from an API) posted to chats
and people.

The window runs from the previous successful run's fire time (``since_last_run``) or
over a named period, up to this run's fire time. Each named source is read (Pachca
activity, a JSON endpoint, static values) and handed to the template under its name.
The message is posted once per run key to each recipient, split into parts when long.
"""

from __future__ import annotations

import asyncio
import keyword
import re
from collections.abc import Awaitable, Callable, Hashable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from runner import words
from runner.attachments import Attachment, render
from runner.catalogue.fields import KindParams, Label, Link, ru
from runner.effects import POSTING_SCOPES, upload_once
from runner.errors import SourceError
from runner.kinds._frozen import render_once
from runner.kinds.base import JobContext, JobKind
from runner.offload import blocking
from runner.pachca.models import Button
from runner.periods import SinceLastRunOrPeriod, Window, resolve_period
from runner.recipients import Recipients, Target, post_everywhere
from runner.sources import ActivitySource, Source, has_data, read_source, sample, sample_key

FIRST_WINDOW = timedelta(hours=24)
"""What ``since_last_run`` covers when the job has never succeeded before."""
_SOURCE_SCOPES = {
    "pachca_activity": {"chats:read", "messages:read"},
    "pachca_search": {"search:messages"},
    "pachca_tasks": {"tasks:read"},
    "pachca_threads": {"threads:read", "messages:read"},
}
"""What each Pachca source reads, beyond posting."""
_RESERVED = {"title", "job", "period", "scheduled_for", "sources", "source_errors", "sections"}


class DigestButton(KindParams):
    """A button under the digest: a link (``url``) or a bot callback (``data``)."""

    text: Label = Field(
        description="Button text.", max_length=255, examples=["Открыть дашборд"],
        json_schema_extra=ru("Текст кнопки."),
    )
    url: Link | None = Field(
        default=None, description="The link it opens.", examples=["https://example.com/dashboard"],
        json_schema_extra=ru("Ссылка, которую открывает кнопка."),
    )
    data: str | None = Field(
        default=None, max_length=255, description="Sent back to the bot when clicked.",
        examples=["digest:details"], json_schema_extra=ru("Что получит бот при нажатии."),
    )

    @model_validator(mode="after")
    def _one_action(self) -> DigestButton:
        if (self.url is None) == (self.data is None):
            raise ValueError(words.text("button.one_action"))
        return self


def _default_sources() -> dict[str, Any]:
    # A model, not a plain dict: pydantic does not validate what a default factory makes.
    return {"activity": ActivitySource(type="pachca_activity")}


class DigestParams(KindParams):
    """Parameters of a ``digest`` job."""

    to: Recipients = Field(
        description="Where to post: `chats` and/or `users` (ids).",
        examples=[{"chats": [101], "users": [5]}],
        json_schema_extra=ru("Куда отправить: `chats` и/или `users` (id)."),
    )
    window: SinceLastRunOrPeriod = "since_last_run"
    template: str = Field(
        default="digest.md.j2", description="Template file in templates/.",
        examples=["digest.md.j2"], json_schema_extra=ru("Файл шаблона в папке templates/."),
    )
    sources: dict[str, Source] = Field(
        default_factory=_default_sources,
        description="Named data sources, each handed to the template under its name: "
        "`pachca_activity`, `pachca_search`, `pachca_tasks`, `pachca_threads`, `http` "
        "(a JSON endpoint), `vars` (static values) or `sql` (rows of a read-only query).",
        examples=[{"activity": {"type": "pachca_activity", "top": 5},
                   "info": {"type": "vars", "values": {"team": "Продажи"}}}],
        json_schema_extra=ru("Именованные источники данных; шаблон получает каждый под его"
                             " именем: `pachca_activity`, `pachca_search`, `pachca_tasks`,"
                             " `pachca_threads`, `http` (JSON по адресу), `vars`"
                             " (постоянные значения) или `sql` (строки запроса только на"
                             " чтение)."),
    )
    on_source_error: Literal["fail", "mention"] = Field(
        default="fail",
        description="`fail`: a source that cannot be read fails the run; `mention`: post "
        "anyway, the source is None and `source_errors` tells the template.",
        examples=["mention"],
        json_schema_extra=ru("`fail` — если источник не прочитался, запуск неудачен;"
                             " `mention` — всё равно отправить, источник будет None, а"
                             " шаблон узнает о сбое из `source_errors`."),
    )
    skip_if_empty: bool = Field(
        default=True, description="Post nothing when there was no activity and no data "
        "(a source that failed with `on_source_error: mention` still gets its digest).",
        examples=[False],
        json_schema_extra=ru("Ничего не отправлять, если не было ни активности, ни данных"
                             " (если источник не прочитался при `on_source_error: mention`,"
                             " сводка всё равно уходит с упоминанием сбоя)."),
    )
    attachments: list[Attachment] = Field(
        default_factory=list, max_length=10,
        description="Files attached to the digest: `chart` (a PNG) or `csv` of an `sql` "
        "source's rows; uploaded once per recipient.",
        examples=[[{"type": "chart", "source": "sales", "x": "day", "y": ["revenue"],
                    "title": "Выручка по дням"}, {"type": "csv", "source": "sales"}]],
        json_schema_extra=ru("Файлы к сводке: `chart` (картинка PNG) или `csv` по строкам"
                             " источника `sql`; загружаются один раз для каждого получателя."),
    )
    buttons: list[DigestButton] = Field(
        # One per row, and Pachca takes at most 32 rows.
        default_factory=list, max_length=32, description="Buttons under the digest, one per row.",
        examples=[[{"text": "Открыть дашборд", "url": "https://example.com/dashboard"}]],
        json_schema_extra=ru("Кнопки под сводкой, по одной в строке."),
    )

    @model_validator(mode="after")
    def _attachments(self) -> DigestParams:
        rows = sorted(n for n, src in self.sources.items() if src.type == "sql")
        files: set[str] = set()
        for attachment in self.attachments:
            if attachment.source not in rows:
                raise ValueError(words.text(
                    "attachment.source" if rows else "attachment.no_sql", file=attachment.file,
                    source=attachment.source, names=", ".join(rows)))
            if attachment.file in files:
                raise ValueError(words.text("attachment.file", file=attachment.file))
            files.add(attachment.file)
        return self

    @field_validator("sources")
    @classmethod
    def _names(cls, v: dict[str, Any]) -> dict[str, Any]:
        for name in v:
            if not re.fullmatch(r"[A-Za-z_]\w*", name) or keyword.iskeyword(name):
                raise ValueError(words.text("source.name", name=name))
            if name in _RESERVED:
                raise ValueError(words.text("source.reserved", name=name))
        return v


async def digest_window(ctx: JobContext, params: DigestParams) -> Window:
    """The window this run covers, in the job's zone, ending at the run's fire time."""
    zone = ZoneInfo(ctx.job.timezone)
    end = ctx.scheduled_for.astimezone(zone)
    if params.window != "since_last_run":
        return resolve_period(params.window, end, zone)
    # The latest fire before this one that succeeded, by fire time: the newest run
    # started may be a rerun of an older fire, whose time later runs already covered.
    start = await ctx.state.runs.last_success_fire(ctx.job.name, end)
    if start is None:
        last = await ctx.state.runs.last(ctx.job.name, "succeeded")  # runs without a fire time
        start = last.started_at if last is not None and last.scheduled_for is None else None
    if start is None or start >= end:
        start = end - FIRST_WINDOW
    return Window(start.astimezone(zone), end)


class DigestKind(JobKind[DigestParams]):
    """Posts a summary of a window's activity and data."""

    name = "digest"
    Params = DigestParams
    summary = "Post a periodic summary: Pachca activity and figures from other systems."

    def scopes(self, params: DigestParams) -> frozenset[str]:
        """To post, and what its Pachca sources read (chats, messages, new people)."""
        needed = set(POSTING_SCOPES)
        for source in params.sources.values():
            if isinstance(source, ActivitySource) and source.new_members:
                needed.add("users:read")
            needed |= _SOURCE_SCOPES.get(source.type, set())
        if params.attachments:
            needed.add("uploads:write")
        return frozenset(needed)

    def templates(self, params: DigestParams) -> list[str]:
        return [params.template]

    def sample_key(self, params: DigestParams, template: str) -> Hashable:
        return tuple((name, sample_key(source)) for name, source in params.sources.items())

    def sample_context(self, params: DigestParams, template: str) -> dict[str, Any]:
        end = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        window = Window(end - FIRST_WINDOW, end)
        data = {name: sample(source, window.start, window.end)
                for name, source in params.sources.items()}
        errors = [{"name": name, "reason": "the endpoint answered HTTP 503"}
                  for name, source in params.sources.items() if source.type == "http"]
        return self._context("Утренняя сводка", "sample", window, end, params, data, errors)

    @staticmethod
    def _context(
        title: str,
        job: str,
        window: Window,
        scheduled_for: datetime,
        params: DigestParams,
        data: dict[str, Any],
        errors: list[dict[str, str]],
    ) -> dict[str, Any]:
        sections = [{"name": name, "title": source.title or name.capitalize(),
                     "type": source.type, "data": data.get(name)}
                    for name, source in params.sources.items()]
        return {
            **data,
            "title": title,
            "job": job,
            "period": window.as_context(),
            "scheduled_for": scheduled_for,
            "sources": data,
            "sections": sections,
            "source_errors": errors,
        }

    async def _read(
        self, ctx: JobContext, params: DigestParams, window: Window,
        only: set[str] | None = None,
    ) -> tuple[dict[str, Any], list[dict[str, str]]]:
        """Every source's data (None for a failed one) and the failures."""
        names = [n for n in params.sources if only is None or n in only]
        results = await asyncio.gather(
            *(read_source(ctx, n, params.sources[n], window) for n in names),
            return_exceptions=True,
        )
        data: dict[str, Any] = {}
        errors: list[dict[str, str]] = []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, SourceError):
                if params.on_source_error == "fail":
                    raise result
                ctx.log.warning("%s", result)
                ctx.report.say(words.text("digest.source_failed", name=name,
                                          reason=result.reason))
                ctx.report.count("source_errors")
                errors.append({"name": name, "reason": result.reason})
                data[name] = None
            elif isinstance(result, BaseException):
                raise result
            else:
                data[name] = result
        return data, errors

    async def run(self, ctx: JobContext, params: DigestParams) -> None:
        window = await digest_window(ctx, params)
        ctx.report.say(words.text("digest.window", start=f"{window.start:%Y-%m-%d %H:%M}",
                                  end=f"{window.end:%Y-%m-%d %H:%M}", zone=ctx.job.timezone))

        read: dict[str, Any] = {}

        async def render_text() -> str | None:
            data, errors = await self._read(ctx, params, window)
            read.update(data)
            # A source that failed is not an empty one: what it would have said is
            # unknown, and `mention` promises a digest that names the failure.
            if params.skip_if_empty and not errors and not any(
                has_data(params.sources[n], v) for n, v in data.items()
            ):
                return None
            title = ctx.job.description or ctx.job.name
            context = self._context(title, ctx.job.name, window, ctx.scheduled_for, params,
                                    data, errors)
            return ctx.renderer.render(params.template, context)

        text = await render_once(ctx, render_text)
        if text is None:
            ctx.report.say(words.text("digest.empty"))
            ctx.report.count("skipped:empty")
            return
        buttons = [[Button(text=b.text, url=b.url, data=b.data)] for b in params.buttons]
        attach, names = await self._attachments(ctx, params, window, read)
        await post_everywhere(ctx, params.to, text, buttons=buttons or None, attach=attach,
                              file_names=names)

    async def _attachments(
        self, ctx: JobContext, params: DigestParams, window: Window, read: dict[str, Any]
    ) -> tuple[Callable[[Target], Awaitable[list[dict[str, Any]]]] | None, list[str]]:
        """What uploads the attachments for one recipient (once per recipient and run), and
        their names; a failed source (mentioned in the text) gives no file."""
        if not params.attachments:
            return None, []
        zone = ZoneInfo(ctx.job.timezone)
        needed = {a.source for a in params.attachments} - read.keys()
        if needed:  # the text was kept from an interrupted attempt: read the rows again
            data, _ = await self._read(ctx, params, window, only=needed)
            read.update(data)
        due = [a for a in params.attachments if read.get(a.source) is not None]
        names = [a.file for a in due]
        if not due:
            return None, names
        files = await blocking(lambda: [render(a, read.get(a.source), zone) for a in due])
        if ctx.dry_run:  # shown by the preview, exactly as it would be attached
            ctx.report.drafts.update({f.name: (f.content_type, f.data) for f in files})
            return None, names

        async def attach(target: Target) -> list[dict[str, Any]]:
            items = []
            for file in files:
                key = await upload_once(ctx, f"{target.key}/file:{file.name}", name=file.name,
                                        data=file.data, content_type=file.content_type)
                items.append(file.message_file(key))
            return items

        return attach, names


KIND = DigestKind()
