"""Inline texts rendered from one template per shape (``Renderer.render_like``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import TemplateProblem
from runner.render import Renderer
from runner.sandbox import MAX_OUTPUT

CONTEXT = {"n": 3, "names": ["Аня", "Боря"], "week": 48}

# Pairs of texts of one shape (the same tags and expressions in the same places), their
# plain text different: each must come out as if compiled on its own.
SAME_SHAPE = [
    ("Планёрка {{ week }} №1", "Совещание {{ week }} №22222"),
    ("{% for x in names %}- {{ x }}\n{% endfor %}итого", "{% for x in names %}* {{ x }};\n{% endfor %}всё"),
    ("a  {%- if n > 2 %} big {% else %} small{% endif -%}  z", "b  {%- if n > 2 %} BIG {% else %} tiny{% endif -%}  y"),
    ("x {% raw %}{{ not me }}{% endraw %} {{ n }}", "y {% raw %}{% neither %}{% endraw %} {{ n }}"),
    ("{% set k = n * 2 %}k={{ k }}, {{ '%' }}", "{% set k = n * 2 %}K: {{ k }}; {{ '%' }}"),
    ("  {% if n %}\n  line\n  {% endif %}\n", "\t{% if n %}\nother line\n\t{% endif %}\n"),
    ("{% set t %}captured{% endset %}{{ t|length }}", "{% set t %}captured longer{% endset %}{{ t|length }}"),
    ("{% filter upper %}abc{% endfilter %}", "{% filter upper %}xyz{% endfilter %}"),
]


@pytest.mark.parametrize(("first", "second"), SAME_SHAPE)
def test_every_text_of_a_shape_renders_as_if_compiled_on_its_own(
    tmp_path: Path, first: str, second: str
) -> None:
    shaped, alone = Renderer(tmp_path), Renderer(tmp_path)
    for source in (first, second, first):
        made = shaped.render_like(source, CONTEXT, origin="t", context_key=repr(CONTEXT))
        assert made == alone.render_string(source, CONTEXT, origin="t")


def test_a_text_whose_plain_text_goes_past_the_limit_fails_as_on_its_own(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path)
    short = "{% for i in range(10) %}ab{{ i }}{% endfor %}"
    renderer.render_like(short, {}, origin="t", context_key="{}")
    long = "{% for i in range(10) %}" + "a" * (MAX_OUTPUT // 10) + "{{ i }}{% endfor %}"
    with pytest.raises(TemplateProblem) as shaped:
        renderer.render_like(long, {}, origin="t", context_key="{}")
    with pytest.raises(TemplateProblem) as alone:
        Renderer(tmp_path).render_string(long, {}, origin="t")
    assert shaped.value.message == alone.value.message


def test_an_error_is_the_text_s_own(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path)
    with pytest.raises(TemplateProblem) as shaped:
        renderer.render_like("a\n{{ missing }}", CONTEXT, origin="job.text", context_key="c")
    with pytest.raises(TemplateProblem) as alone:
        Renderer(tmp_path).render_string("a\n{{ missing }}", CONTEXT, origin="job.text")
    assert (shaped.value.line, shaped.value.message) == (alone.value.line, alone.value.message)
    assert shaped.value.line == 2


def test_contexts_are_told_apart_by_their_key(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path)
    assert renderer.render_like("w{{ week }}", {"week": 1}, origin="t", context_key="1") == "w1"
    assert renderer.render_like("v{{ week }}", {"week": 2}, origin="t", context_key="2") == "v2"


def test_texts_of_one_shape_are_not_compiled_each(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path)
    for i in range(50):
        made = renderer.render_like(f"Планёрка {{{{ week }}}} №{i}", CONTEXT, origin="t",
                                    context_key=repr(CONTEXT))
        assert made == f"Планёрка 48 №{i}"
    assert renderer._inline == {}  # not one text compiled on its own
