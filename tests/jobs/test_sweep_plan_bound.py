"""A sweep plan that keeps only the archives a run may do: the same chats, the rest counted."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from runner.kinds.sweep.decide import Anchor, Decision, archive_order
from runner.kinds.sweep.scan import Plan

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _archive(chat_id: int, days: int, *, requested: bool = False,
             adopt: Anchor | None = None) -> Decision:
    return Decision(chat_id, f"chat {chat_id}", "archive", "inactive",
                    last_message_at=T0 + timedelta(days=days), requested=requested,
                    adopt=adopt)


def test_a_bounded_plan_keeps_what_an_unbounded_one_would_archive_first() -> None:
    rng = random.Random(7)
    # Repeated silence lengths too: of equal ones the earlier found stays, as in a sort.
    decisions = [_archive(i, rng.randrange(50), requested=rng.random() < 0.05)
                 for i in range(1000)]
    decisions.append(Decision(5000, "warned", "warn", "inactive"))
    bounded, whole = Plan(keep=7), Plan()
    for d in decisions:
        bounded.add(d)
        whole.add(d)

    expected = sorted(whole.archive, key=archive_order)[:7]
    assert sorted(bounded.archive, key=archive_order) == expected
    assert len(bounded.archive) == 7 and bounded.over == 993
    assert len(bounded.actions) < 2 * 7 + 70  # never every candidate
    assert [d.chat_id for d in bounded.warn] == [5000]
    assert whole.over == 0 and len(whole.archive) == 1000


def test_a_decision_with_a_warning_to_record_is_never_dropped() -> None:
    anchor = Anchor(99, T0)
    plan = Plan(keep=1)
    for i in range(200):
        plan.add(_archive(i, i, adopt=anchor if i == 150 else None))
    kept = {d.chat_id for d in plan.archive}
    assert kept == {0, 150}
    assert plan.over == 198
