"""Durations written out in words are refused with the short form to write instead."""

from __future__ import annotations

import pytest

from runner.durations import parse_duration


@pytest.mark.parametrize(("written", "short"), [
    ("5 minutes", "5m"), ("5м", "5m"), ("5 мин", "5m"), ("2 hours", "2h"), ("3 дня", "3d"),
    ("1 час 30 минут", "1h30m"), ("1h 30 минут", "1h30m"), ("5 минут, 30 секунд", "5m30s"),
])
def test_a_duration_in_words_is_answered_with_its_short_form(written: str, short: str) -> None:
    with pytest.raises(ValueError, match=rf"got '{written}' — write {short}$"):
        parse_duration(written)


@pytest.mark.parametrize("written", ["5мс", "5 minutes ago", "5 apples", "полчаса"])
def test_words_that_are_not_a_duration_get_no_guess(written: str) -> None:
    with pytest.raises(ValueError, match=rf"got '{written}'$"):
        parse_duration(written)


def test_the_short_forms_still_read() -> None:
    assert parse_duration("1h30m") == 5400 and parse_duration("15 m") == 900
