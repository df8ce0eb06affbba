"""The sweep plan's lines keep the chat's name in one column in either language: the
verb column is as wide as the widest verb in the words shown, not in English."""

from __future__ import annotations

import pytest

from runner import words
from runner.kinds.sweep.plans import PlannedChat, shown_width

VERBS = ("warn", "archive", "later", "wait", "skip")


def lines_in(language: str) -> list[str]:
    words.use(language)
    try:
        return [PlannedChat(chat_id=n, name=f"Чат {n}", verb=verb, reason="r", note="note").line()
                for n, verb in enumerate(VERBS, start=1)]
    finally:
        words.use(None)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_names_start_in_one_column(language: str) -> None:
    lines = lines_in(language)
    columns = {shown_width(line[:line.index("«")]) for line in lines}
    assert len(columns) == 1, lines
    assert all("  «" in line for line in lines), lines  # two spaces even after the widest


def test_english_lines_are_as_they_were() -> None:
    assert lines_in("en")[0] == "  warn     «Чат 1» (#1): note"
    assert lines_in("en")[1] == "  archive  «Чат 2» (#2): note"


def test_russian_verbs_are_padded_to_the_widest() -> None:
    lines = lines_in("ru")
    assert lines[1] == "  архивировать  «Чат 2» (#2): note"
    assert lines[3] == "  ждать         «Чат 4» (#4): note"


def test_wide_characters_take_two_columns() -> None:
    assert shown_width("архивировать") == 12
    assert shown_width("日本") == 4
    assert shown_width("е\u0301") == 1
