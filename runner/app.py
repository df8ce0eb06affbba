"""Wiring: build settings-driven objects once and hand them to execute / the daemon.

The CLI calls these functions; tests call them too. Nothing here decides what a job
does; it only assembles the Runtime (``runtime``: the one place it is built).
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from runner import words
from runner.catalogue import Catalogue, JobSpec
from runner.errors import InputError
from runner.execute import Outcome, execute
from runner.kinds.base import Progress, no_progress
from runner.kinds.registry import get_kind
from runner.opening import job_zones, open_state, replica_name  # noqa: F401 - callers use app.*
from runner.pachca.client import PachcaClient
from runner.pachca.limits import RateLimits, RetryPolicy
from runner.render import Renderer
from runner.runtime import BotUser, Current, Runtime, shifted_clock, system_clock
from runner.settings import Settings
from runner.state.aio import Store

if TYPE_CHECKING:
    from runner.bot.polling import PollResult
    from runner.preflight import TargetCheck
    from runner.state import RunRecord

log = logging.getLogger("runner.app")


def find_job(catalogue: Catalogue, name: str) -> JobSpec:
    """The job called ``name``, or an InputError suggesting the closest name."""
    job = catalogue.jobs.get(name)
    if job is None:
        close = difflib.get_close_matches(name, list(catalogue.jobs), n=1)
        hint = words.text("hint.did_you_mean", word=close[0]) if close else ""
        known = ", ".join(catalogue.jobs) or words.text("word.none")
        raise InputError(words.text("job.not_found", file=catalogue.path, name=name, hint=hint,
                                    known=known))
    return job


def make_client(settings: Settings) -> PachcaClient:
    """The one client of the configured token (its limiter is shared by every job)."""
    return PachcaClient(
        settings.base_url,
        settings.require_token(),
        timeout=settings.request_timeout,
        limits=RateLimits().scaled(settings.rate_limit_scale),
        retry=RetryPolicy(
            max_retry_after=settings.max_retry_after, backoff_base=settings.retry_backoff
        ),
    )


async def open_store(settings: Settings) -> Store:
    """The state store named by the settings, for async code."""
    return await Store.open(settings.state_url, replica=replica_name(settings))


def owner_client(settings: Settings) -> PachcaClient | None:
    """A client of PACHCA_EXPORT_TOKEN (a workspace owner's: only an owner may export,
    while the main token is usually a bot's), or None when that token is unset or is the
    main one. Its own limiter: Pachca's limits are per token."""
    token = settings.export_token
    main = settings.token
    if token is None or not token.get_secret_value() or (
        main is not None and token.get_secret_value() == main.get_secret_value()
    ):
        return None
    return make_client(settings.model_copy(update={"token": token}))


@contextlib.asynccontextmanager
async def runtime(
    settings: Settings,
    catalogue: Catalogue,
    *,
    clock: Callable[[], datetime] = system_clock,
    server: bool = False,
    renderer: Renderer | None = None,
) -> AsyncIterator[Runtime]:
    """The one place a Runtime is built: its clients, state store, renderer, button key
    and, with ``server``, the runner's own HTTP server (webhooks, the kinds' routes,
    the console), running meanwhile; all closed afterwards.

    ``renderer``: the one that checked the catalogue's templates, if it renders in the
    settings' language: its compiled templates are used again, not compiled a second
    time before the run's first message (tens of milliseconds a template)."""
    from runner.bot import alerts
    from runner.buttons import button_keys
    from runner.preflight import token_user

    state = await open_store(settings)
    client = make_client(settings)
    owner: PachcaClient | None = None
    # Token info needs no scope (GET /profile needs profile:read) and gives the token's
    # scopes too, asked once for every job's check (the client keeps the answer).
    bot_user = BotUser(settings.bot_user_id, None if settings.bot_user_id is not None
                       else asyncio.ensure_future(token_user(client)))
    try:
        owner = owner_client(settings)
        srv = None
        if server:
            from runner.server import RunnerServer

            srv = RunnerServer(settings)
        rt = Runtime(
            current=Current(catalogue),
            client=client,
            owner_client=owner,
            renderer=run_renderer(catalogue.templates_dir, settings.lang or "ru", renderer),
            state=state,
            button_secret=button_keys(await state.call(state.sync.button_key), settings),
            server=srv,
            clock=clock,
            lease=settings.lease,
            bot_user=bot_user,
        )
        alerts.install(rt)  # failure alerts and recovery notes (reads catalogue.alerts)
        if srv is None:
            yield rt
            return
        await srv.start(rt)
        try:
            yield rt
        finally:
            await srv.stop()
    finally:
        await bot_user.close()
        if owner is not None:
            await owner.aclose()
        await client.aclose()
        await state.close()


def run_renderer(templates_dir: Path, lang: str, checked: Renderer | None) -> Renderer:
    """The renderer of a run: ``checked`` (the catalogue check's) where it renders what
    the run would, from the same folder in the same language; else a new one."""
    if checked is not None and checked.lang == lang and checked.templates_dir == templates_dir:
        return checked
    return Renderer(templates_dir, lang=lang)


async def run_once(
    settings: Settings,
    catalogue: Catalogue,
    job: JobSpec,
    *,
    dry_run: bool,
    at: datetime | None,
    progress: Progress = no_progress,
    plan: object | None = None,
    rerun: int | None = None,
    renderer: Renderer | None = None,
) -> Outcome:
    """``run-job``: one run now (or as if at ``at``, naive = the job's zone).

    ``plan``: what the job's kind made of ``--plan FILE`` (``JobKind.read_plan``).
    ``rerun``: finish that failed run of the job (``--rerun RUN``), under its own key, as
    the alert's «Повторить» does: what it already did is not done again.
    ``renderer``: the one that checked the catalogue (``runtime``).

    With ``at``, the run stands for that fire: it runs once, and if it failed, running it
    again resumes it where it stopped (its effects are keyed by the fire, so a message
    already posted is not posted again).
    """
    clock = system_clock
    scheduled_for = None
    if at is not None:
        if at.tzinfo is None:
            at = _existing(at, ZoneInfo(job.timezone))
        clock = shifted_clock(at)
        scheduled_for = at
    needs_server = get_kind(job.kind).needs_server
    async with runtime(settings, catalogue, clock=clock, server=needs_server,
                       renderer=renderer) as rt:
        if rerun is not None:
            if at is not None:
                raise InputError(words.text("rerun.with_at"))
            record = await rt.state.runs.get(rerun)
            _check_rerun(record, job, rerun)
            assert record is not None
            return await execute(rt, job, scheduled_for=record.scheduled_for, key=record.key,
                                 dry_run=dry_run, progress=progress, retry_failed=True,
                                 plan=plan)
        return await execute(rt, job, scheduled_for=scheduled_for, dry_run=dry_run,
                             progress=progress, retry_failed=scheduled_for is not None,
                             plan=plan)


def _existing(at: datetime, zone: ZoneInfo) -> datetime:
    """The naive ``--at`` moment in ``zone``; InputError if the clocks jumped over it.

    zoneinfo would read a time in a spring-forward gap with the offset before the jump,
    an instant no schedule fires at (a fire due in the gap runs when the gap ends): its
    run key would be a fire of its own, and rerunning the gap's fire that way would post
    again what the fire had posted.
    """
    aware = at.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == at:
        return aware
    fire = datetime.combine(at.date(), at.time().replace(second=0, microsecond=0), zone)
    while fire.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != fire.replace(
            tzinfo=None):
        fire += timedelta(minutes=1)  # a gap is at most a few hours: minutes to its end
    raise InputError(words.text("at.gap", at=at.strftime("%Y-%m-%d %H:%M"), zone=zone.key,
                                fire=fire.strftime("%Y-%m-%d %H:%M")))


def _check_rerun(record: RunRecord | None, job: JobSpec, run_id: int) -> None:
    """``--rerun RUN``: RUN must be a failed (or abandoned) real run of ``job``."""
    if record is None or record.job != job.name:
        raise InputError(words.text("rerun.unknown", id=run_id, job=job.name))
    if record.dry_run:
        raise InputError(words.text("rerun.dry", id=run_id, job=job.name))
    if record.status not in ("failed", "abandoned"):
        raise InputError(words.text("rerun.not_failed", id=run_id, job=job.name,
                                    status=words.text(f"outcome.{record.status}")))


async def run_daemon(
    settings: Settings, catalogue: Catalogue, *, reload: Callable[[], Catalogue]
) -> None:
    """``run``: the scheduler until a stop signal."""
    from runner.replicas import Maintenance, single_replica
    from runner.scheduler import Daemon

    # SQLite: refused before anything starts if another `run` uses the same file.
    with single_replica(settings, lambda: open_state(settings)):
        async with runtime(settings, catalogue, server=True) as rt:
            from runner.bot import alerts, service

            await rt.bot_user.get()  # a token Pachca refuses stops the daemon before it starts

            daemon = Daemon(rt, reload=reload, on_missed=alerts.notifier_of(rt).on_missed)
            # Heartbeat, stale runs (taken over or abandoned), history pruning.
            maintenance = Maintenance(rt, retention_days=settings.history_retention_days,
                                      take_over=daemon.take_over)
            async with service.started(settings, rt):  # bot events: polling loop / push route
                await daemon.run(maintenance)


async def poll_command(settings: Settings, catalogue: Catalogue, *, once: bool
                       ) -> PollResult:
    """``bot poll``: the bot's pending events handled over a runtime of its own."""
    from runner.bot import service

    async with runtime(settings, catalogue) as rt:
        return await service.poll(rt, once=once)


async def check_access(settings: Settings, catalogue: Catalogue
                       ) -> list[tuple[str, str, TargetCheck]]:
    """``validate``: every chat and person a job (or the alerts) would post to where the
    token may not, as (job or ``ALERTS``, the job's field that names it, check).

    Reads only; each distinct recipient is looked up once for the whole catalogue.
    """
    from runner.catalogue.models import ALERTS
    from runner.preflight import check_recipients, targets, token_user
    from runner.recipients import Recipients

    client = make_client(settings)
    try:
        me = await token_user(client)
        per_job = {job.name: targets(job.params) for job in catalogue.jobs.values()}
        if catalogue.alerts is not None:  # failure alerts are posted there
            per_job[ALERTS] = [("chat_id", Recipients(chats=[catalogue.alerts.chat_id]))]
        wanted = [r for rs in per_job.values() for _, r in rs]
        checks = await check_recipients(client, wanted, me)
    finally:
        await client.aclose()
    found = {(c.entity_type, c.entity_id): c for c in checks if not c.ok}
    problems = []
    for name, recipients in per_job.items():
        for field, r in recipients:
            keys = [("discussion", c) for c in r.chats] + [("user", u) for u in r.users]
            problems += [(name, field, found[k]) for k in dict.fromkeys(keys) if k in found]
    return problems


def operator_name() -> str:
    """Who runs this command, for the record of operators' actions (``user@host``)."""
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "?"
    return f"{user}@{socket.gethostname()}"


def set_paused(settings: Settings, job: str, *, paused: bool, who: str, reason: str = ""
               ) -> bool:
    """``pause`` / ``resume``: change ``job``'s pause and record who did it and why.

    Returns whether anything changed (resuming a job that was not paused changes nothing).
    """
    state = open_state(settings)
    try:
        if paused:
            state.pause(job, who, reason)
        elif not state.resume(job):
            return False
        state.record_audit(job, who, "pause" if paused else "resume", detail=reason)
        return True
    finally:
        state.close()


def paused_jobs(settings: Settings) -> Mapping[str, Any]:
    """The paused jobs, for ``jobs``; empty when there is no state store yet (listing jobs
    must not create one)."""
    from runner.state.engine import parse_url

    url = parse_url(settings.state_url)  # a URL that is not one: the store's own error
    if url.get_backend_name() == "sqlite" and (
        not url.database or not os.path.exists(url.database)
    ):
        return {}
    state = open_state(settings)
    try:
        return state.paused()
    finally:
        state.close()
