"""Run one job once: the single path shared by ``run-job``, ``preview`` and the daemon.

A run first claims its key in the state store (job name + the fire time it stands
for), so the same fire never runs twice, whichever replica or command starts it.
While it runs, the claim's lease is renewed; if the lease is lost (this process was
frozen and another replica took over), the run is stopped rather than doubled.
The outcome, counts and error are recorded in the run history.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from runner import scopes, words
from runner.errors import ClaimLost, JobError, RunnerError, StateError
from runner.kinds.base import JobContext, JobKind, Progress, RunReport, no_progress
from runner.kinds.registry import get_kind
from runner.runtime import BotUser, Runtime, system_clock
from runner.words.said import masked, told

if TYPE_CHECKING:
    from runner.catalogue import JobSpec
    from runner.preflight import TargetCheck
    from runner.recipients import Recipients
    from runner.state import RunHandle, RunRecord

log = logging.getLogger("runner.execute")


OutcomeStatus = Literal["succeeded", "failed", "skipped", "abandoned"]
"""How a run ended: ``skipped`` when claimed elsewhere or already done, ``abandoned``
when another replica took it over (ClaimLost)."""


@dataclass
class Outcome:
    """How one run ended, for the CLI, the daemon's log and the alerts."""

    job: str
    key: str
    status: OutcomeStatus
    report: RunReport = field(default_factory=RunReport)
    error: str | None = None
    run_id: int | None = None
    duration: float = 0.0
    scheduled_for: datetime | None = None
    dry_run: bool = False


def is_dry_run(job: JobSpec, requested: bool = False) -> bool:
    """Whether a run of ``job`` only looks: asked for (``--dry-run``, ``preview``), or the
    job itself says so (``dry_run: true``), whoever starts it."""
    return requested or bool(getattr(job.params, "dry_run", False))


def run_key(job: JobSpec, scheduled_for: datetime | None, *, dry_run: bool,
            asked: bool = True) -> str:
    """The claim key: one per job and fire time; manual and dry runs get their own.

    A dry run someone ``asked`` for (``--dry-run``, ``preview``) is a fresh look each
    time. A fire of a job that is dry by itself is claimed once per fire (two replicas
    do not both report it), under a key that never collides with a real run's.
    """
    if dry_run:
        if scheduled_for is not None and not asked:
            return f"{job.name}@dry-run:{scheduled_for.astimezone(UTC).isoformat()}"
        return f"{job.name}@dry-run:{uuid.uuid4().hex[:12]}"
    if scheduled_for is None:
        return f"{job.name}@manual:{uuid.uuid4().hex[:12]}"
    return f"{job.name}@{scheduled_for.astimezone(UTC).isoformat()}"


