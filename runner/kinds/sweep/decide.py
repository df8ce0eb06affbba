"""What the sweep does to one chat: pure functions of the chat, its state and the time.

No I/O here: the caller reads Pachca and the state store, then asks these functions.
Every path that is not clearly "inactive, eligible and unprotected" ends in a skip,
because archiving the wrong chat is worse than archiving nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from runner import words
from runner.kinds.sweep.params import SweepParams
from runner.pachca.models import Chat

if TYPE_CHECKING:  # the state store (SQLAlchemy) is not needed to load the kind
    from runner.kinds.sweep.records import ChatState

Verb = Literal["warn", "archive", "wait", "skip"]

SKIP_REASONS = ("direct", "archived", "channel", "excluded", "members", "new", "active",
                "thread", "kept", "unarchived", "gone", "limit", "failed", "no_rights")
"""Skip reasons (``skipped:<reason>`` counts); ``skip_note`` words them."""


def skip_note(reason: str, *, name: str = "", chat_id: int = 0) -> str:
    """Why a chat is skipped for ``reason``, in the operator's language; a fix that
    concerns the chat names it as «name» (id)."""
    return words.text(f"skip.{reason}", name=name, id=chat_id)

ACTIONS = ("keep", "archive_now")
"""The answers a warning's buttons give (``make_button_data(action, chat_id)``)."""


@dataclass(frozen=True)
class Anchor:
    """The runner's notice in a chat (its warning): activity counts only after it."""

    message_id: int
    at: datetime


@dataclass(frozen=True)
class Decision:
    """The sweep's verdict on one chat, with what the report says about it."""

    chat_id: int
    name: str
    verb: Verb
    reason: str  # a SKIP_REASONS key for skips; for actions a short key (inactive, quiet...)
    note: str = ""  # plain English detail for the operator
    last_message_at: datetime | None = None
    due: datetime | None = None  # wait: when the archive becomes due
    clear: bool = False  # forget the chat's warning / archive intent (state only)
    adopt: Anchor | None = None  # a warning posted by an interrupted run, to record
    finish: bool = False  # archived by an interrupted run: record it
    mark_unarchived: bool = False  # someone unarchived a chat the sweep archived
    requested: bool = False  # archive requested with the button
    cycle: int | None = None  # run id naming this warning cycle's closing message

    @property
    def count_key(self) -> str:
        """The name of the count this decision adds to."""
        return f"skipped:{self.reason}" if self.verb == "skip" else self.verb


def skip(chat: Chat, reason: str, note: str = "", **extra: object) -> Decision:
    """A skip decision for ``chat``."""
    return Decision(chat.id, chat.name, "skip", reason, note or skip_note(reason),
                    last_message_at=chat.last_message_at, **extra)  # type: ignore[arg-type]


def screen(chat: Chat, params: SweepParams) -> Decision | None:
    """A skip if the chat is never the sweep's business, whatever its activity; else None."""
    if chat.personal:
        return skip(chat, "direct")
    if chat.archived:
        return skip(chat, "archived")
    if chat.channel and not params.include_channels:
        return skip(chat, "channel")
    why = params.exclude.reason(chat.id, chat.name, chat.group_tag_ids)
    if why:
        return skip(chat, "excluded", words.text("why.excluded_by", how=why))
    members = len(chat.member_ids)
    if params.min_members is not None and members < params.min_members:
        return skip(chat, "members", words.text("why.fewer", n=members))
    if params.max_members is not None and members > params.max_members:
        return skip(chat, "members", words.text("why.more", n=members))
    return None


def counts_as_scanned(chat: Chat, params: SweepParams) -> bool:
    """Whether ``chat`` is in the denominator of ``max_fraction`` (a sweepable kind)."""
    return not chat.personal and not chat.archived and (params.include_channels
                                                        or not chat.channel)


def day(moment: datetime, now: datetime) -> str:
    """``moment``'s date as the operator reads it: in the zone of ``now`` (the job's)."""
    return f"{moment.astimezone(now.tzinfo):%Y-%m-%d}"


def _days(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 86400))


