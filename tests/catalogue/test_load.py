"""Valid catalogues: defaults, interpolation, kinds, templates."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.catalogue import check_templates, load_catalogue, validate
from runner.errors import CatalogueError
from runner.render import Renderer
from tests.catalogue.fakes import DigestParams, get_kind, kind_names

FULL = textwrap.dedent("""\
    # yaml-language-server: $schema=./jobs.schema.json
    timezone: Europe/Moscow
    defaults:
      misfire_grace: 5m
      timeout: 15m
    alerts:
      chat_id: ${ALERTS_CHAT_ID:-101}
      repeat_every: 2h
    bot:
      events: poll
      poll_every: 10s
    unfurl:
      - domain: Tracker.example.com
        source: https://tracker.example.com/api/issues/{{ path }}
        headers: {Authorization: "Bearer ${TRACKER_TOKEN}"}
        title: "{{ data.key }}: {{ data.summary }}"
    x-common: &common
      kind: digest
      to: [101, 102]
    jobs:
      zeta:
        <<: *common
        description: Утренняя сводка
        schedule: "0 9 * * 1-5"
        timezone: Asia/Yekaterinburg
        workdays: ru
        jitter: 30s
        catchup: 1h
        timeout: 1h30m
        limit: ${LIMIT:-25}
      alpha:
        kind: digest
        to: [7]
        schedule: ["0 9 * * mon", "0 18 * * fri"]
        enabled: false
      every:
        kind: digest
        to: [7]
        schedule: {every: 15m}
        misfire_grace: 60
    """)


def load(tmp_path: Path, text: str, env: dict[str, str] | None = None, **kwargs: object):
    path = tmp_path / "jobs.yaml"
    path.write_text(text, encoding="utf-8")
    return load_catalogue(
        path,
        env=env if env is not None else {"TRACKER_TOKEN": "t"},
        kinds=get_kind,
        kind_names=kind_names,
        **kwargs,
    )  # type: ignore


def test_full_catalogue_loads_with_defaults_applied(tmp_path: Path) -> None:
    cat = load(tmp_path, FULL)
    assert list(cat.jobs) == ["zeta", "alpha", "every"]  # file order
    zeta, alpha, every = cat.jobs.values()
    assert zeta.timezone == "Asia/Yekaterinburg" and alpha.timezone == "Europe/Moscow"
    assert zeta.workdays == "RU" and zeta.jitter == 30 and zeta.catchup == 3600
    assert zeta.timeout == 5400 and alpha.timeout == 900  # own value, then defaults
    assert zeta.misfire_grace == 300 and every.misfire_grace == 60
    assert alpha.catchup == 300 and every.catchup == 60  # catchup defaults to misfire_grace
    assert alpha.enabled is False and zeta.enabled is True
    assert isinstance(zeta.params, DigestParams)
    assert zeta.params.to == [101, 102] and zeta.params.limit == 25
    assert zeta.description == "Утренняя сводка" and zeta.line == 21
    assert zeta.schedule.crons == ["0 9 * * 1-5"] and every.schedule.every == 900
    assert alpha.schedule.crons == ["0 9 * * mon", "0 18 * * fri"]
    assert cat.alerts is not None and cat.alerts.chat_id == 101
    assert cat.alerts.template == "alert.md.j2" and cat.alerts.repeat_every == 7200
    assert cat.bot.events == "poll" and cat.bot.poll_every == 10
    assert cat.bot.webhook_path == "/pachca/events"
    rule = cat.unfurl[0]
    assert rule.domain == "tracker.example.com" and rule.headers == {"Authorization": "Bearer t"}
    assert rule.source.endswith("{{ path }}")
    assert cat.templates_dir == tmp_path / "templates"


def test_minimal_catalogue_uses_builtin_defaults(tmp_path: Path) -> None:
    cat = load(
        tmp_path,
        "jobs:\n  a: {kind: digest, to: [1], schedule: '0 9 * * *'}\n",
        default_timezone="Asia/Omsk",
        templates_dir=tmp_path / "t",
    )
    job = cat.jobs["a"]
    assert (job.timezone, job.misfire_grace, job.catchup, job.timeout) == (
        "Asia/Omsk",
        600,
        600,
        1800,
    )
    assert job.jitter is None and job.workdays is None and job.enabled
    assert cat.alerts is None and cat.bot.events == "off" and cat.unfurl == []
    assert cat.templates_dir == tmp_path / "t"


@pytest.mark.parametrize(
    ("value", "env", "expected"),
    [
        ("${LIMIT}", {"LIMIT": "7"}, 7),
        ("${LIMIT:-8080}", {}, 8080),
        ("${LIMIT:-8080}", {"LIMIT": ""}, 8080),  # :- also replaces an empty value
        ("${LIMIT-9}", {"LIMIT": "3"}, 3),
        ("'1${A}${B}'", {"A": "2", "B": "3"}, 123),
    ],
)
def test_env_interpolation_happens_before_type_validation(
    tmp_path: Path, value: str, env: dict[str, str], expected: int
) -> None:
    text = f"jobs:\n  a:\n    kind: digest\n    to: [1]\n    schedule: '0 9 * * *'\n    limit: {value}\n"
    assert load(tmp_path, text, env).jobs["a"].params.limit == expected


@pytest.mark.parametrize(("written", "limit", "title"), [
    ("0101", 101, "0101"),  # YAML 1.1 would read 65 (octal)
    ("9:30", None, "9:30"),  # YAML 1.1 would read 570 (base 60)
])
def test_a_number_is_read_as_people_write_it(
    tmp_path: Path, written: str, limit: int | None, title: str
) -> None:
    text = ("jobs:\n  a:\n    kind: digest\n    to: [1]\n    schedule: '0 9 * * *'\n"
            f"    title: {written}\n" + (f"    limit: {written}\n" if limit else ""))
    params = load(tmp_path, text).jobs["a"].params
    assert params.title == title
    assert limit is None or params.limit == limit


def test_double_dollar_escapes_a_literal(tmp_path: Path) -> None:
    text = (
        "jobs:\n  a: {kind: digest, to: [1], schedule: '0 9 * * *', title: 'cost $${PRICE} $5'}\n"
    )
    assert load(tmp_path, text, {"PRICE": "x"}).jobs["a"].params.title == "cost ${PRICE} $5"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("limit", "${SECRET}"),
        ("timezone", "${SECRET}"),
        ("timeout", "${SECRET}"),
        ("schedule", "{every: '${SECRET}'}"),
    ],
)
def test_interpolated_values_are_never_echoed(tmp_path: Path, field: str, value: str) -> None:
    text = "jobs:\n  a:\n    kind: digest\n    to: [1]\n    schedule: '0 9 * * *'\n"
    text = text.replace("    schedule: '0 9 * * *'\n", "") if field == "schedule" else text
    text += f"    {field}: {value}\n"
    with pytest.raises(CatalogueError) as info:
        load(tmp_path, text, {"SECRET": "hunter2-token"})
    message = str(info.value.problems[0])
    assert "hunter2" not in message
    assert "the value of ${SECRET}" in message


def test_problem_lists_the_variable_and_not_its_value_for_top_level_zone(tmp_path: Path) -> None:
    text = "timezone: ${TZ_NAME}\njobs:\n  a: {kind: digest, to: [1], schedule: '0 9 * * *'}\n"
    with pytest.raises(CatalogueError) as info:
        load(tmp_path, text, {"TZ_NAME": "Mars/Olympus"})
    assert "Mars" not in str(info.value) and "${TZ_NAME}" in str(info.value)


TEMPLATE_JOBS = textwrap.dedent("""\
    jobs:
      good:
        kind: digest
        to: [1]
        schedule: "0 9 * * *"
      typo:
        kind: digest
        to: [1]
        schedule: "0 9 * * *"
        template: typo.md.j2
      absent:
        kind: digest
        to: [1]
        schedule: "0 9 * * *"
        template: absent.md.j2
    """)


def write_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "digest.md.j2").write_text(
        "За {{ period }}:\n{% for c in chats %}\n- {{ c.name }}: {{ c.messages }}\n{% endfor %}\n"
    )
    (folder / "typo.md.j2").write_text("Сводка\nВсего: {{ digest.totl }}\n")
    return folder


def test_check_templates_names_the_job_and_the_template_line(tmp_path: Path) -> None:
    folder = write_templates(tmp_path)
    cat = load(tmp_path, TEMPLATE_JOBS)
    found = check_templates(cat, Renderer(folder), kinds=get_kind)
    # Each at the field that names the template: the broken file's own line, the line of
    # `template:` for a file that does not exist.
    assert [(p.path, p.line) for p in found] == [("jobs.typo.template", 2),
                                                 ("jobs.absent.template", 15)]
    typo, absent = found
    assert typo.file == str(folder / "typo.md.j2")
    assert "'digest.totl' is undefined" in typo.message and "total" in typo.message
    assert "job 'typo'" in typo.message
    assert (
        absent.file == str(tmp_path / "jobs.yaml")
        and "'absent.md.j2' does not exist" in absent.message
    )


def test_each_job_sharing_a_broken_template_gets_its_own_problem(tmp_path: Path) -> None:
    folder = write_templates(tmp_path)
    second = "  typo2:\n    kind: digest\n    to: [2]\n    schedule: '0 9 * * *'\n" \
             "    template: typo.md.j2\n"
    cat = load(tmp_path, TEMPLATE_JOBS + second)
    found = check_templates(cat, Renderer(folder), kinds=get_kind)
    typos = [p for p in found if p.file == str(folder / "typo.md.j2")]
    assert [(p.path, p.line) for p in typos] == [("jobs.typo.template", 2),
                                                 ("jobs.typo2.template", 2)]
    assert "job 'typo2'" in typos[1].message


def test_inline_texts_alike_but_for_plain_text_each_get_their_problem(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    job = "  {name}:\n    kind: message\n    schedule: '0 9 * * *'\n    to: {{chats: [1]}}\n" \
          "    text: '{text}'\n"
    path.write_text("jobs:\n" + "".join(job.format(name=n, text=t) for n, t in [
        ("first", "Отчёт №1: {{ vars.total }}"),
        ("second", "Сводка №2: {{ vars.total }}"),  # same tags, other plain text
        ("fine", "Сводка: {{ job }}"),
        ("broken", "Сводка: {{ job "),  # a syntax error
    ]))
    with pytest.raises(CatalogueError) as info:
        validate(path, env={})
    found = {p.path: p.message for p in info.value.problems}
    assert sorted(found) == ["jobs.broken.text", "jobs.first.text", "jobs.second.text"]
    assert "total" in found["jobs.first.text"] and found["jobs.first.text"] == found[
        "jobs.second.text"]
    assert "syntax" in found["jobs.broken.text"].lower()


def test_shape_of_an_inline_text_leaves_out_plain_text_only(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path)
    shape = renderer.shape_of
    assert shape("Отчёт №1: {{ total }}") == shape("Сводка: {{ total }}")
    assert shape("Отчёт: {{ total }}") != shape("Отчёт: {{ totals }}")
    assert shape("Отчёт:\n{{ total }}") != shape("Отчёт: {{ total }}")  # another line
    assert shape("{{ a $ b }}") == "{{ a $ b }}"  # the lexer refuses it: kept whole


def test_validate_reports_catalogue_and_template_problems_together(tmp_path: Path) -> None:
    write_templates(tmp_path)
    path = tmp_path / "jobs.yaml"
    path.write_text(TEMPLATE_JOBS + "  broken:\n    kind: digest\n    schedule: '0 9 * * *'\n")
    with pytest.raises(CatalogueError) as info:
        validate(path, env={}, kinds=get_kind, kind_names=kind_names)
    paths = sorted(p.path for p in info.value.problems)
    assert paths == ["jobs.absent.template", "jobs.broken.to", "jobs.typo.template"]


def test_a_job_refused_for_a_common_field_still_has_its_templates_checked(
    tmp_path: Path,
) -> None:
    """One `validate` lists every problem: fixing the schedule must not reveal another."""
    write_templates(tmp_path)
    path = tmp_path / "jobs.yaml"
    path.write_text(textwrap.dedent("""\
        jobs:
          typo:
            kind: digest
            to: [1]
            schedule: "0 25 * * *"
            timeout: 0s
            template: typo.md.j2
        """))
    with pytest.raises(CatalogueError) as info:
        validate(path, env={}, kinds=get_kind, kind_names=kind_names)
    found = [(p.path, p.line) for p in info.value.problems]
    assert ("jobs.typo.schedule", 5) in found and ("jobs.typo.timeout", 6) in found
    assert ("jobs.typo.template", 2) in found, found  # typo.md.j2's line 2: digest.totl
    assert len(found) == 3, found


def test_validate_returns_the_catalogue_when_all_is_well(tmp_path: Path) -> None:
    write_templates(tmp_path)
    path = tmp_path / "jobs.yaml"
    path.write_text("jobs:\n  a: {kind: digest, to: [1], schedule: '0 9 * * *'}\n")
    made: list[Path] = []

    def factory(folder: Path) -> Renderer:
        made.append(folder)
        return Renderer(folder)

    cat = validate(path, env={}, renderer_factory=factory, kinds=get_kind, kind_names=kind_names)
    assert list(cat.jobs) == ["a"] and made == [tmp_path / "templates"]


def test_unfurl_template_syntax_is_checked(tmp_path: Path) -> None:
    write_templates(tmp_path)
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "unfurl:\n  - domain: t.example.com\n    source: https://t.example.com/api\n"
        "    title: '{{ data.key'\n"
        "jobs:\n  a: {kind: digest, to: [1], schedule: '0 9 * * *'}\n"
    )
    with pytest.raises(CatalogueError) as info:
        validate(path, env={}, kinds=get_kind, kind_names=kind_names)
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (4, "unfurl[0].title")  # the line of `title:`
    assert "syntax error" in problem.message


FRAGMENTS = st.sampled_from(
    [
        "jobs:",
        "  a:",
        "    kind: digest",
        "    to: [1]",
        "    schedule: '0 9 * * *'",
        "    schedule: {every: 5m}",
        "timezone: UTC",
        "defaults:",
        "  timeout: 5m",
        "- x",
        "  - y",
        "&a",
        "*a",
        "<<: *a",
        "${X}",
        "$${",
        "'",
        '"',
        ":",
        "{",
        "}",
        "[",
        "]",
        "!!int x",
        "? ",
        "bot: {events: poll}",
        "unfurl: [1]",
        "alerts: {chat_id: 1}",
        "jobs: [1, 2]",
        "\t",
        "---",
    ]
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.one_of(st.text(max_size=200), st.lists(FRAGMENTS, max_size=12).map("\n".join)))
def test_any_text_gives_a_catalogue_or_a_catalogue_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_catalogue(path, env={"X": "1"}, kinds=get_kind, kind_names=kind_names)
    except CatalogueError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


def test_a_chat_name_too_long_is_found_among_names_of_its_shape(tmp_path: Path) -> None:
    from runner.kinds import registry

    jobs = ["jobs:"]
    for i, tail in enumerate(["1", "2", "Я" * 260, "3"]):
        jobs += [f"  sync-{i}:", "    kind: chat_from_template", "    schedule: '0 10 * * 1'",
                 f"    name: 'Планёрка {{{{ week }}}} {tail}'", "    welcome_template: null"]
    path = tmp_path / "jobs.yaml"
    path.write_text("\n".join(jobs) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        validate(path, env={}, kinds=registry.get_kind, kind_names=registry.kind_names)
    [problem] = info.value.problems
    assert (problem.path, problem.line) == ("jobs.sync-2.name", 15)
    assert "'Планёрка 48 ЯЯЯ" in problem.message


def test_jobs_whose_sample_data_differ_never_share_an_outcome(tmp_path: Path) -> None:
    """Sample data is built once per distinct input of a kind: each job whose input
    differs still gets its own render, and its own problem."""
    from runner.kinds import registry

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "team.md.j2").write_text("Команда: {{ info.team }}\n", encoding="utf-8")
    (folder / "top.md.j2").write_text("{% if top > 3 %}{{ nowhere.x }}{% endif %}\n",
                                      encoding="utf-8")
    jobs = ["jobs:"]
    for name, values in [("d-ok", "{team: Продажи}"), ("d-bad", "{lead: Анна}"),
                         ("d-ok2", "{team: Продажи}")]:
        jobs += [f"  {name}:", "    kind: digest", "    schedule: '0 9 * * *'",
                 "    to: {chats: [1]}", "    template: team.md.j2",
                 f"    sources: {{info: {{type: vars, values: {values}}}}}"]
    for name, top in [("r-ok", 3), ("r-bad", 5), ("r-ok2", 3)]:
        jobs += [f"  {name}:", "    kind: activity_report", "    schedule: '0 9 * * 1'",
                 "    to: {chats: [1]}", "    template: top.md.j2", f"    top: {top}"]
    for name, vars_ in [("c-ok", "{team: Север}"), ("c-bad", "{}"), ("c-ok2", "{team: Юг}")]:
        jobs += [f"  {name}:", "    kind: chat_from_template", "    schedule: '0 10 * * 1'",
                 "    name: 'Планёрка {{ vars.team }}'", "    welcome_template: null",
                 f"    vars: {vars_}"]
    path = tmp_path / "jobs.yaml"
    path.write_text("\n".join(jobs) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        validate(path, env={}, kinds=registry.get_kind, kind_names=registry.kind_names)
    assert sorted(p.path for p in info.value.problems) == [
        "jobs.c-bad.name", "jobs.d-bad.template", "jobs.r-bad.template"]
