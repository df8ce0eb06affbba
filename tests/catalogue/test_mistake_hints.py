"""Mistakes told with what was probably meant, at the line of the field at fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import main

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = """\
jobs:
  notice:
    kind: message
    schedule: "0 9 * * 1-5"
    to: {chats: [101]}
    text: "Срок: {{ jbo.name }}"
  filtered:
    kind: message
    schedule: "0 9 * * 1-5"
    to: {chats: [101]}
    description: a text in a job
    text: "{{ now | ru_dat }}"
  linked:
    kind: message
    schedule: "0 9 * * 1-5"
    to: {chats: [https://app.pachca.com/chats/12345]}
    text: Привет
  sweep:
    kind: sweep
    schedule: "0 9 * * 1"
    min_members: 5
    max_members: 2
    inactive_days: abc
"""


def validate(tmp_path: Path, lang: str, catalogue: str = CATALOGUE) -> tuple[int, list[str]]:
    """Exit code and lines of ``validate --offline`` (each from after "jobs.yaml:")."""
    shutil.copytree(REPO / "templates", tmp_path / "templates", dirs_exist_ok=True)
    (tmp_path / "jobs.yaml").write_text(catalogue, encoding="utf-8")
    env = {"PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"), "PACHCA_TOKEN": "",
           "PACHCA_RUNNER_LANG": lang}
    result = CliRunner().invoke(main, ["validate", "--offline"], env=env)
    lines = [line.split("jobs.yaml:", 1)[-1] for line in result.output.splitlines()]
    return result.exit_code, lines


def test_each_mistake_is_told_with_a_suggestion_at_its_field(tmp_path: Path) -> None:
    code, lines = validate(tmp_path, "en")
    assert code == 2
    assert ("6: jobs.notice.text: 'jbo' is undefined — did you mean 'job'? — the template"
            " can use: job, now, vars") in lines
    assert ("12: jobs.filtered.text: syntax error: there is no filter 'ru_dat' — did you mean"
            " 'ru_date'? (filters are listed in docs/templates.md)") in lines
    assert ("16:18: jobs.linked.to.chats[0]: must be a whole number, got"
            " 'https://app.pachca.com/chats/12345' — that is a link; the id in it is 12345:"
            " write 12345") in lines
    # The cross-field mistake is told together with the others, not after they are fixed.
    assert "22:18: jobs.sweep.max_members: min_members must not exceed max_members" in lines
    assert "23:20: jobs.sweep.inactive_days: must be a whole number, got 'abc'" in lines
    assert lines[-1] == "5 problems found; nothing was run."


def test_the_same_in_russian(tmp_path: Path) -> None:
    code, lines = validate(tmp_path, "ru")
    assert code == 2
    assert ("6: jobs.notice.text: 'jbo' не определено — может быть, 'job'? — в шаблоне"
            " доступны: job, now, vars") in lines
    assert ("12: jobs.filtered.text: синтаксическая ошибка: фильтра 'ru_dat' нет — может быть,"
            " 'ru_date'? (фильтры перечислены в docs/templates.ru.md)") in lines
    assert any("это ссылка; id в ней — 12345: укажите 12345" in line for line in lines)
    assert "22:18: jobs.sweep.max_members: min_members не может быть больше max_members" in lines
    assert lines[-1] == "найдено проблем: 5; ничего не запущено."


ENUMS = """\
jobs:
  digest:
    kind: digest
    schedule: "0 9 * * пн-пт"
    window: todya
    to: {chats: [101]}
    sources:
      found: {type: pachca_serch, query: инцидент}
"""


def test_names_of_choices_are_guessed_in_russian_too(tmp_path: Path) -> None:
    """Cron's day names (also Russian ones), periods and source types: what was probably
    meant, in the operator's language, at the field that names it."""
    code, lines = validate(tmp_path, "ru", ENUMS)
    assert code == 2
    assert ("4:15: jobs.digest.schedule: в поле cron 'день недели' не удаётся прочитать"
            " 'пн-пт' — может быть, 'mon-fri'?") in lines
    assert any(line.startswith("5:13: jobs.digest.window: ") and "может быть, 'today'?" in line
               for line in lines)
    assert any(line.startswith("8:14: jobs.digest.sources.found: ")
               and line.endswith("указано 'pachca_serch' — может быть, 'pachca_search'?")
               for line in lines)


def test_a_too_short_text_or_list_says_how_long_it_is() -> None:
    # No catalogue field asks for more than one character or item yet; pydantic gives
    # no length for a string that is too short, so the message counts it itself.
    from pydantic import BaseModel, Field, ValidationError

    from runner import words
    from runner.catalogue.explain import Explainer

    class Sized(BaseModel):
        code: str = Field(min_length=3)
        ids: list[int] = Field(min_length=2)

    with pytest.raises(ValidationError) as raised:
        Sized(code="x", ids=[1])
    explain = Explainer({})
    with words.speaking("en"):
        said = [explain.plain(e, e["loc"], Sized, ["code", "ids"])
                for e in raised.value.errors(include_url=False)]
    assert said == ["must be at least 3 characters long, got 1",
                    "must have at least 2 items, got 1"]
