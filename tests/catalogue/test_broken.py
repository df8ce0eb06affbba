"""Broken catalogues: each problem is located at file:line and says what to fix."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from runner.catalogue import load_catalogue
from runner.errors import CatalogueError, Problem
from runner.sources_sql import SqlSource
from runner.words import speaking
from tests.catalogue.fakes import get_kind, kind_names

HEAD = "timezone: Europe/Moscow\njobs:\n  a:\n    kind: digest\n    to: [1]\n"
# HEAD: line 3 is "  a:", line 4 kind, line 5 to; line 6 is the first line after it.

CASES = [
    # (id, yaml, line, column or None, path, words)
    (
        "unknown-field",
        HEAD + '    shedule: "0 9 * * *"\n',
        6,
        5,
        "jobs.a.shedule",
        ["unknown field 'shedule'", "did you mean 'schedule'"],
    ),
    (
        "cron-hour",
        HEAD + '    schedule: "0 25 * * *"\n',
        6,
        15,
        "jobs.a.schedule",
        ["cron field 'hour' must be 0–23, got 25"],
    ),
    (
        "cron-six-fields",
        HEAD + '    schedule: "0 0 9 * * *"\n',
        6,
        15,
        "jobs.a.schedule",
        ["cron needs 5 fields (minute hour day month weekday), got 6"],
    ),
    (
        "cron-weekday-name",
        HEAD + '    schedule: "0 9 * * mnd"\n',
        6,
        15,
        "jobs.a.schedule",
        ["cron field 'weekday'", "'mnd'", "mon–sun"],
    ),
    (
        "cron-backwards",
        HEAD + '    schedule: "0 9 * * 5-1"\n',
        6,
        15,
        "jobs.a.schedule",
        ["cron field 'weekday'", "goes backwards"],
    ),
    (
        "cron-step-zero",
        HEAD + '    schedule: "*/0 * * * *"\n',
        6,
        15,
        "jobs.a.schedule",
        ["cron field 'minute'", "step", "1 or more"],
    ),
    (
        "cron-list-item",
        HEAD + '    schedule:\n      - "0 9 * * *"\n      - "0 9 32 * *"\n',
        8,
        9,
        "jobs.a.schedule[1]",
        ["cron field 'day' must be 1–31, got 32"],
    ),
    (
        "cron-never",
        HEAD + '    schedule: "0 9 31 2 *"\n',
        6,
        15,
        "jobs.a.schedule",
        ["never fires"],
    ),
    (
        "cron-month-range",
        HEAD + '    schedule: "0 9 1 13 *"\n',
        6,
        15,
        "jobs.a.schedule",
        ["cron field 'month' must be 1–12, got 13"],
    ),
    (
        "schedule-type",
        HEAD + "    schedule: 5\n",
        6,
        15,
        "jobs.a.schedule",
        ["must be a cron expression", "{every: 15m}"],
    ),
    (
        "every-bad",
        HEAD + "    schedule: {every: 15x}\n",
        6,
        23,
        "jobs.a.schedule.every",
        ["must be a duration", "'15x'"],
    ),
    (
        "every-too-small",
        HEAD + "    schedule: {every: 0.5}\n",
        6,
        23,
        "jobs.a.schedule.every",
        ["at least 1s"],
    ),
    (
        "every-misspelt",
        HEAD + "    schedule: {evry: 15m}\n",
        6,
        16,
        "jobs.a.schedule.evry",
        ["unknown field 'evry'", "every"],
    ),
    (
        "unknown-kind",
        "jobs:\n  a:\n    kind: digets\n    schedule: '0 9 * * *'\n",
        3,
        11,
        "jobs.a.kind",
        ["unknown kind 'digets'", "did you mean 'digest'", "digest, sweep"],
    ),
    (
        "missing-kind",
        "jobs:\n  a:\n    schedule: '0 9 * * *'\n",
        2,
        3,
        "jobs.a.kind",
        ["required field 'kind' is missing"],
    ),
    (
        "missing-param",
        "jobs:\n  a:\n    kind: digest\n    schedule: '0 9 * * *'\n",
        2,
        3,
        "jobs.a.to",
        ["required field 'to' is missing", "e.g. `to: [101]`"],
    ),
    ("missing-schedule", HEAD, 3, 3, "jobs.a.schedule", ["required field 'schedule'"]),
    (
        "param-list",
        "jobs:\n  a:\n    kind: digest\n    schedule: '0 9 * * *'\n    to: abc\n",
        5,
        9,
        "jobs.a.to",
        ["must be a list", "'abc'"],
    ),
    (
        "param-int",
        HEAD + "    schedule: '0 9 * * *'\n    limit: abc\n",
        7,
        12,
        "jobs.a.limit",
        ["must be a whole number, got 'abc'"],
    ),
    (
        "param-list-item",
        "jobs:\n  a:\n    kind: digest\n    schedule: '0 9 * * *'\n    to: [1, x]\n",
        5,
        13,
        "jobs.a.to[1]",
        ["must be a whole number, got 'x'"],
    ),
    (
        "param-misspelt",
        "jobs:\n  a:\n    kind: digest\n    schedule: '0 9 * * *'\n    too: [1]\n",
        5,
        5,
        "jobs.a.too",
        ["unknown field 'too'", "did you mean 'to'"],
    ),
    (
        "enabled",
        HEAD + "    schedule: '0 9 * * *'\n    enabled: maybe\n",
        7,
        14,
        "jobs.a.enabled",
        ["must be true or false", "'maybe'"],
    ),
    (
        "job-timezone",
        HEAD + "    schedule: '0 9 * * *'\n    timezone: Europe/Moskow\n",
        7,
        15,
        "jobs.a.timezone",
        ["unknown time zone: 'Europe/Moskow'", "did you mean 'Europe/Moscow'"],
    ),
    (
        "top-timezone",
        "timezone: Asia/Yekaterinberg\n" + HEAD[24:] + "    schedule: '0 9 * * *'\n",
        1,
        11,
        "timezone",
        ["unknown time zone", "did you mean 'Asia/Yekaterinburg'"],
    ),
    (
        "workdays-country",
        HEAD + "    schedule: '0 9 * * *'\n    workdays: XX\n",
        7,
        15,
        "jobs.a.workdays",
        ["'XX'", "holiday calendar"],
    ),
    (
        "workdays-norway",
        HEAD + "    schedule: '0 9 * * *'\n    workdays: NO\n",
        7,
        15,
        "jobs.a.workdays",
        ["quotes"],
    ),
    (
        "duration",
        HEAD + "    schedule: '0 9 * * *'\n    timeout: 5 minutes\n",
        7,
        14,
        "jobs.a.timeout",
        ["must be a duration like 30s", "'5 minutes'"],
    ),
    (
        "defaults-misspelt",
        "defaults:\n  timeot: 5m\n" + HEAD[24:] + "    schedule: '0 9 * * *'\n",
        2,
        3,
        "defaults.timeot",
        ["unknown field 'timeot'", "did you mean 'timeout'"],
    ),
    (
        "top-misspelt",
        "job:\n  a: {}\n",
        1,
        1,
        "job",
        ["unknown section 'job'", "did you mean 'jobs'"],
    ),
    ("no-jobs", "timezone: UTC\n", 1, 1, "", ["required section 'jobs' is missing"]),
    ("empty-jobs", "jobs:\n", 1, 6, "jobs", ["at least one job"]),
    (
        "job-name",
        "jobs:\n  morning digest:\n    kind: digest\n    to: [1]\n    schedule: '0 9 * * *'\n",
        2,
        3,
        "jobs.morning digest",
        ["letters, digits"],
    ),
    ("job-not-mapping", "jobs:\n  a: digest\n", 2, 6, "jobs.a", ["must be a mapping"]),
    ("root-list", "- jobs\n", 1, 1, "", ["must be a mapping", "'jobs:'"]),
    ("empty-file", "# nothing yet\n", 1, 1, "", ["empty"]),
    ("yaml-syntax", "jobs:\n  a:\n    kind: 'digest\n", 3, 11, "", ["opened on line 3", "closed"]),
    (
        "yaml-alias",
        "jobs:\n  a:\n    kind: digest\n    schedule: */5 * * * *\n",
        4,
        16,
        "",
        ["alias", "in quotes"],
    ),
    (
        "duplicate-key",
        HEAD + "    schedule: '0 9 * * *'\n    to: [2]\n",
        7,
        5,
        "jobs.a.to",
        ["duplicate key 'to'", "line 5"],
    ),
    (
        "duplicate-job",
        HEAD + "    schedule: '0 9 * * *'\n  a:\n    kind: digest\n",
        7,
        3,
        "jobs.a",
        ["duplicate key 'a'", "line 3"],
    ),
    (
        "bot-events",
        "bot:\n  events: pol\n" + HEAD[24:] + "    schedule: '0 9 * * *'\n",
        2,
        11,
        "bot.events",
        ["must be one of poll, push, off", "did you mean 'poll'"],
    ),
    (
        "bot-path",
        "bot:\n  webhook_path: hooks\n" + HEAD[24:] + "    schedule: '0 9 * * *'\n",
        2,
        17,
        "bot.webhook_path",
        ["must start with '/'"],
    ),
    (
        "alerts-missing",
        "alerts:\n  template: a.j2\n" + HEAD[24:] + "    schedule: '0 9 * * *'\n",
        1,
        1,
        "alerts.chat_id",
        ["required field 'chat_id' is missing"],
    ),
    (
        "alerts-chat",
        "alerts:\n  chat_id: general\n" + HEAD[24:] + "    schedule: '0 9 * * *'\n",
        2,
        12,
        "alerts.chat_id",
        ["must be a whole number, got 'general'"],
    ),
    (
        "unfurl-domain",
        "unfurl:\n  - domain: https://t.example.com\n    source: x\n"
        + HEAD[24:]
        + "    schedule: '0 9 * * *'\n",
        2,
        13,
        "unfurl[0].domain",
        ["bare domain"],
    ),
    (
        "unfurl-type",
        "unfurl: {domain: x}\n" + HEAD[24:] + "    schedule: '0 9 * * *'\n",
        1,
        9,
        "unfurl",
        ["must be a list"],
    ),
    (
        "env-missing",
        "alerts:\n  chat_id: ${ALERTS_CHAT}\n" + HEAD[24:] + "    schedule: '0 9 * * *'\n",
        2,
        12,
        "alerts.chat_id",
        ["environment variable ALERTS_CHAT is not set", "${ALERTS_CHAT:-...}"],
    ),
    (
        "env-syntax",
        HEAD + "    schedule: '0 9 * * *'\n    title: ${1ABC}\n",
        7,
        12,
        "jobs.a.title",
        ["'${1ABC}' is not a variable reference"],
    ),
    (
        "env-unclosed",
        HEAD + "    schedule: '0 9 * * *'\n    title: 'a ${B'\n",
        7,
        12,
        "jobs.a.title",
        ["not closed", "$${"],
    ),
    (
        "yaml-tag",
        HEAD + "    schedule: '0 9 * * *'\n    limit: !big 5\n",
        7,
        12,
        "jobs.a.limit",
        ["YAML tag '!big' is not supported"],
    ),
]


def problems_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[Problem]:
    path = tmp_path / "jobs.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, env=env or {}, kinds=get_kind, kind_names=kind_names)
    return info.value.problems


@pytest.mark.parametrize(
    ("text", "line", "column", "path", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_broken_catalogue_is_located(
    tmp_path: Path, text: str, line: int, column: int | None, path: str, words: list[str]
) -> None:
    found = problems_of(tmp_path, text)
    matching = [p for p in found if p.path == path]
    assert matching, f"no problem at {path!r}; got {[str(p) for p in found]}"
    problem = matching[0]
    assert problem.file == str(tmp_path / "jobs.yaml")
    assert (problem.line, problem.column) == (line, column if column else problem.column), str(
        problem
    )
    for word in words:
        assert word in problem.message, str(problem)
    assert str(problem).startswith(f"{tmp_path / 'jobs.yaml'}:{line}:")


def test_a_misspelt_field_is_one_problem_not_two(tmp_path: Path) -> None:
    found = problems_of(tmp_path, HEAD + '    shedule: "0 9 * * *"\n')
    assert [p.path for p in found] == ["jobs.a.shedule"]


def test_every_problem_of_the_file_is_reported_in_file_order(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        timezone: Europe/Moskow
        jobs:
          a:
            kind: digest
            to: [1]
            schedule: "0 9 * * 8"
          b:
            kind: digets
            schedule: "0 9 * * *"
          c:
            kind: digest
            to: [x]
            schedule: {every: 10m}
            timeout: soon
        """)
    found = problems_of(tmp_path, text)
    assert [(p.line, p.path) for p in found] == [
        (1, "timezone"),
        (6, "jobs.a.schedule"),
        (8, "jobs.b.kind"),
        (12, "jobs.c.to[0]"),
        (14, "jobs.c.timeout"),
    ]
    error = CatalogueError(found)
    assert str(error).endswith("(and 4 more)")