async def execute(
    rt: Runtime,
    job: JobSpec,
    *,
    scheduled_for: datetime | None = None,
    key: str | None = None,
    dry_run: bool = False,
    progress: Progress = no_progress,
    retry_failed: bool = False,
    plan: object | None = None,
) -> Outcome:
    """Claim, run and record one run of ``job``.

    ``scheduled_for`` is the fire time the run stands for (None: a manual run, which
    gets a key of its own). ``retry_failed``: if that fire's run failed, resume it.
    Whether the run is dry is decided here, for every caller (``is_dry_run``): a dry run
    gets a read-only client and a dry-run key (a real run's ``key`` is not reused), and
    the history marks it. Never raises for a failing job: the failure is the Outcome's
    ``error`` (and the history's); it raises only if the state store fails.
    ``plan``: what the kind made of ``run-job --plan FILE`` (``JobKind.read_plan``).
    """
    zone = ZoneInfo(job.timezone)
    asked, dry_run = dry_run, is_dry_run(job, dry_run)
    if dry_run:
        retry_failed = False  # a dry run did nothing to resume
        if key is not None and "@dry-run:" not in key:
            key = None
    key = key or run_key(job, scheduled_for, dry_run=dry_run, asked=asked)
    handle = await rt.state.runs.claim(
        job.name,
        key,
        kind=job.kind,
        scheduled_for=scheduled_for,
        lease=rt.lease,
        dry_run=dry_run,
        retry_failed=retry_failed,
    )
    if handle is None:
        log.info("%s", words.text("run.not_again", job=job.name, key=key))
        existing = await rt.state.runs.by_key(key)
        return Outcome(job.name, key, "skipped", error=_claimed_elsewhere(existing),
                       scheduled_for=scheduled_for, dry_run=dry_run)
    if handle.resumed:
        log.warning("%s", words.text("run.resuming", job=job.name, key=key, attempt=handle.attempt,
                                     why=_resumed_because(handle.resumed_from)))
    kind = get_kind(job.kind)
    client = rt.client.read_only_view() if dry_run else rt.client
    ctx = JobContext(
        job=job,
        client=client,
        renderer=rt.renderer,
        state=rt.state,
        run=handle,
        now=rt.clock,
        scheduled_for=(scheduled_for or rt.clock()).astimezone(zone),
        dry_run=dry_run,
        log=logging.getLogger(f"runner.job.{job.name}"),
        progress=progress,
        # Filled in just before the kind runs (``_checked_run``): asked meanwhile.
        bot_user_id=None,
        owner_client=(rt.owner_client.read_only_view() if dry_run and rt.owner_client
                      else rt.owner_client),
        button_secret=rt.button_secret,
        server=rt.server,
        plan=plan,
        report=RunReport(mask=rt.catalogue.mask),
    )
    started = time.monotonic()
    outcome = Outcome(job.name, key, "succeeded", ctx.report, run_id=handle.run_id,
                      scheduled_for=scheduled_for, dry_run=dry_run)
    store_failed = False
    try:
        await _run_with_lease(rt, handle, job, _checked_run(ctx, kind, rt.bot_user))
    except ClaimLost as exc:
        outcome.status = "abandoned"
        outcome.error = told(exc)
        return outcome
    except asyncio.CancelledError:
        # Shutdown or a lost lease: leave the claim to expire so another replica (or the
        # next start) resumes it from the recorded progress.
        await rt.state.runs.release(handle)
        raise
    except StateError as exc:
        # Not bad input: the store broke mid-run (a full disk). Say what was done anyway.
        store_failed = True
        outcome.status = "failed"
        outcome.error = words.text("run.store_failed", error=exc, done=_done(ctx.report))
    except TimeoutError:
        outcome.status = "failed"
        outcome.error = words.text("run.timed_out", seconds=f"{job.timeout:.0f}")
    except RunnerError as exc:
        outcome.status = "failed"
        outcome.error = told(exc)
    except Exception as exc:  # a bug in a kind: record it, keep the daemon alive
        log.exception("%s", words.text("run.unexpected", job=job.name))
        outcome.status = "failed"
        outcome.error = words.text("run.internal", type=type(exc).__name__, error=exc)
    outcome.duration = time.monotonic() - started
    if outcome.error:  # a failure may quote a value from ${VAR} (a URL, a name, a text)
        outcome.error = masked(outcome.error, rt.catalogue.mask)
    try:
        await rt.state.runs.finish(
            handle,
            outcome.status,
            counts=dict(ctx.report.counts),
            lines=ctx.report.lines,
            error=outcome.error,
        )
    except StateError as exc:
        await _record_unrecorded(rt, handle, outcome, exc)
    else:
        if store_failed:
            outcome.error = f"{outcome.error}; {words.text('run.marked_failed')}"
    for observer in rt.observers:
        try:
            await observer(outcome)
        except RunnerError as exc:
            log.error("%s", words.text("run.unreported", job=job.name, error=exc))
    return outcome


def _resumed_because(previous: str | None) -> str:
    """Why a run is being resumed, from how its previous attempt ended."""
    if previous == "failed":
        return words.text("resume.after_failure")
    if previous == "abandoned":
        return words.text("resume.after_abandoned")
    return words.text("resume.after_stop")


def _done(report: RunReport) -> str:
    """What a run did before it stopped, for an error line."""
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(report.counts.items()) if v)
    return words.text("run.done_before", counts=counts) if counts else words.text("run.nothing_done")


async def _record_unrecorded(
    rt: Runtime, handle: RunHandle, outcome: Outcome, exc: StateError
) -> None:
    """The run's end could not be written (a full disk): fail the outcome, say what the
    run did, and mark the run failed with the least the store must write, if it can."""
    error = outcome.error or ""
    if outcome.status != "failed" or not error:
        error = rt.catalogue.mask(words.text("run.end_unrecorded", error=exc,
                                             done=_done(outcome.report)))
    outcome.status = "failed"
    try:
        await rt.state.runs.finish(handle, "failed", counts=dict(outcome.report.counts),
                                   lines=[], error=error[:1000])
    except StateError:
        error += "; " + words.text("run.running_until_expiry", seconds=f"{rt.lease:.0f}")
    else:
        error += "; " + words.text("run.marked_failed")
    outcome.error = error


