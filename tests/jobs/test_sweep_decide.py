"""The sweep's verdicts as pure functions: the cases a workspace cannot easily stage, and
the safety property over any chat (protected or recent chats are never acted on)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from runner.kinds.sweep.decide import Anchor, decide_fresh, decide_warned
from runner.kinds.sweep.params import SweepParams
from runner.kinds.sweep.records import ChatState
from runner.pachca.models import Chat

NOW = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
P = SweepParams()


def chat(**fields: object) -> Chat:
    base: dict[str, object] = {
        "id": 7, "name": "Проект", "created_at": NOW - timedelta(days=400), "owner_id": 1,
        "member_ids": [1, 2, 3], "channel": False, "last_message_at": NOW - timedelta(days=120),
    }
    base.update(fields)
    return Chat.model_validate(base)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def test_a_chat_created_within_inactive_days_is_left_alone_even_with_old_messages() -> None:
    # An imported chat: messages older than the chat itself.
    d = decide_fresh(chat(created_at=days_ago(10)), None, NOW, P, cycle=None)
    assert (d.verb, d.reason) == ("skip", "new")


def test_a_chat_someone_unarchived_gets_a_full_period_before_a_new_warning() -> None:
    archived = ChatState(7, archived_at=days_ago(200), archived_by_run=3)
    d = decide_fresh(chat(), archived, NOW, P, cycle=None)
    assert (d.verb, d.reason, d.mark_unarchived) == ("skip", "unarchived", True)
    recently = ChatState(7, archived_at=days_ago(200), unarchived_at=days_ago(30))
    assert decide_fresh(chat(), recently, NOW, P, cycle=None).reason == "unarchived"
    long_ago = ChatState(7, archived_at=days_ago(300), unarchived_at=days_ago(100))
    assert decide_fresh(chat(), long_ago, NOW, P, cycle=None).verb == "warn"


def test_warn_days_zero_archives_without_a_warning() -> None:
    d = decide_fresh(chat(), None, NOW, P.model_copy(update={"warn_days": 0}), cycle=None)
    assert (d.verb, d.reason) == ("archive", "inactive")


def test_a_recent_comment_in_a_thread_keeps_a_chat_quiet_on_top_active() -> None:
    d = decide_fresh(chat(), None, NOW, P, cycle=None, thread_at=days_ago(3))
    assert (d.verb, d.reason) == ("skip", "thread")
    assert d.note == "active in a thread: last comment 3 days ago"
    stale = decide_fresh(chat(), None, NOW, P, cycle=None, thread_at=days_ago(91))
    assert stale.verb == "warn"


def warned(**fields: object) -> ChatState:
    return ChatState(7, warned_at=days_ago(10), warning_message_id=50, warned_by_run=4,
                     **fields)  # type: ignore[arg-type]


ANCHOR = Anchor(50, days_ago(10))


def test_archive_request_counts_only_if_nobody_wrote_after_it() -> None:
    state = warned(archive_requested_at=days_ago(5), archive_requested_by=9)
    asked = decide_warned(chat(), state, ANCHOR, days_ago(6), NOW, P)
    assert (asked.verb, asked.requested, asked.cycle) == ("archive", True, 4)
    after = decide_warned(chat(), state, ANCHOR, days_ago(4), NOW, P)
    assert (after.verb, after.reason, after.clear) == ("skip", "active", True)


def test_a_thread_comment_after_the_warning_answers_it_and_outweighs_a_request() -> None:
    state = warned(archive_requested_at=days_ago(5), archive_requested_by=9)
    d = decide_warned(chat(), state, ANCHOR, days_ago(6), NOW, P, thread_at=days_ago(4))
    assert (d.verb, d.reason, d.clear) == ("skip", "thread", True)
    assert "in a thread" in d.note
    before = decide_warned(chat(), state, ANCHOR, None, NOW, P, thread_at=days_ago(11))
    assert (before.verb, before.requested) == ("archive", True)


def test_an_archive_request_from_an_earlier_warning_is_ignored() -> None:
    state = warned(archive_requested_at=days_ago(20))
    d = decide_warned(chat(), state, Anchor(50, days_ago(3)), None, NOW, P)
    assert (d.verb, d.due) == ("wait", days_ago(3) + timedelta(days=7))


def test_a_keep_after_the_warning_ends_it_even_once_the_keep_has_run_out() -> None:
    state = warned(kept_until=days_ago(1), keep_by_user=9)
    d = decide_warned(chat(), state, ANCHOR, None, NOW, P)
    assert (d.verb, d.clear) == ("skip", True)


def test_a_warned_chat_newly_excluded_is_skipped_and_its_warning_forgotten() -> None:
    params = P.model_copy(update={"exclude": P.exclude.model_validate({"names": ["^Про"]})})
    d = decide_warned(chat(), warned(), ANCHOR, None, NOW, params)
    assert (d.verb, d.reason, d.clear) == ("skip", "excluded", True)


@given(
    personal=st.booleans(), channel=st.booleans(), archived=st.booleans(),
    members=st.integers(0, 8), excluded=st.booleans(), age=st.floats(0, 500),
    quiet=st.floats(0, 500), kept=st.floats(-60, 60),
)
def test_protected_or_recent_chats_are_never_acted_on(
    personal: bool, channel: bool, archived: bool, members: int, excluded: bool, age: float,
    quiet: float, kept: float,
) -> None:
    params = SweepParams.model_validate({"min_members": 2, "exclude": {"ids": [7] if excluded
                                                                       else []}})
    c = chat(personal=personal, channel=channel, archived=archived,
             member_ids=list(range(1, members + 1)), created_at=days_ago(age),
             last_message_at=days_ago(min(age, quiet)))
    until = NOW + timedelta(days=kept)  # timedelta keeps microseconds: compare what it kept
    state = ChatState(7, kept_until=until)
    d = decide_fresh(c, state, NOW, params, cycle=None)
    protected = (personal or channel or archived or members < 2 or excluded or until > NOW
                 or age <= params.inactive_days or min(age, quiet) <= params.inactive_days)
    if protected:
        assert d.verb == "skip"
    else:
        assert d.verb == "warn"