def test_missing_file_is_a_problem_not_an_oserror(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="there is no such file — check the path"):
        load_catalogue(tmp_path / "nope.yaml", env={}, kinds=get_kind, kind_names=kind_names)


def test_non_utf8_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_bytes("jobs: {а: 1}".encode("cp1251"))
    with pytest.raises(CatalogueError, match="not UTF-8"):
        load_catalogue(path, env={}, kinds=get_kind, kind_names=kind_names)


def test_a_file_saved_as_utf16_is_named_so_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_bytes("jobs: {а: 1}".encode("utf-16"))  # Windows editors' "Unicode"
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, env={}, kinds=get_kind, kind_names=kind_names)
    [problem] = info.value.problems
    assert (problem.line, problem.column) == (1, 1)
    assert "saved as UTF-16 — save it as UTF-8" in problem.message


def test_a_regular_expression_is_explained_in_russian_under_ru(tmp_path: Path) -> None:
    """Python words a bad pattern in English ("unterminated character set at position 0")."""
    path = tmp_path / "jobs.yaml"
    path.write_text('jobs:\n  a:\n    kind: sweep\n    schedule: "0 9 * * 1"\n    exclude: {names:'
                    ' ["(a", "[b", "+c", "d)", "[я-а]", "\\\\q", "(?<x)"]}\n', encoding="utf-8")
    with speaking("ru"), pytest.raises(CatalogueError) as info:
        load_catalogue(path, env={})  # the real kinds: sweep's exclude.names are patterns
    found = info.value.problems
    messages = [p.message for p in found if p.path.startswith("jobs.a.exclude.names")]
    assert len(messages) == 7, [str(p) for p in found]
    for message in messages:
        said = message.split(" — неправильное регулярное выражение: ", 1)[1]
        assert not re.search(r"[A-Za-z]{2,}", said), message


