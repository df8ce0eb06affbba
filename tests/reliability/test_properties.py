"""Property-based tests: no input makes the catalogue or the templates crash with anything
but the project's own errors (which the CLI turns into one line and exit code 2).

``tests/catalogue`` feeds random text to the loader with stand-in kinds; here random
but well-formed YAML goes through the whole ``validate`` path, real kinds and real
templates included, and random Jinja goes through the renderer and every filter.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner import render
from runner.catalogue import Catalogue, validate
from runner.errors import CatalogueError, TemplateProblem
from runner.render import Renderer
from tests.reliability.conftest import TALLY

REPO = Path(__file__).resolve().parents[2]
KIND_NAMES = ["digest", "activity_report", "chat_from_template", "export", "message", "sweep"]
EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES", "60"))  # more: a longer hunt
QUICK = settings(max_examples=EXAMPLES, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    """One folder with the repo's templates, rewritten by every example."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(REPO / "templates", Path(tmp) / "templates")
        yield Path(tmp)


# ---------------------------------------------------------------------- random values
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False),
    st.text(max_size=30), st.sampled_from(["", "0 9 * * 1-5", "15m", "Europe/Moscow", "RU",
                                           "since_last_run", "previous_week", "${X}", "$${",
                                           "{{ now }}", "{% if %}", "2026-13-01", "101"]),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12)
FIELDS = ["schedule", "to", "text", "template", "sources", "period", "top", "sort_by",
          "include", "exclude", "name", "member_ids", "chat_ids", "output_dir", "filename",
          "webhook_timeout", "inactive_days", "warn_days", "max_fraction", "timezone",
          "timeout", "enabled", "workdays", "buttons", "vars", "window", "jitter", "kind",
          "description", "notify_chat_id", "report_chat_id", "catchup", "skip_if_empty"]
GOOD: dict[str, Any] = {
    "schedule": "0 9 * * 1-5", "to": {"chats": [101], "users": [5]}, "text": "Привет",
    "name": "Планёрка {{ week }}",
}


@st.composite
def jobs_yaml(draw: st.DrawFn) -> str:
    """A catalogue near a valid one: a real kind, mostly sensible fields, some random."""
    jobs = {}
    for _ in range(draw(st.integers(1, 3))):
        job: dict[str, Any] = {"kind": draw(st.sampled_from(KIND_NAMES + ["mesage"]))}
        for field in draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True)):
            job[field] = draw(st.one_of(VALUES, st.just(GOOD.get(field, 1))))
        job.setdefault("schedule", GOOD["schedule"])
        jobs[draw(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True))] = job
    top = {"timezone": draw(st.sampled_from(["Europe/Moscow", "UTC", "Mars/Base", None])),
           "jobs": jobs}
    if draw(st.booleans()):
        top[draw(st.sampled_from(["defaults", "bot", "alerts", "unfurl"]))] = draw(VALUES)
    return yaml.safe_dump(top, allow_unicode=True)


@QUICK
@given(text=jobs_yaml())
def test_any_catalogue_validates_or_is_refused_with_located_problems(
    folder: Path, text: str
) -> None:
    path = folder / "jobs.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        catalogue = validate(path, env={"X": "1"})
    except CatalogueError as exc:
        assert exc.problems
        for problem in exc.problems:  # as the operator reads them: one line each
            assert problem.message and "\n" not in str(problem), problem
            assert problem.line is not None or problem.path or "file" in problem.message
    else:
        assert isinstance(catalogue, Catalogue) and catalogue.jobs
    TALLY["random catalogues"] += 1


def test_an_empty_common_field_means_its_default(folder: Path) -> None:
    # Found by the property above: `catchup:` left empty crashed with pydantic's traceback.
    path = folder / "jobs.yaml"
    path.write_text("defaults: {timeout: 5m}\njobs:\n  a:\n    kind: message\n"
                    "    schedule: '0 9 * * *'\n    to: {chats: [1]}\n    text: hi\n"
                    "    catchup:\n    timeout:\n    enabled:\n    misfire_grace:\n",
                    encoding="utf-8")
    job = validate(path, env={}).jobs["a"]
    assert (job.timeout, job.enabled, job.misfire_grace, job.catchup) == (300, True, 600, 600)


