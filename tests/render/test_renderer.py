"""The sandboxed renderer and its Russian filters."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from runner.errors import TemplateProblem
from runner.render import Renderer

NB = "\u00a0"  # babel's Russian group separator: a no-break space


@pytest.fixture
def renderer(tmp_path: Path) -> Renderer:
    (tmp_path / "digest.md.j2").write_text(
        "**Сводка за {{ period }}**\n{% for c in chats %}\n- {{ c.name }}: {{ c.n }}\n"
        "{% endfor %}\n"
    )
    (tmp_path / "typo.md.j2").write_text("Сводка\n\nВсего: {{ digest.totl }}\n")
    (tmp_path / "broken.md.j2").write_text("ok\n{% for x in %}\n{% endfor %}\n")
    (tmp_path / "include.md.j2").write_text("{% include 'nope.j2' %}\n")
    return Renderer(tmp_path)


def render(renderer: Renderer, source: str, **context: object) -> str:
    return renderer.render_string(source, context, origin="test")


def test_renders_markdown_unescaped_with_blocks_trimmed(renderer: Renderer) -> None:
    out = renderer.render(
        "digest.md.j2",
        {
            "period": "неделю",
            "chats": [{"name": "<Продажи & co>", "n": 3}, {"name": "Склад", "n": 1}],
        },
    )
    assert out == "**Сводка за неделю**\n- <Продажи & co>: 3\n- Склад: 1\n"


def test_exists(renderer: Renderer) -> None:
    assert renderer.exists("digest.md.j2")
    assert not renderer.exists("nope.md.j2")
    assert not renderer.exists("../outside.j2")


def test_undefined_attribute_names_the_expression_and_what_is_there(renderer: Renderer) -> None:
    with pytest.raises(TemplateProblem) as info:
        renderer.render("typo.md.j2", {"digest": {"total": 3, "chats": []}, "period": "x"})
    problem = info.value
    assert (problem.file, problem.line) == ("typo.md.j2", 3)
    assert problem.message == (
        "'digest.totl' is undefined — did you mean 'total'? — digest has: chats, total"
    )
    assert str(problem).startswith("typo.md.j2:3: ")


def test_undefined_variable_lists_the_context(renderer: Renderer) -> None:
    with pytest.raises(TemplateProblem) as info:
        render(renderer, "a\n{{ chat }}", chats=[], period="x")
    assert info.value.line == 2
    assert info.value.message == (
        "'chat' is undefined — did you mean 'chats'? — the template can use: chats, period"
    )


def test_undefined_in_a_condition_is_an_error_too(renderer: Renderer) -> None:
    with pytest.raises(TemplateProblem, match="'flag' is undefined"):
        render(renderer, "{% if flag %}x{% endif %}")
    assert render(renderer, "{% if flag is defined %}x{% else %}y{% endif %}") == "y"


def test_syntax_error_has_its_line(renderer: Renderer) -> None:
    with pytest.raises(TemplateProblem) as info:
        renderer.render("broken.md.j2", {})
    assert (info.value.file, info.value.line) == ("broken.md.j2", 2)
    assert "syntax error" in info.value.message
    with pytest.raises(TemplateProblem, match="syntax error"):
        render(renderer, "{{ x ")


def test_missing_templates(renderer: Renderer) -> None:
    with pytest.raises(TemplateProblem, match="'absent.j2' does not exist"):
        renderer.render("absent.j2", {})
    with pytest.raises(TemplateProblem, match="included template 'nope.j2' does not exist"):
        renderer.render("include.md.j2", {})


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ chats.append(1) }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ '{0.__class__}'.format(1) }}",
        "{{ range.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
        "{{ (chats|attr('__class__')) }}",
    ],
)
def test_sandbox_escapes_are_refused(renderer: Renderer, source: str) -> None:
    with pytest.raises(TemplateProblem) as info:
        render(renderer, source, chats=[1])
    assert "template tried to access an unsafe attribute" in info.value.message


def test_namespace_internals_are_out_of_reach(renderer: Renderer) -> None:
    with pytest.raises(TemplateProblem, match="'ns.__init__' is undefined"):
        render(renderer, "{% set ns = namespace() %}{{ ns.__init__.__globals__ }}")


def test_trailing_newline_of_the_file_is_dropped(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("Привет\n")
    assert Renderer(tmp_path).render("t.j2", {}) == "Привет"


def test_globals_reach_no_files(renderer: Renderer) -> None:
    assert set(renderer.env.globals) <= {"range", "dict", "cycler", "joiner", "namespace"}


def test_a_failing_filter_is_a_template_problem(renderer: Renderer) -> None:
    with pytest.raises(TemplateProblem, match="rendering failed: .*user id"):
        render(renderer, "\n{{ 'bob'|mention }}")
    with pytest.raises(TemplateProblem, match="rendering failed"):
        render(renderer, "{{ 1 + 'a' }}")


def test_render_string_compiles_once(renderer: Renderer) -> None:
    first = renderer.compile_string("{{ name }}", origin="chat_name")
    assert renderer.compile_string("{{ name }}", origin="chat_name") is first
    assert renderer.compile_string("{{ name }}", origin="other.name") is first  # same text
    assert (
        renderer.render_string("Отдел {{ name }}", {"name": "продаж"}, origin="chat_name")
        == "Отдел продаж"
    )


def test_a_shared_inline_text_names_each_origin_and_line(renderer: Renderer) -> None:
    source = "Отдел\n{{ team.name }}"
    renderer.render_string(source, {"team": {"name": "продаж"}}, origin="a.name")
    with pytest.raises(TemplateProblem) as caught:
        renderer.render_string(source, {"team": {"title": "x"}}, origin="b.name")
    assert (caught.value.file, caught.value.line) == ("b.name", 2)
    assert caught.value.message.startswith("'team.name' is undefined — team has: title")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 чатов"),
        (1, "1 чат"),
        (2, "2 чата"),
        (5, "5 чатов"),
        (11, "11 чатов"),
        (21, "21 чат"),
        (22, "22 чата"),
        (25, "25 чатов"),
        (101, "101 чат"),
        (111, "111 чатов"),
        (1234, f"1{NB}234 чата"),
    ],
)
def test_plural(renderer: Renderer, n: int, expected: str) -> None:
    assert render(renderer, "{{ n|plural('чат', 'чата', 'чатов') }}", n=n) == expected


def test_plural_without_number(renderer: Renderer) -> None:
    src = "{{ n }} {{ n|plural('сообщение', 'сообщения', 'сообщений', with_number=False) }}"
    assert render(renderer, src, n=3) == "3 сообщения"


def test_dates(renderer: Renderer) -> None:
    d = date(2026, 11, 21)
    assert render(renderer, "{{ d|ru_date }}", d=d) == "21 ноября 2026"
    assert render(renderer, "{{ d|ru_date('d MMMM') }}", d=d) == "21 ноября"
    assert render(renderer, "{{ d|ru_date }}", d="2026-11-21") == "21 ноября 2026"
    assert render(renderer, "{{ d|ru_weekday }}", d=d) == "суббота"
    moment = datetime(2026, 11, 21, 9, 0, tzinfo=ZoneInfo("Asia/Yekaterinburg"))
    assert render(renderer, "{{ t|ru_datetime }}", t=moment) == "21 ноября 2026, 09:00"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 14), date(2026, 11, 20), "с 14 по 20 ноября 2026"),
        (date(2026, 10, 28), date(2026, 11, 3), "с 28 октября по 3 ноября 2026"),
        (date(2025, 12, 29), date(2026, 1, 4), "с 29 декабря 2025 по 4 января 2026"),
        (date(2026, 11, 21), date(2026, 11, 21), "21 ноября 2026"),
        (datetime(2026, 3, 1, 9), datetime(2026, 3, 7, 18), "с 1 по 7 марта 2026"),
    ],
)
def test_ru_period(renderer: Renderer, start: date, end: date, expected: str) -> None:
    assert render(renderer, "{{ a|ru_period(b) }}", a=start, b=end) == expected


def test_numbers_percent_mention(renderer: Renderer) -> None:
    assert render(renderer, "{{ 1234567|number }}") == f"1{NB}234{NB}567"
    assert render(renderer, "{{ 1234.5|number }}") == f"1{NB}234,5"
    assert render(renderer, "{{ 0.25|percent }}") == f"25{NB}%"
    assert render(renderer, "{{ 0.256|percent(1) }}") == f"25,6{NB}%"
    assert (
        render(
            renderer,
            "{{ 123|mention }} {{ '45'|mention }} {{ u|mention }}",
            u={"id": 7, "name": "Оля"},
        )
        == "<@123> <@45> <@7>"
    )


def test_english_renderer_uses_english_numbers(tmp_path: Path) -> None:
    en = Renderer(tmp_path, lang="en")
    assert (
        en.render_string(
            "{{ 1234567|number }} {{ n|plural('chat', 'chats') }}", {"n": 2}, origin="x"
        )
        == "1,234,567 2 chats"
    )
