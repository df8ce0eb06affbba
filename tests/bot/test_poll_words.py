"""What a pass of the bot's event polling did, as the operator reads it in Russian."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from runner import words
from runner.bot.polling import PollResult

# What the handlers answer for an event (runner/bot/clicks.py, dispatch.py, unfurl.py
# and the sweep's clicks), each counted by the pass.
LABELS = ["decided:keep", "decided:archive_now", "already_decided", "already_handled", "retry",
          "refused:forged", "refused:mismatch", "refused:stale", "refused:not_member",
          "refused:not_chat_admin", "refused:not_allowed", "refused:unknown_job", "malformed", "failed", "ignored",
          "unfurl:posted", "unfurl:nothing", "unfurl:failed"]


@pytest.mark.parametrize("label", LABELS)
def test_each_outcome_of_an_event_is_worded_in_russian(label: str) -> None:
    result = PollResult(Counter({"seen": 2, "deleted": 2, label: 2}))
    words.use("ru")
    try:
        line = result.summary()
    finally:
        words.use(None)
    assert line.startswith("прочитано событий: 2, удалено: 2; ")
    assert not re.search(r"[A-Za-z]", line), line
    assert line.endswith(" — 2"), line


def test_in_english_each_outcome_keeps_its_key() -> None:
    result = PollResult(Counter({"seen": 1, "deleted": 1, "decided:keep": 1}))
    words.use("en")
    try:
        assert result.summary() == "1 event(s) read, 1 deleted; decided:keep — 1"
    finally:
        words.use(None)
