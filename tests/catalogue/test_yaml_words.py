"""YAML mistakes explained in the operator's language, and a ' #' that cuts a text.

The located English lines of the broken-file corpus are checked by
tests/reliability/test_bad_input.py; here the same files are validated under
PACHCA_RUNNER_LANG=ru and the line must be Russian at the same place.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import main
from tests.reliability.test_bad_input import CORPUS, EXPECTED

YAML_CASES = sorted(name for name in EXPECTED if name.startswith("yaml-"))
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")


def validate(path: Path, lang: str = "en") -> tuple[int, str]:
    env = {"PACHCA_RUNNER_CATALOGUE": str(path), "PACHCA_TOKEN": "", "PACHCA_RUNNER_LANG": lang}
    result = CliRunner().invoke(main, ["validate", "--offline"], env=env)
    return result.exit_code, result.output


# Words Russian operators' texts use as they are.
NAMES = {"YAML", "cron", "id", "URL", "http", "https", "true", "false"}


def latin_words(line: str) -> list[str]:
    """English words left in a Russian line, outside quotes, names, paths and the place."""
    sentence = re.sub(r"^\S*?: ", "", line)  # "ошибка: "
    sentence = re.sub(r"^\S*jobs\.yaml(:[\d:]+)?:? ", "", sentence)  # the file and line
    sentence = re.sub(r"^[\w.\[\]\\]+: ", "", sentence)  # the field's path
    sentence = _QUOTED.sub("", sentence)
    sentence = re.sub(r"допустимые значения: [^;]*;", "", sentence)  # the options' names
    sentence = re.sub(r"\S*[/\\]\S*|\b[\w-]+\.(?:yaml|md|j2)\b|\b\w+:", "", sentence)
    sentence = re.sub(r"\b[A-Z][A-Z0-9_]+\b|--[\w-]+|pachca-runner|\.env\b", "", sentence)
    return [w for w in re.findall(r"[A-Za-z]{2,}", sentence) if w not in NAMES]


@pytest.mark.parametrize("name", YAML_CASES)
def test_yaml_mistakes_are_explained_in_russian_at_the_same_place(
    name: str, tmp_path: Path
) -> None:
    path = tmp_path / "jobs.yaml"
    shutil.copyfile(CORPUS / f"{name}.yaml", path)
    code, out = validate(path, "ru")
    assert code == 2, out
    (line,) = [x for x in out.splitlines() if x.startswith("ошибка: ")]
    assert f"jobs.yaml:{EXPECTED[name]['where'].split(':', 1)[1]}" in line
    assert not latin_words(line), line


def test_the_sample_mistakes_of_the_issue(tmp_path: Path) -> None:
    lines = ["timezone: Europe/Moscow", "jobs:"]
    for i in range(20):
        lines += [f"  job-{i}:", "    kind: message", '    schedule: "0 9 * * 1-5"',
                  "    to: {chats: [101]}", f'    text: "Задание {i}"']
    lines[84 - 1] = '    text: "Задание без конца'
    path = tmp_path / "jobs.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = validate(path)
    assert code == 2
    assert "jobs.yaml:84:11: the quote \" opened on line 84 is never closed" in out


def test_a_hash_that_cuts_a_text_is_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "jobs:\n  a:\n    kind: message  # a comment, not a warning\n"
        "    schedule: \"0 9 * * 1-5\" # weekdays\n    to: {chats: [101]}\n"
        "    text: Задача #123 готова\n  b:\n    kind: message\n"
        "    schedule: \"0 9 * * 1-5\"\n    to: {chats: [101]}\n"
        "    text: \"Задача #124 готова\"\n  c:\n    kind: message\n"
        "    schedule: \"0 9 * * 1-5\"\n    to: {chats: [101]}\n"
        "    text: Привет # всем\n",
        encoding="utf-8",
    )
    code, out = validate(path)
    assert code == 0, out
    warnings = [x for x in out.splitlines() if x.startswith("warning: ")]
    assert len(warnings) == 2, out
    assert "jobs.yaml:6:18: jobs.a.text: ' #' starts a comment" in warnings[0]
    assert "'#123 готова'" in warnings[0] and "in quotes" in warnings[0]
    assert "jobs.yaml:16:18: jobs.c.text:" in warnings[1]
    code, out = validate(path, "ru")
    assert code == 0 and "предупреждение: " in out and "в кавычки" in out
