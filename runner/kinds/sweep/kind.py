"""Kind ``sweep``: find inactive group chats, warn them, archive the ones that stay quiet.

Safe to run unattended: direct chats, channels (unless asked), excluded and kept chats
are never touched; a chat is archived only after a warning and ``warn_days`` of quiet
(the bot's own messages do not count), or when a member asks with the button. All
decisions are made first; if too large a share of the chats would be acted on
(``max_fraction``), the run fails and touches nothing. Decision logic lives in
``decide``, reading in ``scan``, effects in ``act``; the kind adds the ``plan`` and
``undo`` commands, the warning's buttons and the chats ``diff`` counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from runner import words
from runner.concurrency import for_each
from runner.effects import POSTING_SCOPES, post_once
from runner.errors import JobError, NotFound, PermissionDenied, ValidationFailed
from runner.kinds._frozen import render_once
from runner.kinds.base import ButtonHandler, JobContext, JobKind
from runner.kinds.sweep import plans
from runner.kinds.sweep.act import CLOSING_TEMPLATE, REPORT_TEMPLATE, WARNING_TEMPLATE, Actor
from runner.kinds.sweep.decide import ACTIONS, Decision, archive_order, skip_note
from runner.kinds.sweep.params import SweepParams
from runner.kinds.sweep.records import SweepRecords
from runner.kinds.sweep.scan import Plan, Scanner
from runner.render import split_message

if TYPE_CHECKING:
    from runner.bot.context import BotContext
    from runner.buttons import ButtonAction, Keys
    from runner.catalogue import JobSpec
    from runner.demo import Demo
    from runner.kinds.sweep.records import ActionRecord
    from runner.pachca.models import ButtonClick
    from runner.runtime import Runtime
    from runner.state import StateStore

# A few per-chat skip lines tell the operator enough; the counts hold the rest.
_SKIP_LINES = 200
# Refusals that concern one chat; anything else (transport, 5xx, 429) stops the run.
_PER_CHAT_ERRORS = (NotFound, PermissionDenied, ValidationFailed)


async def _on_click(bot: BotContext, click: ButtonClick, action: ButtonAction) -> str:
    from runner.kinds.sweep.clicks import on_click

    return await on_click(bot, click, action)


class SweepKind(JobKind[SweepParams]):
    """Warns inactive group chats and archives the ones that stay quiet."""

    name = "sweep"
    Params = SweepParams
    summary = "Warn inactive group chats, then archive the ones that stay quiet."
    button_actions: ClassVar[Mapping[str, ButtonHandler]] = dict.fromkeys(ACTIONS, _on_click)
    affects_chats: ClassVar[bool] = True

    def run_actions(self, state: StateStore, run_id: int) -> Sequence[ActionRecord]:
        """The chats run ``run_id`` warned, archived or unarchived, in order."""
        from runner.kinds.sweep.table import actions_of

        return actions_of(state, run_id)

    def count_actions(self, state: StateStore, run_ids: Sequence[int]
                      ) -> Mapping[int, Mapping[str, int]]:
        """Warnings, archives... each run has recorded so far."""
        from runner.kinds.sweep.table import count_actions

        return count_actions(state, run_ids)

    def read_plan(self, path: Path, job: JobSpec) -> plans.SweepPlan:
        """The plan ``plan NAME --out FILE`` saved, for this very job."""
        return plans.load_for(path, job.name, job.kind)

    async def demo(self, demo: Demo) -> int:
        """A member keeps one warned chat with its button; a week later the rest go."""
        from runner.kinds.sweep.story import sweep_story

        return await sweep_story(demo)

    async def affected(self, rt: Runtime, job: JobSpec) -> Mapping[int, str]:
        """The chats the sweep would warn or archive now."""
        from runner.kinds.sweep.planning import affected

        return await affected(rt, job)

    def scopes(self, params: SweepParams) -> frozenset[str]:
        """To read chats, their messages, threads and admins, warn, and archive (threads
        always: a chat alive only in its threads must not look quiet)."""
        return POSTING_SCOPES | {"chats:archive", "chat_members:read", "profile:read",
                                 "threads:read"}

    def templates(self, params: SweepParams) -> list[str]:
        names = [REPORT_TEMPLATE] if params.report_chat_id is not None else []
        if params.warn_days > 0:
            names.append(WARNING_TEMPLATE)
        if params.closing_message:
            names.append(CLOSING_TEMPLATE)
        return names

    def sample_context(self, params: SweepParams, template: str) -> dict[str, Any]:
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

    async def run(self, ctx: JobContext, params: SweepParams) -> None:
        secret = ctx.button_secret
        if not secret:
            raise JobError(words.text("sweep.no_key"))
        dry = ctx.dry_run or params.dry_run
        saved = ctx.plan if isinstance(ctx.plan, plans.SweepPlan) else None
        approval = None
        if saved is None and not dry:
            approval = await plans.approved(ctx.state.values, ctx.job.name)
            if approval is not None:
                saved = approval.plan
                ctx.report.say(words.text("sweep.applying_approved", by=approval.by))
            elif params.require_approval:
                # Nothing is warned or archived unapproved: this run says what it would do.
                ctx.report.say(words.text("sweep.unapproved"))
                dry = True
        # Only the chats this run may archive are kept (the rest counted), unless every
        # candidate matters: a saved plan names its chats, a closing message makes the
        # rights check drop some (the next in line takes their place), and an abort over
        # max_fraction lists them all.
        bounded = saved is None and not params.closing_message and params.max_fraction is None
        scanner = Scanner(ctx, params, secret,
                          keep=params.max_archive_per_run if bounded else None)
        # The count of active chats only feeds max_fraction and the report: without
        # max_fraction the sweep acts while it runs (a count is one page after another).
        await scanner.run(count_first=dry or saved is not None
                          or params.max_fraction is not None)
        try:
            await self._decide_and_act(ctx, params, secret, scanner, saved, dry)
            await scanner.counted()
            if approval is not None:
                await plans.consume(ctx.state.values, ctx.job.name)
        finally:
            scanner.stop()
            if scanner.counted_all:
                ctx.report.count("scanned", scanner.plan.scanned)

    async def _decide_and_act(
        self,
        ctx: JobContext,
        params: SweepParams,
        secret: Keys,
        scanner: Scanner,
        saved: plans.SweepPlan | None,
        dry: bool,
    ) -> None:
        plan = scanner.plan
        if saved is not None:  # run-job --plan: only the plan's chats, and only unchanged ones
            plan = await plans.restrict(ctx, plan, saved)
        warn = plan.warn
        archive = sorted(plan.archive, key=archive_order)
        acting = len(warn) + len(archive) + plan.over
        if params.max_fraction is not None and plan.scanned and (
            acting / plan.scanned > params.max_fraction
        ):
            _describe(ctx, plan, warn, archive, 0, would=True)
            raise JobError(words.text("sweep.aborted", why=words.text(
                "sweep.over_limit", acting=acting, scanned=plan.scanned,
                share=f"{acting / plan.scanned:.0%}", limit=f"{params.max_fraction:.0%}")))
        now_archive = archive[: params.max_archive_per_run]
        later = len(archive) - len(now_archive) + plan.over
        if dry:
            _describe(ctx, plan, warn, now_archive, later, would=True)
            return
        await self._act(ctx, params, secret, scanner, plan, warn, now_archive, later)

    async def _act(
        self,
        ctx: JobContext,
        params: SweepParams,
        secret: Keys,
        scanner: Scanner,
        plan: Plan,
        warn: list[Decision],
        archive: list[Decision],
        later: int,
    ) -> None:
        todo = warn + archive
        done = 0
        failed: list[Decision] = []

        def advance(n: int = 1) -> None:
            nonlocal done
            done += n
            ctx.progress(words.text("progress.archive"), done, len(todo))

        # An archive counts as done once its result is recorded (``Actor.recorded``).
        actor = Actor(ctx, params, secret, archives=archive, archived=advance)
        for d in plan.chores + [d for d in plan.actions + plan.waiting if d.adopt]:
            await actor.settle(d)
        _describe(ctx, plan, [], [], later, would=False)

        async def act(d: Decision) -> None:
            try:
                if d.verb == "warn":
                    await actor.warn(d)
                else:
                    await actor.archive(d)
                    return
            except _PER_CHAT_ERRORS as exc:
                await actor.undo_intent(d)
                if (isinstance(exc, PermissionDenied) and d.verb == "archive"
                        and not params.closing_message):
                    # Nothing was posted first, so this 403 is the rights check itself.
                    ctx.report.count("skipped:no_rights")
                    note = skip_note("no_rights", name=d.name, chat_id=d.chat_id)
                    ctx.report.say(words.text("sweep.skipped", name=d.name, note=note))
                else:
                    failed.append(d)
                    ctx.report.count("skipped:failed")
                    ctx.report.say(words.text("sweep.could_not", verb=words.text(f"verb.{d.verb}"),
                                              name=d.name, id=d.chat_id, error=exc))
            advance()

        try:
            await for_each(todo, act, limit=params.concurrency)
        except Exception:
            # What was archived is recorded now if it can be; the run's error is the cause.
            try:
                await actor.recorded()
            except Exception as unrecorded:  # noqa: BLE001 - said; the run's error follows
                ctx.log.warning("%s", words.text("sweep.unrecorded", error=unrecorded))
            raise
        except BaseException:
            actor.stop()  # cancelled: the next run records what was archived
            raise
        await actor.recorded()
        await scanner.counted()  # the report says how many chats were scanned
        if params.report_chat_id is not None:
            bad = {d.chat_id for d in failed}

            async def render() -> str:
                whole, warned, archived = await _whole_run(
                    ctx, plan, {d.chat_id for d in archive if d.chat_id not in bad})
                return ctx.renderer.render(REPORT_TEMPLATE, report_context(
                    ctx.job.name, params, ctx.now().astimezone(ctx.scheduled_for.tzinfo),
                    whole, warned, archived,
                    [d.name for d in failed], later, dry=False))

            # A resumed attempt posts the report its interrupted predecessor rendered, if
            # any: post_once recognises a report that went out by its very text.
            text = await render_once(ctx, render) or ""
            for i, part in enumerate(split_message(text), 1):
                await post_once(ctx, f"report:{params.report_chat_id}:{i}",
                                entity_id=params.report_chat_id, content=part,
                                label=words.text("post.report_chat", id=params.report_chat_id))
        if failed:
            raise JobError(
                f"sweep: {len(failed)} chat(s) could not be warned or archived (first:"
                f" «{failed[0].name}» ({failed[0].chat_id})); is the bot an admin of those chats?"
            )


async def _whole_run(
    ctx: JobContext, plan: Plan, archived_now: set[int]
) -> tuple[Plan, list[str], list[str]]:
    """The report's view of the whole run, attempts cut short by a crash included.

    A resumed attempt scans a changed workspace: chats its predecessor archived are gone
    from the listing, chats it warned now wait. What the run did is in its recorded
    actions, so the report says what the run did, not what this attempt happened to see.
    """
    names = {d.chat_id: d.name for d in plan.actions + plan.waiting + plan.chores}
    found = {a: await ctx.state.records(SweepRecords).actions(ctx.run.run_id, a)
             for a in ("warned", "archived")}

    def named(action: str) -> list[str]:
        return sorted({str(r.detail.get("name") or names.get(r.chat_id, f"#{r.chat_id}"))
                       for r in found[action]}, key=str.casefold)

    warned_ids = {r.chat_id for r in found["warned"]}
    archived_ids = {r.chat_id for r in found["archived"]}
    skips = Counter(plan.skips)
    for d in plan.chores:  # archived by an earlier attempt, recorded by this one
        if d.finish and d.chat_id in archived_ids:
            skips[d.reason] -= 1
    whole = replace(
        plan,
        scanned=plan.scanned + len(archived_ids - archived_now),
        waiting=[d for d in plan.waiting if d.chat_id not in warned_ids],
        skips=+skips,
    )
    return whole, named("warned"), named("archived")


def _describe(
    ctx: JobContext,
    plan: Plan,
    warn: list[Decision],
    archive: list[Decision],
    later: int,
    *,
    would: bool,
) -> None:
    """Counts and operator lines for the decisions that are not effects made here;
    ``later``: how many chats wait for later runs (over max_archive_per_run)."""
    report = ctx.report
    for d in warn:
        report.count("would_warn")
        report.say(words.text("sweep.would_warn", name=d.name, note=d.note))
    for d in archive:
        report.count("would_archive")
        report.say(words.text("sweep.would_archive", name=d.name, note=d.note))
    for d in plan.waiting:
        report.count("waiting")
        report.say(words.text("sweep.waiting", name=d.name, note=d.note))
    for reason, n in sorted(plan.skips.items()):
        report.count(f"skipped:{reason}", n)
    show = plan.skip_lines if would else plan.skip_lines[:_SKIP_LINES]
    for line in show:
        report.say(line)
    if len(show) < len(plan.skip_lines):
        report.say(words.text("sweep.more_skipped", n=len(plan.skip_lines) - len(show)))
    if later:
        report.count("skipped:limit", later)
        report.say(words.text("sweep.would_later" if would else "sweep.later", n=later))


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
