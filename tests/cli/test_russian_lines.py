"""Under PACHCA_RUNNER_LANG=ru the lines validate and run-job print are Russian sentences.

English may appear only as names: files, fields, ids, variables, values in quotes,
options (``--offline``) and the command to type.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import main
from tests.catalogue.test_yaml_words import latin_words

REPO = Path(__file__).resolve().parents[2]
GOOD = """\
jobs:
  notice:
    kind: message
    schedule: "0 9 * * 1-5"
    to: {chats: [101]}
    text: Задача #123 готова
"""
BROKEN = {
    "template": GOOD.replace("Задача #123 готова", '"{{ jbo.name | ru_dat }}"'),
    "unsafe": GOOD.replace("Задача #123 готова", '"{{ {}.__class__ }}"'),
    "link": GOOD.replace("[101]", "[https://app.pachca.com/chats/12345]"),
    "cron": GOOD.replace("1-5", "1-9"),
    "yaml": GOOD.replace("    to:", "   to:"),
}


def run(tmp_path: Path, text: str, *args: str, **env: str) -> tuple[int, list[str]]:
    shutil.copytree(REPO / "templates", tmp_path / "templates", dirs_exist_ok=True)
    (tmp_path / "jobs.yaml").write_text(text, encoding="utf-8")
    full = {"PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"), "PACHCA_TOKEN": "",
            "PACHCA_RUNNER_LANG": "ru", **env}
    result = CliRunner().invoke(main, list(args), env=full)
    return result.exit_code, [line for line in result.output.splitlines() if line.strip()]


def english_in(lines: list[str]) -> list[str]:
    return [line for line in lines if latin_words(line)]


@pytest.mark.parametrize("args", [("validate", "--offline"), ("validate",)])
def test_a_valid_catalogue_is_told_in_russian(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, lines = run(tmp_path, GOOD, *args)
    assert code == 0
    assert lines[0].startswith("предупреждение: ")  # the ' #' that cuts the text
    assert "всё в порядке, заданий: 1" in lines[-1]
    assert not english_in(lines), lines


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("command", [("validate", "--offline"), ("run-job", "notice")])
def test_a_broken_catalogue_is_told_in_russian(
    tmp_path: Path, case: str, command: tuple[str, ...]
) -> None:
    code, lines = run(tmp_path, BROKEN[case], *command)
    assert code == 2, lines
    assert all(line.startswith(("ошибка: ", "найдено проблем")) for line in lines), lines
    assert not english_in(lines), lines


@pytest.mark.parametrize(
    "env",
    [{"PACHCA_RUNNER_SERVER_PORT": "abc"}, {"PACHCA_RUNNER_LOG_FORMAT": "xml"},
     {"PACHCA_RUNNER_LEASE": "-5"}, {"PACHCA_RUNNER_TIMEZONE": "Europe/Moskow"}],
)
def test_a_bad_setting_is_told_in_russian(tmp_path: Path, env: dict[str, str]) -> None:
    code, lines = run(tmp_path, GOOD, "validate", "--offline", **env)
    assert code == 2 and lines[0].startswith("ошибка: "), lines
    assert not english_in(lines), lines
