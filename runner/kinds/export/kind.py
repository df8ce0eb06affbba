"""Kind ``export``: export chat history for a period, end to end, resumably.

Pachca's export is asynchronous and one at a time: ``POST /chats/exports`` answers 204
with no id, the id arrives in a webhook to the runner's server, and the archive is
fetched through a 302. A period longer than Pachca allows (45 days; 366 with
``chat_ids``) is split into chunks done strictly one after another: request, wait for
the webhook, download, next. Every step is recorded per job and chunk start in the
state store, so a rerun (crash, restart, a later fire) picks up where the last stopped:
downloaded chunks are checked and skipped, a ready chunk's id is reused, a requested
chunk's webhook is waited for again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationError, field_validator

from runner import jinja_words, words
from runner.catalogue.fields import Id, KindParams, PostChat, ru
from runner.catalogue.source import shorten
from runner.durations import Duration
from runner.effects import POSTING_SCOPES, post_once
from runner.errors import JobError, MissingScope
from runner.kinds.base import JobContext, JobKind
from runner.kinds.export.chunks import Chunk, ChunkExporter, span_text
from runner.kinds.export.period import (
    MAX_DAYS,
    MAX_DAYS_WITH_CHATS,
    FixedPeriod,
    Period,
    chunks,
    last_ended_day,
    utc_days,
)
from runner.kinds.export.records import ExportRecords
from runner.periods import fixed_period
from runner.sizes import size_text

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from runner.kinds.export.records import ExportChunk
    from runner.pachca.client import PachcaClient
    from runner.server import RunnerServer
    from runner.server.metrics import Metric
    from runner.state import StateStore

TEMPLATE = "export_ready.md.j2"
EXPORT_SCOPES = frozenset({"chat_exports:write", "chat_exports:read"})


def plain_file_name(name: str) -> bool:
    """Whether ``name`` names a file in the output folder, and nothing else."""
    return bool(name) and not name.startswith(".") and len(name) <= 255 and not any(
        sep in name for sep in ("/", "\\", "\0", "\n", "\r"))


class ExportParams(KindParams):
    """Fields of an ``export`` job."""

    period: Period = Field(
        default="previous_month",
        description="The days exported, as UTC days (Pachca's): previous_month, last_30_days,"
        " previous_week, yesterday (the UTC days that ended within that period of the job's"
        " zone, so each is exported once and only when over), or fixed UTC dates"
        " {start, end}; split into requests Pachca accepts.",
        examples=["previous_month", {"start": "2026-01-01", "end": "2026-03-31"}],
        json_schema_extra=ru("Какие дни выгрузить, дни по UTC (как у Пачки): previous_month,"
                             " last_30_days, previous_week, yesterday (дни UTC, закончившиеся"
                             " в этом периоде по часовому поясу задания: каждый выгружается"
                             " один раз и только целиком) или даты UTC {start, end}; длинный"
                             " период делится на части, которые принимает Пачка."),
    )
    chat_ids: list[Id] = Field(
        default_factory=list, max_length=50,
        description="Only these chats (at most 50); empty: the whole workspace.",
        examples=[[100009, 100016]],
        json_schema_extra=ru("Только эти чаты (не больше 50); пусто — всё пространство."),
    )
    skip_chats_file: bool = Field(
        default=False, description="Leave the list of chats out of the archive.",
        examples=[True], json_schema_extra=ru("Не класть в архив список чатов."),
    )
    output_dir: Path = Field(
        default=Path("exports"), description="Folder the archives are saved to.",
        examples=["exports"], json_schema_extra=ru("Папка, куда сохраняются архивы."),
    )
    filename: str = Field(
        default="pachca-{{ start }}_{{ end }}.zip",
        description="Archive file name, a Jinja template over start and end (dates).",
        examples=["pachca-{{ start }}_{{ end }}.zip"],
        json_schema_extra=ru("Имя файла архива, шаблон Jinja; доступны start и end (даты)."),
    )
    notify_chat_id: PostChat | None = Field(
        default=None, description="Post a notice to this chat when the export is saved.",
        examples=[100050],
        json_schema_extra=ru("Сообщить в этот чат, когда выгрузка сохранена."),
    )
    webhook_timeout: Duration = Field(
        default=1800.0, description="How long to wait for Pachca's webhook for one request.",
        examples=["30m"],
        json_schema_extra=ru("Сколько ждать вебхука Пачки на один запрос выгрузки."),
    )
    rerequest_after: Duration = Field(
        default=86400.0,
        description="Request a chunk again if its webhook has not come after this long.",
        examples=["1d"],
        json_schema_extra=ru("Запросить часть заново, если её вебхук не пришёл за это время."),
    )

    @field_validator("period", mode="before")
    @classmethod
    def _fixed(cls, value: Any) -> Any:
        # pydantic's union hides why fixed dates failed as a whole (end before start)
        # behind "must be one of the names"; a bad day keeps its own place (period.start).
        if isinstance(value, dict):
            try:
                return FixedPeriod.model_validate(value)
            except ValidationError as exc:
                if not exc.errors()[0]["loc"]:
                    fixed_period(value, FixedPeriod)
        return value

    @field_validator("chat_ids")
    @classmethod
    def _ids(cls, value: list[int]) -> list[int]:
        if any(v <= 0 for v in value):
            raise ValueError(words.text("export.ids_positive"))
        if len(set(value)) != len(value):
            raise ValueError(words.text("export.ids_twice"))
        return value

    @field_validator("filename")
    @classmethod
    def _template(cls, value: str) -> str:
        from jinja2 import TemplateSyntaxError
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        try:
            ImmutableSandboxedEnvironment().parse(value)
        except TemplateSyntaxError as exc:
            raise ValueError(words.text("export.filename", detail=jinja_words.detail(exc.message or ""))) from None
        return value

    @field_validator("webhook_timeout", "rerequest_after")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError(words.text("export.positive"))
        return value


class ExportKind(JobKind[ExportParams]):
    """Export the workspace's (or some chats') messages for a period into zip files."""

    name: ClassVar[str] = "export"
    Params = ExportParams
    summary: ClassVar[str] = "Export chat history for a period into zip files."
    needs_server: ClassVar[bool] = True
    route_prefixes: ClassVar[tuple[str, ...]] = ("/hooks/export/",)

    def run_files(self, state: StateStore, job: str) -> Sequence[object]:
        """The chunks of ``job`` downloaded to a file."""
        from runner.kinds.export.table import export_chunks

        return [c for c in export_chunks(state, job) if c.file]

    async def routes(self, server: RunnerServer) -> Sequence[BaseRoute]:
        """``POST /hooks/export/<secret>``: Pachca's export-ready webhook."""
        from starlette.routing import Route

        from runner.kinds.export.hub import PREFIX, hub_of

        hub = hub_of(server)
        await hub.path.value()  # the secret exists before Pachca can call
        return [Route(PREFIX + "{secret}", hub.handle, methods=["POST"])]

    def metrics(self, server: RunnerServer) -> Sequence[Metric]:
        """The export webhooks this process received, by result."""
        from runner.kinds.export.hub import hub_of
        from runner.server.metrics import Metric

        hooks = Metric("pachca_runner_export_webhooks_total",
                       "Export webhooks received by this process, by result.", "counter")
        for result, n in sorted(hub_of(server).counts.items()):
            hooks.add(n, result=result)
        return [hooks]

    def scopes(self, params: ExportParams) -> frozenset[str]:
        """The notice's (if any); the export token's own are checked in ``run``."""
        return POSTING_SCOPES if params.notify_chat_id is not None else frozenset()

    def templates(self, params: ExportParams) -> list[str]:
        """The notice template, when a notice is asked for."""
        return [TEMPLATE] if params.notify_chat_id is not None else []

    def inline_templates(self, params: ExportParams) -> dict[str, str]:
        """The file name, a template rendered for every chunk."""
        return {"filename": params.filename}

    def check_rendered(
        self, params: ExportParams, field: str, render: Callable[[], str]
    ) -> str | None:
        """The file name must render to a plain name (no folder, not hidden)."""
        if field != "filename":
            return None
        name = render().strip()
        if plain_file_name(name):
            return None
        shown = name if name.isprintable() else repr(name)[1:-1]  # a NUL would be invisible
        return words.text("export.filename_path", name=shorten(shown, 80))

    def sample_context(self, params: ExportParams, template: str) -> dict[str, Any]:
        """A two-file export, as the notice would show it (or a chunk, for the file name)."""
        if template == "filename":
            return {"start": "2026-01-01", "end": "2026-02-14", "job": "monthly-export",
                    "index": 1, "count": 2}
        start, end = date(2026, 1, 1), date(2026, 3, 31)
        files = [
            {"name": "pachca-2026-01-01_2026-02-14.zip", "size": size_text(1_288_490),
             "bytes": 1_288_490, "start": start, "end": date(2026, 2, 14)},
            {"name": "pachca-2026-02-15_2026-03-31.zip", "size": size_text(930_000),
             "bytes": 930_000, "start": date(2026, 2, 15), "end": end},
        ]
        return {"job": "monthly-export", "description": "Ежемесячная выгрузка", "start": start,
                "end": end, "files": files, "count": 2, "total_size": size_text(2_218_490),
                "output_dir": "exports", "dry_run": False}

    async def run(self, ctx: JobContext, params: ExportParams) -> None:
        """Export every chunk of the period in turn, then post the notice if asked."""
        days = utc_days(params.period, ctx.scheduled_for, ZoneInfo(ctx.job.timezone))
        if days is None:
            ctx.report.say(words.text("export.no_day"))
            ctx.report.count("chunks", 0)
            return
        start, end = days
        ended = last_ended_day(ctx.scheduled_for)
        if end > ended:
            # Pachca would export what exists so far; the rest of that day would be lost.
            raise JobError(words.text(
                "export.not_ended", end=end.isoformat(), last=ended.isoformat(),
                now=f"{ctx.scheduled_for.astimezone(UTC):%Y-%m-%d %H:%M}"))
        limit = MAX_DAYS_WITH_CHATS if params.chat_ids else MAX_DAYS
        plan = self._plan(ctx, params, start, end, limit)
        where = (words.text("export.some_chats", n=len(params.chat_ids)) if params.chat_ids
                 else words.text("export.all_chats"))
        ctx.report.say(words.text("export.plan", span=span_text(start, end), where=where,
                                  n=len(plan)))
        ctx.report.count("chunks", len(plan))
        await self._mention_unfinished(ctx, plan)
        client = ctx.owner_client or ctx.client
        await _check_export_token(client)
        if ctx.dry_run:
            await self._dry_run(ctx, params, plan, start, end)
            return
        server = ctx.server
        if server is None:
            raise JobError(words.text("export.no_server"))
        try:
            params.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JobError(words.text("export.cannot_create", path=params.output_dir,
                                      reason=exc.strerror)) from None
        exporter = ChunkExporter(ctx, params, client, server)
        done: list[ExportChunk] = []
        for i, chunk in enumerate(plan):
            ctx.progress(words.text("progress.export"), i, len(plan))
            done.append(await exporter.chunk(chunk))
        ctx.progress(words.text("progress.export"), len(plan), len(plan))
        if params.notify_chat_id is not None:
            await self._notify(ctx, params, plan, done, start, end)

    def _plan(
        self, ctx: JobContext, params: ExportParams, start: date, end: date, limit: int
    ) -> list[Chunk]:
        """The chunks of the period with their target files, names checked."""
        spans = chunks(start, end, limit)
        plan: list[Chunk] = []
        for i, (a, b) in enumerate(spans, 1):
            name = ctx.renderer.render_string(
                params.filename,
                {"start": a.isoformat(), "end": b.isoformat(), "job": ctx.job.name,
                 "index": i, "count": len(spans)},
                origin=f"jobs.{ctx.job.name}.filename",
            ).strip()
            if not plain_file_name(name):
                raise JobError(words.text("export.name_not_plain", name=shorten(name, 80)))
            plan.append(Chunk(a, b, params.output_dir / name))
        if len({c.path for c in plan}) < len(plan):
            raise JobError(words.text("export.same_names", filename=params.filename))
        return plan

    async def _mention_unfinished(self, ctx: JobContext, plan: list[Chunk]) -> None:
        """Tell the operator about chunks of other periods an earlier fire left unfinished.

        Each period resumes only its own chunks (a fire exports the period it stands
        for), so an unfinished one is finished by rerunning that fire with ``--at``.
        """
        ours = {(c.start, c.end) for c in plan}
        for rec in await ctx.state.records(ExportRecords).chunks(ctx.job.name):
            if rec.status != "downloaded" and (rec.start, rec.end) not in ours:
                ctx.report.say(words.text("export.unfinished", span=span_text(rec.start, rec.end),
                                          status=words.text_or(f"target.{rec.status}",
                                                               rec.status)))

    async def _dry_run(
        self, ctx: JobContext, params: ExportParams, plan: list[Chunk], start: date, end: date
    ) -> None:
        """Say what a real run would do with each chunk; read the state store only."""
        chunks = await ctx.state.records(ExportRecords).chunks(ctx.job.name)
        known = {c.start: c for c in chunks}
        for i, chunk in enumerate(plan, 1):
            rec = known.get(chunk.start)
            what = words.text("export.chunk", i=i, n=len(plan), span=chunk.span)
            if rec is None or rec.end != chunk.end or rec.status == "pending":
                ctx.report.say(words.text("export.would_request", what=what,
                                          file=chunk.path.name))
                ctx.report.count("would_request")
            elif rec.status == "requested":
                ctx.report.say(words.text("export.would_wait", what=what))
            elif rec.status == "ready":
                ctx.report.say(words.text("export.would_download", id=rec.export_id, what=what))
            else:
                ctx.report.say(words.text("export.would_check", what=what, file=chunk.path.name))
        if params.notify_chat_id is not None:
            await self._notify(ctx, params, plan, [known.get(c.start) for c in plan], start, end)

    async def _notify(
        self, ctx: JobContext, params: ExportParams, plan: list[Chunk],
        records: Sequence[ExportChunk | None], start: date, end: date,
    ) -> None:
        """Post the notice listing the files, once per period (across reruns too)."""
        assert params.notify_chat_id is not None
        lang = ctx.renderer.lang
        files, total = [], 0
        for chunk, rec in zip(plan, records, strict=True):
            size = rec.size if rec is not None and rec.status == "downloaded" else None
            total += size or 0
            files.append({"name": chunk.path.name, "bytes": size, "start": chunk.start,
                          "end": chunk.end, "size": size_text(size, lang) if size else None})
        text = ctx.renderer.render(TEMPLATE, {
            "job": ctx.job.name, "description": ctx.job.description, "start": start, "end": end,
            "files": files, "count": len(files), "total_size": size_text(total, lang),
            "output_dir": str(params.output_dir), "dry_run": ctx.dry_run,
        })
        marker = f"notified:{start.isoformat()}:{end.isoformat()}"
        if not ctx.dry_run and await ctx.state.values.get(ctx.job.name, marker):
            ctx.report.say(words.text("export.notice_posted", span=span_text(start, end)))
            ctx.report.count("already_posted")
            return
        message_id = await post_once(ctx, f"notice:{marker}", entity_id=params.notify_chat_id,
                                     content=text, label=words.text("post.chat", id=params.notify_chat_id))
        if not ctx.dry_run:
            await ctx.state.values.set(ctx.job.name, marker, message_id or True)


async def _check_export_token(client: PachcaClient) -> None:
    """Fail before the first request if the export token may not export (the owner's
    scopes ``chat_exports:write`` and ``chat_exports:read``, no other role holds them)."""
    from runner import scopes  # the client's module: only when a run asks, not to load the kind

    info = await scopes.token_info(client)
    missing = EXPORT_SCOPES - set(info.scopes) if info is not None else set()
    if missing:
        raise MissingScope(words.text("scope.export", scopes=", ".join(sorted(EXPORT_SCOPES))),
                           tuple(sorted(missing)))


KIND = ExportKind()
