"""The bot side of a runtime, assembled: dispatcher, polling loop, push endpoint, reruns.

``started(settings, rt)`` runs it around the daemon: the polling loop (when
``bot.events`` is ``poll``, or ``push`` to catch up with what was pushed while the runner
was down; read again after every pass, so a reloaded catalogue takes effect) and the
signed webhook route on the runner's server. ``poll`` is
``pachca-runner bot poll [--once]``: the same dispatcher, with «Повторить» reruns
awaited in-process instead of handed to the daemon.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING

from runner import words
from runner.bot.alerts import AlertNotifier, notifier_of
from runner.bot.clicks import ClickHandler
from runner.bot.context import BotContext
from runner.bot.dispatch import Dispatcher
from runner.bot.polling import Poller, PollResult
from runner.bot.push import PushEndpoint
from runner.bot.unfurl import Unfurler
from runner.errors import SettingsError
from runner.execute import Outcome, execute

if TYPE_CHECKING:
    from runner.catalogue import JobSpec
    from runner.runtime import Runtime
    from runner.settings import Settings

log = logging.getLogger("runner.bot")

_RERUN_GRACE = 5.0
"""Seconds ``aclose`` waits for reruns still going before cancelling them."""


class BotService:
    """Everything that answers bot events for one runtime."""

    def __init__(self, rt: Runtime, *, background: bool) -> None:
        self.rt = rt
        self.bot = BotContext(rt)
        self.tasks: set[asyncio.Task[None]] = set()
        self.unfurl = Unfurler(rt)
        self.clicks = ClickHandler(self.bot, self.run_job, self._spawn if background else None)
        self.dispatcher = Dispatcher(self.bot, self.clicks, self.unfurl)
        self.poller = Poller(self.dispatcher)

    @property
    def alerts(self) -> AlertNotifier:
        """The failure-alert observer of this runtime."""
        return notifier_of(self.rt)

    async def run_job(self, job: JobSpec, failed_run: int = 0) -> Outcome:
        """«Повторить»: resume the failed run the alert was about, through the usual path.

        Resuming (same run key) keeps what the failed attempt already did: a digest it
        posted to some chats is not posted there again. A missed fire (no run) or a
        run that is gone from the history gets a fresh manual run.
        """
        record = await self.rt.state.runs.get(failed_run) if failed_run else None
        if record is None or record.job != job.name or record.dry_run:
            return await execute(self.rt, job)
        return await execute(self.rt, job, scheduled_for=record.scheduled_for, key=record.key,
                             retry_failed=True)

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def push_endpoint(self, settings: Settings) -> PushEndpoint | None:
        """The webhook endpoint, or None without a signing secret (push then impossible)."""
        secret = settings.webhook_secret
        if secret is None or not secret.get_secret_value():
            return None
        return PushEndpoint(self.dispatcher, secret, self._spawn)

    async def aclose(self) -> None:
        """Let reruns still going finish briefly, then cancel them; close the fetcher."""
        if self.tasks:
            _, pending = await asyncio.wait(set(self.tasks), timeout=_RERUN_GRACE)
            for task in pending:
                task.cancel()
        await self.unfurl.aclose()


@contextlib.asynccontextmanager
async def started(settings: Settings, rt: Runtime) -> AsyncIterator[BotService]:
    """Run the bot side around the daemon: polling loop and/or the push route."""
    bot_cfg = rt.catalogue.bot
    secret = settings.webhook_secret
    if bot_cfg.events == "push" and (secret is None or not secret.get_secret_value()):
        raise SettingsError(
            "bot.events is push but no signing secret is set: set PACHCA_WEBHOOK_SECRET to the"
            " bot's outgoing-webhook secret (or use events: poll)"
        )
    service = BotService(rt, background=True)
    endpoint = service.push_endpoint(settings)
    server = rt.server
    if endpoint is not None and server is not None:
        server.add_route(bot_cfg.webhook_path, endpoint.handle)
        log.info("%s", words.text("server.bot_webhook_at", url=f"{server.public_url}{bot_cfg.webhook_path}"))

    def every() -> float | None:
        cfg = rt.catalogue.bot
        return cfg.poll_every if cfg.events in ("poll", "push") else None

    def optional() -> bool:  # with push, the history only catches up (see polling)
        return rt.catalogue.bot.events == "push"

    stop = asyncio.Event()
    loop_task = asyncio.create_task(service.poller.run(stop, every, optional))
    try:
        yield service
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await loop_task
        await service.aclose()


async def poll(rt: Runtime, *, once: bool) -> PollResult:
    """``bot poll`` over ``rt``: one pass (``once``), or passes every ``bot.poll_every``
    until a signal; «Повторить» reruns are awaited here, not handed to a daemon."""
    service = BotService(rt, background=False)
    try:
        if once:
            return await service.poller.poll_once()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await service.poller.run(stop, lambda: rt.catalogue.bot.poll_every)
        return PollResult()
    finally:
        await service.aclose()
