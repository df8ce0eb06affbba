"""Jinja's own syntax messages are retold in the operator's language inside our lines;
one not known is kept in quotes as Jinja's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from runner import jinja_words, words
from runner.errors import TemplateProblem
from runner.render import Renderer
from tests.catalogue.test_yaml_words import latin_words

CASES = {  # template -> what the Russian line must say
    "{{ }}": "перед '}}' не хватает значения или выражения",
    "{% if %}да{% endif %}": "перед '%}' не хватает значения или выражения",
    "{{ a b }}": "ожидалось '}}', а стоит 'b'",
    "{{ a | }}": "ожидалось 'имя', а стоит '}}'",
    "{{ a ! b }}": "символ '!' (6-й знак шаблона) здесь недопустим",
    "{% for x in y %}x": "блок 'for' не закрыт — добавьте {% endfor %}",
    "{% if a %}x": "блок 'if' не закрыт — добавьте {% endif %}",
    "{{ a": "шаблон кончается раньше, чем закрыт блок",
    "{{ a(1 }}": "лишний или неуместный знак '}'",
    "{% endif %}": "неизвестный тег '{% endif %}'",
}


@pytest.fixture
def ru() -> Iterator[None]:
    words.use("ru")
    yield
    words.use(None)


def problem(source: str, tmp_path: Path) -> str:
    with pytest.raises(TemplateProblem) as info:
        Renderer(tmp_path).compile_string(source, origin="text")
    return info.value.message


@pytest.mark.usefixtures("ru")
@pytest.mark.parametrize("source", list(CASES))
def test_jinja_syntax_is_told_in_russian(source: str, tmp_path: Path) -> None:
    said = problem(source, tmp_path)
    assert said.startswith("синтаксическая ошибка: ") and CASES[source] in said, said
    sentence = re.sub(r"\{%.*?%\}|есть if, for, set, macro, include", "", said)  # tags: names
    assert not latin_words(sentence), said
    assert "Jinja" not in said and "expected" not in said.lower(), said


def test_english_is_told_in_our_words_too(tmp_path: Path) -> None:
    words.use("en")
    try:
        assert problem("{{ }}", tmp_path) == (
            "syntax error: a value or expression is missing before '}}'")
        assert problem("{% for x in y %}x", tmp_path) == (
            "syntax error: the 'for' block is never closed — add {% endfor %} where it should end")
        assert problem("{{ a(1 }}", tmp_path) == (
            "syntax error: unexpected '}' — check the brackets around it")
    finally:
        words.use(None)


@pytest.mark.usefixtures("ru")
def test_an_unknown_message_is_kept_in_quotes() -> None:
    assert jinja_words.explained("something new went wrong") is None
    assert jinja_words.detail("something new went wrong") == (
        "Jinja сообщает: «something new went wrong»")


@pytest.mark.usefixtures("ru")
def test_a_field_checked_when_loaded_says_it_in_russian() -> None:
    from runner.kinds.chat_from_template import ChatFromTemplateParams

    with pytest.raises(ValueError) as info:
        ChatFromTemplateParams._syntax("Проект {{ }}")
    assert str(info.value) == ("в шаблоне названия синтаксическая ошибка: перед '}}' не хватает"
                               " значения или выражения")
