"""Validation errors in Russian when the operator asks for it (or the locale says so)."""

from __future__ import annotations

import re
import string
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner import words
from runner.catalogue import load_catalogue, validate
from runner.cli import main
from runner.errors import CatalogueError
from tests.catalogue.fakes import get_kind, kind_names
from tests.catalogue.test_broken import CASES

REPO = Path(__file__).resolve().parents[2]
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
ENGLISH = ("must be", "did you mean", "is missing", "unknown field", "not set", "got ")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    for message_id, (en, ru) in words.MESSAGES.items():
        assert en and ru, message_id
        assert _placeholders(en) == _placeholders(ru), message_id
        assert CYRILLIC.search(ru), f"{message_id}: the Russian text is not Russian"


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"PACHCA_RUNNER_LANG": "ru"}, "ru"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LC_ALL": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),
        ({"PACHCA_RUNNER_LANG": "en", "LANG": "ru_RU.UTF-8"}, "en"),
        ({"LC_ALL": "C", "LANG": "ru_RU.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_follows_the_setting_then_the_locale(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], lang: str
) -> None:
    for name in ("PACHCA_RUNNER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert words.lang() == lang


@pytest.mark.parametrize("text", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_every_broken_catalogue_is_explained_in_russian(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")
    path = tmp_path / "jobs.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, env={}, kinds=get_kind, kind_names=kind_names)
    for problem in info.value.problems:
        assert CYRILLIC.search(problem.message), str(problem)
        assert not any(phrase in problem.message for phrase in ENGLISH), str(problem)


BROKEN_KINDS = """\
timezone: Europe/Moscow
jobs:
  digest:
    kind: digest
    schedule: "0 9 * * 1-5"
    to: {}
    window: previos_week
    sources: {title: {type: vars}}
    buttons: [{text: A}]
  crm:
    kind: digest
    schedule: "0 9 * * 1-5"
    to: {chats: [1]}
    sources: {crm: {type: http, url: crm.local}}
  report:
    kind: activity_report
    schedule: "0 9 * * 1"
    to: {chats: [1]}
    exclude: {names: ["("]}
    top: 0
    period: {start: 2026-02-01, end: 2026-01-01}
  meeting:
    kind: chat_from_template
    schedule: "0 10 * * 1"
    name: "Планёрка {{ week"
  export:
    kind: export
    schedule: "0 3 1 * *"
    chat_ids: [5, 5]
    webhook_timeout: 0
  note:
    kind: message
    schedule: "0 9 * * 1"
    to: {chats: [1]}
  sweep:
    kind: sweep
    schedule: "0 10 * * 1"
    min_members: 5
    max_members: 2
"""


def test_the_job_kinds_explain_their_fields_in_russian(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")
    path = tmp_path / "jobs.yaml"
    path.write_text(BROKEN_KINDS, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path, env={})
    found = {p.path: p.message for p in info.value.problems}
    assert "укажите хотя бы один чат" in found["jobs.digest.to"]
    assert "неизвестный период 'previos_week' — может быть, 'previous_week'?" in found[
        "jobs.digest.window"]
    assert "имя источника 'title' уже занято" in found["jobs.digest.sources"]
    assert "неправильное регулярное выражение" in found["jobs.report.exclude.names[0]"]  # the very pattern
    assert "конец (2026-01-01) раньше начала (2026-02-01)" in found["jobs.report.period"]
    assert "в шаблоне названия синтаксическая ошибка" in found["jobs.meeting.name"]
    assert "чат указан дважды" in found["jobs.export.chat_ids"]
    assert "укажите ровно одно из двух: `text` или `template`" in found["jobs.note"]
    assert "min_members не может быть больше max_members" in found["jobs.sweep.max_members"]
    assert "нужно не меньше 1, а указано: 0" in found["jobs.report.top"]
    assert "нужен адрес http:// или https://" in found["jobs.crm.sources.crm.url"]
    for problem in info.value.problems:
        assert CYRILLIC.search(problem.message), str(problem)
        assert not any(phrase in problem.message for phrase in ENGLISH), str(problem)


def test_a_template_mistake_is_explained_in_russian(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "note.md.j2").write_text("Привет, {{ vars.nmae }}!")
    (tmp_path / "jobs.yaml").write_text(textwrap.dedent("""\
        jobs:
          note:
            kind: message
            schedule: "0 9 * * 1"
            to: {chats: [1]}
            template: note.md.j2
            vars: {name: Мир}
          other:
            kind: message
            schedule: "0 9 * * 1"
            to: {chats: [1]}
            template: missing.md.j2
        """), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        validate(tmp_path / "jobs.yaml", env={})
    messages = [p.message for p in info.value.problems]
    assert any("'vars.nmae' не определено — может быть, 'name'? — в vars есть: name"
               " (задание 'note')" in m
               for m in messages), messages
    assert any("шаблона 'missing.md.j2' нет в папке" in m for m in messages), messages


def test_validate_speaks_russian_under_pachca_runner_lang_ru(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text("jobs:\n  a:\n    kind: message\n    shedule: '0 25 * * *'\n"
                    "    to: {chats: [1]}\n    text: x\n    timeout: soon\n", encoding="utf-8")
    env = {"PACHCA_RUNNER_CATALOGUE": str(path)}

    russian = CliRunner().invoke(main, ["validate"], env={**env, "PACHCA_RUNNER_LANG": "ru"})
    english = CliRunner().invoke(main, ["validate"], env=env)

    assert russian.exit_code == english.exit_code == 2
    assert ("ошибка: " + str(path) + ":4:5: jobs.a.shedule: неизвестное поле 'shedule'"
            " — может быть, 'schedule'?") in russian.output
    assert "найдено проблем: 2; ничего не запущено." in russian.output
    assert "unknown field 'shedule' — did you mean 'schedule'?" in english.output
    assert "2 problems found; nothing was run." in english.output
