"""``--help`` of every command, and click's own messages, in the operator's language."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from runner import words
from runner.cli import main
from runner.words.help import HELP_RU
from tests.catalogue.test_yaml_words import latin_words

# Names a Russian help page keeps as they are: signals, formats, the catalogue's sections.
NAMES = {"JSON", "argon", "Ctrl", "alerts", "bot", "unfurl", "en", "ru", "jobs", "yaml"}


def commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command's path under ``group``, the group itself first."""
    found = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def english_in(output: str) -> list[str]:
    """English words of a help page beyond the command to type and the options' names."""
    kept = []
    for line in output.splitlines():
        if line.startswith("Запуск: "):
            continue  # the command to type
        text = line.strip()
        if line.startswith("  ") and "  " in text:
            text = text.split("  ", 1)[1]  # after a command's or an option's name
        kept.append(text)
    # One paragraph, so a `command` wrapped over two lines is still one quote.
    return [w for w in latin_words(" ".join(kept)) if w not in NAMES]


def help_of(path: tuple[str, ...], lang: str) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], env={"PACHCA_RUNNER_LANG": lang},
                                prog_name="pachca-runner", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", commands(main), ids=lambda p: " ".join(p) or "main")
def test_every_help_page_is_russian(path: tuple[str, ...]) -> None:
    page = help_of(path, "ru")
    assert page.startswith("Запуск: pachca-runner"), page
    assert "Параметры:" in page and "Показать эту справку и выйти." in page, page
    assert not english_in(page), (english_in(page), page)
    # and English stays English in the same process
    assert help_of(path, "en").startswith("Usage: pachca-runner")


def test_every_help_text_has_its_russian() -> None:
    """A new command or option, or an edited English help, needs its Russian text."""
    missing = []
    for path in commands(main):
        command = main
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        missing += [t for t in command.english_texts() if " ".join(t.split()) not in HELP_RU]
    assert not missing, missing


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["histori"], "Ошибка: Нет такой команды 'histori'."),
     (["undo"], "Ошибка: Не указан аргумент 'RUN_ID'."),
     (["history", "--limit", "x"], "Ошибка: Недопустимое значение '--limit' / '-n': 'x' — не число."),
     (["jobs", "--colour"], "Ошибка: Нет такого параметра")],
)
def test_usage_mistakes_are_russian(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(main, args, env={"PACHCA_RUNNER_LANG": "ru"},
                                prog_name="pachca-runner")
    assert result.exit_code == 2
    assert expected in result.output, result.output
    assert "Справка: 'pachca-runner" in result.output, result.output


def test_english_usage_mistakes_stay_english() -> None:
    words.use(None)
    result = CliRunner().invoke(main, ["undo"], env={"PACHCA_RUNNER_LANG": "en"},
                                prog_name="pachca-runner")
    assert "Error: Missing argument 'RUN_ID'." in result.output, result.output
