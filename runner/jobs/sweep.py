"""Kind ``sweep``: find inactive group chats, warn them, archive the ones that stay quiet.

Safe to run unattended: direct chats, channels (unless asked), excluded and kept chats
are never touched; a chat is archived only after a warning and ``warn_days`` of quiet
(the bot's own messages do not count), or when a member asks with the button. All
decisions are made first; if too large a share of the chats would be acted on
(``max_fraction``), the run fails and touches nothing. Decision logic lives in
``runner.sweep.decide``, reading in ``runner.sweep.scan``, effects in ``runner.sweep.act``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from runner.concurrency import for_each
from runner.effects import post_once
from runner.errors import JobError, NotFound, PermissionDenied, ValidationFailed
from runner.jobs.base import JobContext, JobKind, KindParams
from runner.render import split_message
from runner.sweep.act import CLOSING_TEMPLATE, REPORT_TEMPLATE, WARNING_TEMPLATE, Actor
from runner.sweep.decide import Decision, archive_order
from runner.sweep.params import SweepParams
from runner.sweep.scan import Plan, Scanner

# A few per-chat skip lines tell the operator enough; the counts hold the rest.
_SKIP_LINES = 200
# Refusals that concern one chat; anything else (transport, 5xx, 429) stops the run.
_PER_CHAT_ERRORS = (NotFound, PermissionDenied, ValidationFailed)


class SweepKind(JobKind):
    """Warns inactive group chats and archives the ones that stay quiet."""

    name = "sweep"
    Params = SweepParams
    summary = "Warn inactive group chats, then archive the ones that stay quiet."

    def templates(self, params: KindParams) -> list[str]:
        assert isinstance(params, SweepParams)
        names = [REPORT_TEMPLATE] if params.report_chat_id is not None else []
        if params.warn_days > 0:
            names.append(WARNING_TEMPLATE)
        if params.closing_message:
            names.append(CLOSING_TEMPLATE)
        return names

    def sample_context(self, params: KindParams, template: str) -> dict[str, Any]:
        assert isinstance(params, SweepParams)
        when = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
        if template == REPORT_TEMPLATE:
            return report_context("sample", params, when, Plan(scanned=12), ["Проект «Альфа»"],
                                  ["Старый чат"], [], 0, dry=False)
        return {
            "chat": {"name": "Проект «Альфа»"},
            "inactive_days": params.inactive_days,
            "warn_days": params.warn_days,
            "snooze_days": params.snooze_days,
            "warned_at": when,
            "archive_on": when,
            "keep_button": params.keep_button,
            "archive_now_button": params.archive_now_button if params.allow_archive_now
            else None,
            "requested_by": None,
        }

    async def run(self, ctx: JobContext, params: KindParams) -> None:
        assert isinstance(params, SweepParams)
        secret = ctx.services.get("button_secret")
        if not isinstance(secret, bytes):
            raise JobError("sweep: no key to sign buttons (runner.services sets one up)")
        dry = ctx.dry_run or params.dry_run
        plan = await Scanner(ctx, params, secret).run()
        ctx.report.count("scanned", plan.scanned)
        warn = plan.warn
        archive = sorted(plan.archive, key=archive_order)
        acting = len(warn) + len(archive)
        if params.max_fraction is not None and plan.scanned and (
            acting / plan.scanned > params.max_fraction
        ):
            _describe(ctx, plan, warn, archive, [], would=True)
            raise JobError(
                f"sweep aborted, nothing changed: {acting} of {plan.scanned} scanned chats"
                f" ({acting / plan.scanned:.0%}) would be warned or archived, more than"
                f" max_fraction {params.max_fraction:.0%}; check the rules, then raise"
                " max_fraction if this is intended"
            )
        now_archive, later = archive[: params.max_archive_per_run], archive[
            params.max_archive_per_run:]
        if dry:
            _describe(ctx, plan, warn, now_archive, later, would=True)
            return
        await self._act(ctx, params, secret, plan, warn, now_archive, later)

    async def _act(
        self,
        ctx: JobContext,
        params: SweepParams,
        secret: bytes,
        plan: Plan,
        warn: list[Decision],
        archive: list[Decision],
        later: list[Decision],
    ) -> None:
        actor = Actor(ctx, params, secret)
        for d in plan.chores + [d for d in plan.actions + plan.waiting if d.adopt]:
            await actor.settle(d)
        _describe(ctx, plan, [], [], later, would=False)
        todo = warn + archive
        done = 0
        failed: list[Decision] = []

        async def act(d: Decision) -> None:
            nonlocal done
            try:
                if d.verb == "warn":
                    await actor.warn(d)
                else:
                    await actor.archive(d)
            except _PER_CHAT_ERRORS as exc:
                await actor.undo_intent(d)
                failed.append(d)
                ctx.report.count("skipped:failed")
                ctx.report.say(f"could not {d.verb} «{d.name}»: {exc}")
            done += 1
            ctx.progress("archiving", done, len(todo))

        await for_each(todo, act, limit=params.concurrency)
        if params.report_chat_id is not None:
            bad = {d.chat_id for d in failed}
            warned = [d.name for d in warn if d.chat_id not in bad]
            archived = [d.name for d in archive if d.chat_id not in bad]
            text = ctx.renderer.render(
                REPORT_TEMPLATE,
                report_context(ctx.job.name, params, ctx.now(), plan, warned, archived,
                               [d.name for d in failed],
                               len(later), dry=False),
            )
            for i, part in enumerate(split_message(text), 1):
                await post_once(ctx, f"report:{params.report_chat_id}:{i}",
                                entity_id=params.report_chat_id, content=part,
                                label=f"chat {params.report_chat_id} (report)")
        if failed:
            raise JobError(
                f"sweep: {len(failed)} chat(s) could not be warned or archived (first:"
                f" «{failed[0].name}»); is the bot an admin of those chats?"
            )


def _describe(
    ctx: JobContext,
    plan: Plan,
    warn: list[Decision],
    archive: list[Decision],
    later: list[Decision],
    *,
    would: bool,
) -> None:
    """Counts and operator lines for the decisions that are not effects made here."""
    report = ctx.report
    prefix = "would " if would else ""
    for d in warn:
        report.count("would_warn")
        report.say(f"would warn «{d.name}»: {d.note}")
    for d in archive:
        report.count("would_archive")
        report.say(f"would archive «{d.name}»: {d.note}")
    for d in plan.waiting:
        report.count("waiting")
        report.say(f"waiting «{d.name}»: {d.note}")
    for reason, n in sorted(plan.skips.items()):
        report.count(f"skipped:{reason}", n)
    show = plan.skip_lines if would else plan.skip_lines[:_SKIP_LINES]
    for line in show:
        report.say(line)
    if len(show) < len(plan.skip_lines):
        report.say(f"... and {len(plan.skip_lines) - len(show)} more skipped chats")
    if later:
        report.count("skipped:limit", len(later))
        report.say(f"{len(later)} more chats {prefix}wait for later runs"
                   " (max_archive_per_run reached)")


def report_context(
    job: str,
    params: SweepParams,
    when: datetime,
    plan: Plan,
    warned: list[str],
    archived: list[str],
    failed: list[str],
    later: int,
    *,
    dry: bool,
) -> dict[str, Any]:
    """What the report template gets (plain data)."""
    return {
        "job": job,
        "date": when,
        "dry_run": dry,
        "scanned": plan.scanned,
        "warned": warned,
        "archived": archived,
        "failed": failed,
        "waiting": len(plan.waiting),
        "later": later,
        "skipped": dict(sorted(plan.skips.items())),
        "inactive_days": params.inactive_days,
        "warn_days": params.warn_days,
    }


KIND = SweepKind()