def decide_fresh(
    chat: Chat,
    state: ChatState | None,
    now: datetime,
    params: SweepParams,
    *,
    cycle: int | None,
    thread_at: datetime | None = None,
) -> Decision:
    """The verdict on a chat with no warning pending: warn, archive (warn_days 0) or skip.

    ``cycle`` is the run id of an unfinished archive intent to reuse (else None).
    ``thread_at`` is the newest activity in the chat's threads (None: none seen): a
    comment does not move the chat's own last_message_at.
    """
    screened = screen(chat, params)
    if screened:
        return screened
    cutoff = now - timedelta(days=params.inactive_days)
    if chat.created_at >= cutoff:
        return skip(chat, "new", words.text("why.new", days=_days(now - chat.created_at)))
    if chat.last_message_at >= cutoff:
        return skip(chat, "active", words.text("why.active",
                                                days=_days(now - chat.last_message_at)))
    if thread_at is not None and thread_at >= cutoff:
        return skip(chat, "thread", words.text("why.thread", days=_days(now - thread_at)))
    if state is not None:
        if state.kept_until is not None and state.kept_until > now:
            return skip(chat, "kept", words.text("why.kept", date=day(state.kept_until, now)))
        if state.archived_at is not None and (
            state.unarchived_at is None or state.unarchived_at < state.archived_at
        ):
            # The sweep archived it and someone brought it back: give it a full period.
            return skip(chat, "unarchived", words.text("why.unarchived_by_someone"),
                        mark_unarchived=True)
        if state.unarchived_at is not None and now - state.unarchived_at < timedelta(
            days=params.inactive_days
        ):
            return skip(chat, "unarchived", words.text("why.unarchived_on",
                                                       date=day(state.unarchived_at, now)))
    quiet = words.text("why.quiet", days=_days(now - chat.last_message_at))
    if params.warn_days == 0:
        return Decision(chat.id, chat.name, "archive", "inactive", quiet,
                        last_message_at=chat.last_message_at, cycle=cycle)
    return Decision(chat.id, chat.name, "warn", "inactive", quiet,
                    last_message_at=chat.last_message_at)


def answered(state: ChatState) -> bool:
    """Whether someone pressed «Оставить чат» after the current warning."""
    return (
        state.warned_at is not None
        and state.kept_until is not None
        and state.kept_until > state.warned_at
    )


def decide_warned(
    chat: Chat,
    state: ChatState,
    anchor: Anchor,
    human_at: datetime | None,
    now: datetime,
    params: SweepParams,
    *,
    thread_at: datetime | None = None,
) -> Decision:
    """The verdict on a warned chat: archive when quiet (or asked), else wait or forget.

    ``human_at`` is the newest message after the warning by anyone but the runner's
    bot, or None when there is none (the bot's own messages never count as activity).
    ``thread_at`` is the newest activity in the chat's threads: after the warning, it
    answers the warning as a message would.
    """
    if thread_at is not None and thread_at > anchor.at and (
        human_at is None or thread_at > human_at
    ):
        human_at, where = thread_at, " in a thread"
    else:
        where = ""
    screened = screen(chat, params)
    if screened:
        # The operator changed the rules (or someone archived it): the warning no longer
        # stands, so a later sweep warns afresh instead of archiving on an old warning.
        return skip(chat, screened.reason, screened.note, clear=True)
    if answered(state):
        if state.kept_until is not None and state.kept_until > now:
            note = words.text("why.kept", date=day(state.kept_until, now))
            return skip(chat, "kept", note, clear=True)
        return skip(chat, "active", words.text("why.keep_ended"), clear=True)
    requested = state.archive_requested_at
    if requested is not None and requested >= anchor.at and (
        human_at is None or human_at <= requested
    ):
        note = (words.text("why.requested_by", user=state.archive_requested_by)
                if state.archive_requested_by else words.text("why.requested"))
        return Decision(chat.id, chat.name, "archive", "requested", note,
                        last_message_at=chat.last_message_at, requested=True,
                        cycle=state.warned_by_run)
    if human_at is not None:
        return skip(chat, "thread" if where else "active",
                    words.text("why.wrote_thread_after" if where else "why.wrote_after",
                               date=day(human_at, now)), clear=True)
    due = anchor.at + timedelta(days=params.warn_days)
    if now >= due:
        return Decision(chat.id, chat.name, "archive", "quiet",
                        words.text("why.quiet_after", days=_days(now - anchor.at)),
                        last_message_at=chat.last_message_at, cycle=state.warned_by_run)
    return Decision(chat.id, chat.name, "wait", "warned",
                    words.text("why.due", warned=day(anchor.at, now), due=day(due, now)),
                    last_message_at=chat.last_message_at, due=due)


def archive_order(decision: Decision) -> tuple[int, float]:
    """Archive requests first, then the longest-silent chats."""
    when = decision.last_message_at.timestamp() if decision.last_message_at else 0.0
    return (0 if decision.requested else 1, when)
