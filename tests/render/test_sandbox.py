"""The sandbox's limits: counted, not timed, so a template passes or fails alike on any
machine; ordinary templates are far below them."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import TemplateProblem
from runner.render import Renderer
from runner.sandbox import MAX_OUTPUT, MAX_STEPS


def render(source: str, **context: object) -> str:
    return Renderer(Path("/nonexistent")).render_string(source, context, origin="t")


def refusal(source: str) -> str:
    with pytest.raises(TemplateProblem) as caught:
        render(source)
    return caught.value.message


def test_loops_are_counted_by_their_iterations() -> None:
    side = int(MAX_STEPS**0.5)
    loops = "{% for i in range(N) %}{% for j in range(N) %}{% endfor %}{% endfor %}done"
    assert render(loops.replace("N", str(side // 2))) == "done"
    assert "too much work" in refusal(loops.replace("N", str(side + 1)))


def test_a_macro_calling_itself_twice_runs_out_of_steps_not_of_time() -> None:
    source = "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(N) }}"
    assert render(source.replace("N", "5")) == ""
    assert "too much work" in refusal(source.replace("N", "60"))


@pytest.mark.parametrize(("source", "words"), [
    ("{{ 9 ** (9 ** 9) }}", "4096 bits"),
    ("{{ 10 ** 2000 * 10 ** 2000 }}", "4096 bits"),
    ("{{ 'x'|center(10**9) }}", "width"),
    ("{{ 'x'.rjust(10001) }}", "width"),
    ("{{ '%0999999999d' % 1 }}", "width"),
    ("{{ '%*d' % (10**9, 1) }}", "width"),
    ("{{ '{:>999999999}'.format(1) }}", "width"),
    ("{{ '{0:{1}}'.format('x', 10**9) }}", "width"),
    ("{{ 'x' * 10**9 }}", "over 1,000,000 items"),
    ("{{ ['x' * 1000000] * 1000 }}", "over 1,000,000 items"),
    ("{{ ('x' * 600000) ~ ('x' * 600000) }}", "over 1,000,000 items"),
    ("{{ ('x' * 100000)|replace('', 'yyyyyyyyyy') }}", "over 1,000,000 items"),
    ("{{ (['a'] * 1000)|join('x' * 100000) }}", "over 1,000,000 items"),
    (("{% set ns = namespace(s='x') %}{% for i in range(30) %}{% set ns.s = ns.s ~ ns.s %}"
     "{% endfor %}"), "over 1,000,000 items"),
    ("{{ 'x' * (MAX + 1) }}".replace("MAX", str(MAX_OUTPUT)), "longer than 100,000"),
])
def test_what_would_take_gigabytes_is_refused_before_it_is_built(source: str, words: str) -> None:
    assert words in refusal(source)


def test_the_limits_leave_room_for_real_messages() -> None:
    rows = [{"name": f"Чат {i}", "messages": i} for i in range(2000)]
    source = ("{% for row in rows %}{{ loop.index }}. {{ row.name }} — "
              "{{ row.messages|plural('сообщение', 'сообщения', 'сообщений') }}\n{% endfor %}"
              "{{ '%05d' % 42 }} {{ '{:>8}'.format('x') }} {{ 2 ** 64 }} {{ 'x'|center(80) }}")
    out = render(source, rows=rows)
    assert out.startswith("1. Чат 0 — 0 сообщений\n")
    assert "18446744073709551616" in out
    assert render("{{ 'x' * N }}".replace("N", str(MAX_OUTPUT))) == "x" * MAX_OUTPUT


def test_a_render_over_the_output_limit_names_its_line() -> None:
    with pytest.raises(TemplateProblem) as caught:
        render("Заголовок\n{% for i in range(100000) %}\n{{ 'строка ' ~ i }}\n{% endfor %}")
    assert caught.value.line == 3
    assert "100,000 characters" in caught.value.message