async def _checked_run(ctx: JobContext, kind: JobKind[Any], bot_user: BotUser) -> None:
    """Check the token's scopes and every chat and person the job posts to (reads only),
    then run the kind, with ``ctx.bot_user_id`` known (the runtime asked for it while the
    checks read).

    A recipient the token may not post to is named with its fix before anything is
    written. A dry run (and preview) shows everything and then fails on it. A real run
    fails at once when no recipient of its ``to`` is usable; else it does its work,
    posting to the others (the post that is refused is reported by the posting), and
    fails. A report or notice chat (``PostChat``) alone never stops the job's own work.
    """
    from runner import preflight
    from runner.recipients import Recipients

    recipients = list(preflight.configured(ctx.job.params))
    side = preflight.side_chats(ctx.job.params)
    needed = set(kind.scopes(ctx.job.params))
    if any(r.users for r in recipients):
        needed.add("users:read")  # the check below reads each person named in `to`
    scoped = scopes.require(ctx.client, needed, what=words.text("scope.job", job=ctx.job.name))
    checks: list[TargetCheck] = []
    if recipients or side:
        asked = recipients + ([Recipients(chats=side)] if side else [])
        checks = await _recipients_checked(ctx, scoped, asked)
    else:
        await scoped
    ctx.labels.update({(c.entity_type, c.entity_id): c.label for c in checks})
    blocked = [c for c in checks if not c.ok]
    ctx.blocked.update({(c.entity_type, c.entity_id): c.problem or "" for c in blocked})
    for check in blocked:
        ctx.report.say(words.text("post.cannot", label=check.label, problem=check.problem))
        ctx.report.count("cannot_post")
    to = {("discussion", c) for r in recipients for c in r.chats}
    to |= {("user", u) for r in recipients for u in r.users}
    usable_to = [c for c in checks if (c.entity_type, c.entity_id) in to and c.ok]
    if to and not usable_to and not ctx.dry_run:
        raise JobError(_blocked_error(blocked, len(checks)))
    ctx.bot_user_id = await bot_user.get()
    await kind.run(ctx, ctx.job.params)
    if blocked:  # the kind's own posting may have said so already; if not, say it here
        how = "" if ctx.dry_run else words.text("post.blocked_how", job=ctx.job.name,
                                                id=ctx.run.run_id)
        raise JobError(_blocked_error(blocked, len(checks), how))


async def _recipients_checked(ctx: JobContext, scoped: Awaitable[None],
                              asked: list[Recipients]) -> list[TargetCheck]:
    """The recipients' checks, after the scopes where the token info is known already
    (the runtime asked for it); else read while it is asked for: the chat listing needs
    neither the scopes nor the token's user (only a channel's or a single chat's check
    waits for it). A missing scope fails the run either way, before anything is
    written; the reads under way are dropped."""
    from runner import preflight

    now = ctx.now()
    if ctx.client.knows_token_info():
        await scoped
        known = await preflight.token_user(ctx.client)
        return await preflight.check_recipients(ctx.client, asked, known, now=now)

    async def me() -> int | None:
        await scoped
        return await preflight.token_user(ctx.client)

    user = asyncio.ensure_future(me())
    checks = asyncio.ensure_future(
        preflight.check_recipients(ctx.client, asked, user, now=now))
    try:
        await user
    except BaseException:
        checks.cancel()
        await asyncio.gather(checks, return_exceptions=True)
        raise
    return await checks


def _blocked_error(blocked: list[TargetCheck], total: int, how: str = "") -> str:
    more = words.text("post.blocked_more", n=len(blocked) - 1) if len(blocked) > 1 else ""
    return words.text("post.blocked", n=len(blocked), total=total, first=blocked[0].problem,
                      more=more, how=how)


def _claimed_elsewhere(record: RunRecord | None) -> str:
    """Why a claim was refused, for the operator: who has the key and in what state."""
    if record is None:
        return words.text("claim.taken")
    if record.status == "running":
        left = max((record.lease_until - system_clock()).total_seconds(), 0.0)
        return words.text("claim.running", replica=record.replica, id=record.id,
                          left=f"{left:.0f}")
    return words.text("claim.other", status=words.text(f"outcome.{record.status}"),
                      replica=record.replica, id=record.id)


async def _run_with_lease(
    rt: Runtime, handle: RunHandle, job: JobSpec, work: Awaitable[None]
) -> None:
    """Await ``work`` within the job's timeout, renewing the claim's lease meanwhile.

    The run stops (ClaimLost) when the claim is lost, and also when no renewal got
    through before the lease would run out (state store unreachable): from then on
    another replica may take the run over, and two must never run it at once.
    """
    task = asyncio.ensure_future(work)
    lost: str | None = None

    async def keep_lease() -> None:
        nonlocal lost
        held_until = time.monotonic() + rt.lease
        while True:
            await asyncio.sleep(rt.lease / 3)
            sent = time.monotonic()
            try:
                renewed = await rt.state.runs.renew(handle, rt.lease)
            except RunnerError as exc:
                if time.monotonic() + rt.lease / 3 < held_until:
                    log.warning("%s", words.text("claim.renew_retrying", job=job.name,
                                                 key=handle.key, error=exc))
                    continue
                lost = words.text("claim.renew_failed", key=handle.key, error=exc)
            else:
                if renewed:
                    held_until = sent + rt.lease
                    continue
                lost = words.text("claim.lost", key=handle.key)
            log.error("%s", words.text("claim.stopping", job=job.name, why=lost))
            task.cancel()
            return

    keeper = asyncio.create_task(keep_lease())
    try:
        async with asyncio.timeout(job.timeout):
            await task
    except asyncio.CancelledError:
        if lost is not None:
            raise ClaimLost(lost) from None
        raise
    finally:
        keeper.cancel()
        if not task.done():
            task.cancel()