# ---------------------------------------------------------------------- random templates
PIECES = st.sampled_from([
    "Привет, ", "{{ now }}", "{{ vars }}", "{{ job }}", "{{ nope }}", "{{ now|ru_date }}",
    "{{ now|ru_datetime('HH:mm') }}", "{{ 3|plural('чат', 'чата', 'чатов') }}",
    "{{ vars|mention }}", "{{ 0.5|percent(1) }}", "{{ 1234|number }}", "{{ now.year }}",
    "{% if now %}", "{% endif %}", "{% for x in vars %}", "{% endfor %}", "{{ x }}", "{{",
    "}}", "{%", "%}", "{#", "#}", "(", ")", "[", "]", "|", ".", "__class__", "__globals__",
    "''.__class__.__mro__", "cycler.__init__", "range(10**9)", "'x' * 3", "1/0", "\n",
    "{% set ns = namespace() %}", "{{ ns.a }}", "{% include 'digest.md.j2' %}",
    "{% raw %}", "{% endraw %}", "{{ ru_period(now, now) }}", "{{ now|ru_period(now) }}",
])


@QUICK
@given(source=st.one_of(st.lists(PIECES, max_size=14).map("".join), st.text(max_size=80)))
def test_any_template_renders_or_is_a_template_problem(folder: Path, source: str) -> None:
    renderer = Renderer(folder / "templates")
    context = {"now": datetime(2026, 11, 20, 9, tzinfo=UTC), "vars": {"a": 1}, "job": "x"}
    try:
        assert isinstance(renderer.render_string(source, context, origin="jobs.x.text"), str)
    except TemplateProblem as exc:
        assert exc.message and "\n" not in exc.message, exc.message
    (folder / "templates" / "custom.md.j2").write_text(source, encoding="utf-8")
    try:
        renderer.render("custom.md.j2", context)
    except TemplateProblem as exc:
        assert exc.file.endswith("custom.md.j2") and exc.message


def test_a_deeply_nested_template_is_a_template_problem(folder: Path) -> None:
    renderer = Renderer(folder / "templates")
    for source in ("{{" + "(" * 2000 + "1" + ")" * 2000 + "}}",
                   "{% if 1 %}" * 500 + "x" + "{% endif %}" * 500):
        with pytest.raises(TemplateProblem, match="nested too deeply"):
            renderer.render_string(source, {}, origin="jobs.x.text")


# ---------------------------------------------------------------------- the filters
ANYTHING = st.one_of(
    SCALARS, st.datetimes(timezones=st.just(UTC)), st.decimals(allow_nan=True),
    st.floats(), st.integers(), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["id", "name"]), st.integers() | st.text(max_size=5)),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Zs"]), max_size=5),
)
FILTERS = {
    "ru_date": lambda v, a: render.ru_date(v),
    "ru_date_format": lambda v, a: render.ru_date(v, str(a)),
    "ru_datetime": lambda v, a: render.ru_datetime(v),
    "ru_weekday": lambda v, a: render.ru_weekday(v),
    "ru_period": lambda v, a: render.ru_period(v, a),
    "plural": lambda v, a: render.plural(v, "чат", "чата", "чатов"),
    "number": lambda v, a: render.number(v),
    "percent": lambda v, a: render.percent(v),
    "percent_digits": lambda v, a: render.percent(0.25, a),
    "mention": lambda v, a: render.mention(v),
}


@settings(max_examples=EXAMPLES, deadline=None)
@given(value=ANYTHING, arg=ANYTHING)
@pytest.mark.parametrize("name", sorted(FILTERS))
def test_a_filter_formats_or_says_what_it_needs(name: str, value: Any, arg: Any) -> None:
    try:
        out = FILTERS[name](value, arg)
    except ValueError as exc:  # the renderer turns it into a TemplateProblem on its line
        message = str(exc)
        assert message and "\n" not in message and "<class" not in message, message
    else:
        assert isinstance(out, str)
        if name == "mention":
            assert out.startswith("<@") and out[2:-1].isascii() and out[2:-1].isdigit(), out


@pytest.mark.parametrize(("name", "value"), [
    ("number", "abc"), ("number", None), ("percent", "half"), ("plural", "x"),
    ("plural", math.nan), ("number", Decimal("sNaN")), ("percent_digits", 2.5),
    ("mention", "٣"),
])
def test_a_filter_given_the_wrong_thing_says_so_in_words(name: str, value: Any) -> None:
    with pytest.raises(ValueError) as info:
        FILTERS[name](value, value)
    assert "needs" in str(info.value) or "must" in str(info.value), str(info.value)