@pytest.mark.parametrize("query", [
    "SELECT 1", "  select day FROM t", "-- today\nWITH t AS (SELECT 1) SELECT * FROM t",
    "/* a */ (SELECT 1) UNION (SELECT 2)", "VALUES (1)",
])
def test_a_query_that_reads_is_accepted(query: str) -> None:
    assert SqlSource(type="sql", url="sqlite:///x.db", query=query).query == query


@pytest.mark.parametrize("query", [
    "DELETE FROM t", "-- x\nDROP TABLE t", "/* select */ UPDATE t SET a = 1", "PRAGMA x",
])
def test_a_query_that_writes_is_refused_before_any_run(query: str) -> None:
    with pytest.raises(ValueError, match="must be one SELECT"):
        SqlSource(type="sql", url="sqlite:///x.db", query=query)


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    found = problems_of(tmp_path, "\n".join(lines) + "\njobs: {}\n")
    assert "too many values" in found[0].message


def test_a_long_catalogue_written_out_is_not_taken_for_an_alias_bomb(tmp_path: Path) -> None:
    # 2,000 jobs of 28 values each: more values than an alias may repeat, none repeated.
    lines = ["jobs:"]
    for i in range(2000):
        chats = ", ".join(str(1000 + i * 25 + n) for n in range(25))
        lines += [f"  j{i}:", "    kind: digest", "    schedule: '0 9 * * *'",
                  f"    to: [{chats}]"]
    path = tmp_path / "jobs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalogue = load_catalogue(path, env={}, kinds=get_kind, kind_names=kind_names)
    assert len(catalogue.jobs) == 2000
