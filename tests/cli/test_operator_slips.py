"""What an operator who is not a developer meets first, in Russian: a folder with no
jobs.yaml yet, a state URL whose folder was never made, the lines ``workspace serve``
prints to be pasted into a shell, a misspelt filter. Each is one line of ours that says
what to do, not what the system library said in English.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import main


def cli(env: dict[str, str], *args: str):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def ru(tmp_path: Path) -> dict[str, str]:
    return {
        "PACHCA_RUNNER_LANG": "ru",
        "PACHCA_TOKEN": "",
        "PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"),
        "PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
        "PACHCA_RUNNER_SERVER_PORT": "0",
    }


@pytest.mark.parametrize("command", [["validate"], ["jobs"], ["run"], ["run-job", "a"]])
def test_no_catalogue_yet_says_how_to_start_one(ru, command):
    result = cli(ru, *command)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [
        "ошибка: " + ru["PACHCA_RUNNER_CATALOGUE"] + ": такого файла нет — создайте его"
        " командой `pachca-runner init` или укажите свой через -c ФАЙЛ или"
        " PACHCA_RUNNER_CATALOGUE"
    ]


def test_no_catalogue_yet_in_english(ru):
    result = cli({**ru, "PACHCA_RUNNER_LANG": "en"}, "validate")
    assert result.exit_code == 2
    assert "No such file" not in result.output
    assert "there is no such file — start one with `pachca-runner init`" in result.output
