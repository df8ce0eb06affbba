"""Failure alerts: a run that failed (or was missed) is told to the alerts chat, once.

Failures of one job are grouped into a streak kept in the state store
(``alert_state(job)``): the first failure posts an alert with a «Повторить» button;
later failures only update the streak, and the alert is repeated at most every
``alerts.repeat_every`` ("N failures since ..."). The first success after a streak that
was announced posts a recovery note and ends the streak. Alerting never breaks the
daemon: a failure to post is logged at error level and the streak is kept, so the next
failure tries again (an alert), or the next success (a recovery note: people who saw
the alert must see the job work again).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from runner import words
from runner.bot.context import BotContext, one_line
from runner.buttons import make_button_data
from runner.pachca.models import Button

if TYPE_CHECKING:
    from runner.catalogue import Alerts, JobSpec
    from runner.execute import Outcome
    from runner.runtime import Runtime
    from runner.state import AlertState

log = logging.getLogger("runner.bot.alerts")

RECOVERY_TEMPLATE = "recovery.md.j2"
RETRY_TEXT = "Повторить"


def sample_context(zone: str) -> dict[str, Any]:
    """What an alert template is rendered with, made up: ``validate`` renders it so."""
    when = datetime(2026, 1, 12, 9, 0, tzinfo=ZoneInfo(zone))
    return {
        "job": {"name": "morning-digest", "description": "Утренняя сводка", "kind": "digest"},
        "when": when, "missed": False, "error": "GET /chats -> 503: Service Unavailable",
        "undone": ["chat 101"], "failures": 2, "failing_since": when - timedelta(hours=1),
        "repeated": False,
    }


class AlertNotifier:
    """An execute ``Observer`` plus the daemon's ``on_missed`` hook."""

    def __init__(self, bot: BotContext) -> None:
        self.bot = bot

    async def observe(self, outcome: Outcome) -> None:
        """Called by ``execute`` after every run; never raises."""
        if "@dry-run:" in outcome.key or outcome.status not in ("failed", "succeeded"):
            return
        job = self.bot.rt.catalogue.jobs.get(outcome.job)
        if job is None:
            return
        try:
            if outcome.status == "failed":
                await self.failed(job, outcome.error, outcome.scheduled_for,
                                  undone=list(outcome.report.undone), run_id=outcome.run_id)
            else:
                await self.succeeded(job, outcome.scheduled_for)
        except Exception:  # alerting must never take the daemon down
            log.exception("%s", words.text("alert.unprocessed", job=job.name, key=outcome.key))

    async def on_missed(self, job: JobSpec, when: datetime, why: str = "missed") -> None:
        """The daemon did not run a fire (``why``: ``"missed"`` beyond its grace time, or
        ``"overlap"``, the previous run still going): a failure of its own kind, said in
        Russian by ``failed`` as everything in Pachca is."""
        error = words.text(f"alert.{why}", grace=f"{job.misfire_grace:.0f}")
        try:
            await self.failed(job, error, when, undone=[words.text("alert.whole_run")],
                              missed=True)
        except Exception:
            log.exception("%s", words.text("alert.missed_unprocessed", job=job.name))

    # -- the streak -------------------------------------------------------------------------

    async def failed(
        self,
        job: JobSpec,
        error: str | None,
        when: datetime | None,
        *,
        undone: list[str],
        run_id: int | None = None,
        missed: bool = False,
    ) -> bool:
        """Count a failure; post an alert when the streak is new or the repeat is due.

        Returns whether an alert was posted.
        """
        alerts = self.bot.rt.catalogue.alerts
        if alerts is None:
            return False
        now = self.bot.now()
        store = self.bot.rt.state
        previous: AlertState | None = await store.alerts.get(job.name)
        streak: AlertState = await store.alerts.set(
            job.name,
            failing_since=previous.failing_since if previous and previous.failing_since else now,
            failures=(previous.failures if previous else 0) + 1,
            last_error=one_line(error, 500),
        )
        last = streak.last_alert_at
        if last is not None and now - last < timedelta(seconds=alerts.repeat_every):
            log.info("%s", words.text("alert.streak_known", job=job.name, n=streak.failures))
            return False
        zone = ZoneInfo(job.timezone)
        context: dict[str, Any] = {
            "job": {"name": job.name, "description": job.description, "kind": job.kind},
            "when": (when or now).astimezone(zone),
            "missed": missed,
            "error": one_line(error),
            "undone": [words.in_language(item, "ru") for item in undone],
            "failures": streak.failures,
            "failing_since": (streak.failing_since or now).astimezone(zone),
            "repeated": last is not None,
        }
        data = make_button_data("retry", job.name, self.bot.secret, scope=run_id or 0)
        posted = await self._post(alerts, alerts.template, context,
                                  [[Button(text=RETRY_TEXT, data=data)]])
        if posted:
            await self.bot.rt.state.alerts.set(job.name, last_alert_at=now)
        return posted

    async def succeeded(self, job: JobSpec, when: datetime | None) -> bool:
        """End the job's failure streak; post a recovery note if the streak was announced."""
        streak: AlertState | None = await self.bot.rt.state.alerts.get(job.name)
        if streak is None:
            return False
        alerts = self.bot.rt.catalogue.alerts
        posted = False
        if alerts is not None and streak.last_alert_at is not None:
            zone = ZoneInfo(job.timezone)
            now = self.bot.now()
            context = {
                "job": {"name": job.name, "description": job.description, "kind": job.kind},
                "when": (when or now).astimezone(zone),
                "failures": streak.failures,
                "failing_since": (streak.failing_since or now).astimezone(zone),
            }
            posted = await self._post(alerts, RECOVERY_TEMPLATE, context, None)
            if not posted:  # people saw the alert: keep the streak, the next success says it
                return False
        await self.bot.rt.state.alerts.clear(job.name)
        log.info("%s", words.text("alert.recovered", job=job.name, n=streak.failures))
        return posted

    async def _post(
        self, alerts: Alerts, template: str, context: dict[str, Any],
        buttons: list[list[Button]] | None,
    ) -> bool:
        from runner.errors import RunnerError

        try:
            text = self.bot.render(template, **context)
            await self.bot.rt.client.send_message(alerts.chat_id, text, buttons=buttons)
        except RunnerError as exc:
            log.error("%s", words.text("alert.not_posted", template=template,
                                       chat=alerts.chat_id, error=exc))
            return False
        return True


def install(rt: Runtime) -> AlertNotifier:
    """Register the alert observer on ``rt`` (it reads ``rt.catalogue.alerts`` on each run,
    so a reloaded catalogue takes effect) and return it."""
    notifier = notifier_of(rt)
    rt.observers.append(notifier.observe)
    return notifier


def notifier_of(rt: Runtime) -> AlertNotifier:
    """The alerts of ``rt`` (the daemon's ``on_missed``). A notifier keeps nothing of its
    own (streaks live in the state store), so any one of a runtime acts as another."""
    return AlertNotifier(BotContext(rt))
