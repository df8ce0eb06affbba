"""Splitting and truncating long messages without breaking mentions, links or code."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.render import split_message, truncate_message


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_short_text_is_one_part() -> None:
    assert split_message("  Привет  ", 100) == ["Привет"]
    assert split_message("", 100) == []


def test_paragraph_boundary_is_preferred() -> None:
    text = "A" * 40 + "\n\n" + "B " * 10 + "\n" + "C" * 10
    assert split_message(text, 70) == ["A" * 40, "B " * 10 + "\n" + "C" * 10]


def test_line_then_sentence_then_space() -> None:
    lines = "первая строка\nвторая строка"
    assert split_message(lines, 20) == ["первая строка", "вторая строка"]
    sentences = "Раз два три. Четыре пять шесть"
    assert split_message(sentences, 25) == ["Раз два три.", "Четыре пять шесть"]
    words = "один два три четыре пять"
    assert split_message(words, 9) == ["один два", "три", "четыре", "пять"]


@pytest.mark.parametrize(
    "atom",
    [
        "<@12345>",
        "@ivan.petrov",
        "[задача PROJ-1](https://t.example.com/PROJ-1)",
        "https://example.com/a/b?c=d",
        "`код с пробелами`",
        "```\nблок кода\nв две строки\n```",
    ],
)
def test_atoms_are_never_cut(atom: str) -> None:
    for pad in range(1, 30):
        text = "слово " * pad + atom + " хвост"
        parts = split_message(text, 60)
        assert all(len(p) <= 60 for p in parts)
        assert any(atom in p for p in parts), (pad, parts)


def test_unsplittable_token_is_hard_cut() -> None:
    assert split_message("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_atom_longer_than_the_limit_is_cut_at_its_lines() -> None:
    code = "```\n" + "\n".join(f"строка {i}" for i in range(20)) + "\n```"
    parts = split_message(code, 50)
    assert all(len(p) <= 50 for p in parts) and squash("".join(parts)) == squash(code)
    assert all(not p.startswith("рока") for p in parts)  # cut at line ends, not mid-word


def test_truncate() -> None:
    assert truncate_message("короткий", 20) == "короткий"
    assert truncate_message("Hello world, this is long", 12) == "Hello…"
    assert truncate_message("Смотри <@123456789> тут", 17) == "Смотри…"
    assert truncate_message("x" * 30, 10) == "x" * 9 + "…"
    assert truncate_message("abc def", 1, suffix="…") == "…"


ATOMS = st.one_of(
    st.integers(1, 10**9).map(lambda n: f"<@{n}>"),
    st.from_regex(r"@[a-z][a-z0-9_.]{0,12}[a-z0-9]", fullmatch=True),
    st.tuples(
        st.text("абв xyz", min_size=1, max_size=15), st.from_regex(r"[a-z]{1,10}", fullmatch=True)
    ).map(lambda t: f"[{t[0]}](https://ex.com/{t[1]})"),
    st.from_regex(r"https://[a-z]{1,8}\.ru/[a-z0-9/_-]{0,20}", fullmatch=True),
    st.text("код ab.", min_size=1, max_size=20).map(lambda s: f"`{s}`"),
)
WORDS = st.from_regex(r"[а-яa-z]{1,12}[.!?,]?", fullmatch=True)
SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", ". "])


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, list[str]]:
    tokens = draw(
        st.lists(
            st.one_of(WORDS, ATOMS, st.text("xy", min_size=30, max_size=90)),
            min_size=1,
            max_size=60,
        )
    )
    text = ""
    for token in tokens:
        text += token + draw(SEPARATORS)
    atoms = [t for t in tokens if t[0] in "<@[h`"]
    return text, atoms


@settings(max_examples=80, deadline=None)
@given(messages(), st.integers(20, 200))
def test_split_properties(message: tuple[str, list[str]], limit: int) -> None:
    text, atoms = message
    parts = split_message(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert squash("".join(parts)) == squash(text)
    for atom in atoms:
        if len(atom) <= limit:
            assert any(atom in p for p in parts), (atom, parts)


@settings(max_examples=80, deadline=None)
@given(messages(), st.integers(5, 200))
def test_truncate_properties(message: tuple[str, list[str]], limit: int) -> None:
    text, atoms = message
    out = truncate_message(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text
    else:
        assert out.endswith("…")
        assert squash(text).startswith(squash(out[:-1]))
        for atom in atoms:  # an atom is either whole in the result or absent from it
            start = text.find(atom)
            kept = len(out) - 1
            if start != -1 and start < kept < start + len(atom) and len(atom) < limit:
                assert atom in out


def _split_over_the_whole_rest(text: str, limit: int) -> list[str]:
    """How parts were cut before: each cut chosen over the whole rest of the text (which
    was copied once per part, so long texts took quadratic time), with the atoms found
    once over the whole text."""
    from runner.render import _atoms, _split_once

    parts, rest = [], text.strip()
    atoms, offset = _atoms(rest), 0
    while len(rest) > limit:
        near = [(max(a, offset) - offset, b - offset) for a, b in atoms if b > offset]
        part, after = _split_once(rest, limit, near)
        part, after = part.rstrip(), after.lstrip()
        offset += len(rest) - len(after)
        rest = after
        if part:
            parts.append(part)
    return parts + ([rest] if rest else [])


def test_a_code_span_cut_for_its_length_leaves_the_next_span_whole() -> None:
    # Backticks pair up from the text's start: the rest of a cut span must not pair its
    # closing backtick with the next span's opening one (found by the property below).
    text = "`aкоbкоbдоbок.b .о.од` `окb. bкa` a a"
    parts = split_message(text, 20)
    assert any("`окb. bкa`" in p for p in parts), parts
    assert squash("".join(parts)) == squash(text)


PIECES = st.sampled_from(["слово", " ", "\n", "\n\n", ". ", "@anna", "<@12>", "`код`",
                          "https://example.com/a", "[ссылка](https://e.com)", "```", "x" * 30])


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=120), st.integers(10, 80))
def test_cutting_within_a_window_cuts_where_the_whole_rest_did(
    pieces: list[str], limit: int
) -> None:
    text = "".join(pieces)
    assert split_message(text, limit) == _split_over_the_whole_rest(text, limit)
