"""What an operator who is not a developer meets first, in Russian: a folder with no
jobs.yaml yet, a state URL whose folder was never made, the lines ``workspace serve``
prints to be pasted into a shell, a misspelt filter. Each is one line of ours that says
what to do, not what the system library said in English.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from runner.cli import main
from runner.demo import runner_variables
from tests.cli.test_serve import _printed

REPO = Path(__file__).resolve().parents[2]


def cli(env: dict[str, str], *args: str):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def one_job(folder: Path) -> None:
    """A jobs.yaml with one valid job, 'a' (its chat need not exist)."""
    (folder / "jobs.yaml").write_text(textwrap.dedent("""\
        jobs:
          a:
            kind: message
            schedule: "0 9 * * *"
            to: {chats: [1]}
            text: Привет
        """), encoding="utf-8")


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
        "ошибка: " + ru["PACHCA_RUNNER_CATALOGUE"] + ": такого файла нет — проверьте путь"
        " (-c ФАЙЛ, PACHCA_RUNNER_CATALOGUE) или начните каталог командой `pachca-runner init`"
    ]


def test_no_catalogue_yet_in_english(ru):
    result = cli({**ru, "PACHCA_RUNNER_LANG": "en"}, "validate")
    assert result.exit_code == 2
    assert "No such file" not in result.output
    assert "there is no such file — check the path (-c FILE" in result.output


@pytest.mark.parametrize("command", [["history"], ["pause", "a"], ["run-job", "a", "--dry-run"]])
def test_a_state_folder_that_does_not_exist_is_named(ru, tmp_path, command):
    one_job(tmp_path)
    missing = tmp_path / "var" / "lib"
    env = {**ru, "PACHCA_RUNNER_STATE_URL": f"sqlite:///{missing / 'state.db'}"}
    result = cli(env, *command)
    assert result.exit_code != 0
    assert "unable to open" not in result.output
    assert (f"папки {missing} нет — создайте её или укажите в PACHCA_RUNNER_STATE_URL файл"
            " в существующей папке") in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not missing.exists()  # it names the folder, it does not make it


@pytest.fixture
def served_in_russian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """``workspace serve`` as a process under PACHCA_RUNNER_LANG=ru; ``_printed`` checks
    that it printed exactly ``runner_variables``, here made in Russian too."""
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")
    yield from _printed(["workspace", "serve", "--port", "0"], tmp_path, timeout=60)


def test_workspace_serve_comments_its_variables_in_russian(served_in_russian):
    info = {"base_url": served_in_russian["PACHCA_BASE_URL"], "tokens": {
        "bot": served_in_russian["PACHCA_TOKEN"],
        "owner": served_in_russian["PACHCA_EXPORT_TOKEN"]}}
    comments = [line.partition("#")[2].strip() for line in runner_variables(info) if "#" in line]
    assert comments == ["бот", "Владелец (выгрузки)"]
    assert not any(re.search(r"[A-Za-z]", comment) for comment in comments)


def test_pause_and_resume_speak_of_a_job_as_jobs_does(ru, tmp_path):
    """«задание» is neuter: `jobs` says «приостановлено», and so do `pause` and `resume`."""
    one_job(tmp_path)
    paused = cli(ru, "pause", "a", "--reason", "отпуск")
    assert paused.exit_code == 0
    assert paused.output.startswith("a: приостановлено; запуски по расписанию пропускаются")
    assert "приостановлено (" in cli(ru, "jobs").output
    assert cli(ru, "resume", "a").output.strip() == "a: возобновлено; снова запускается по расписанию"
    again = cli(ru, "resume", "a")
    assert "a не было приостановлено" in again.output


def test_a_wrong_token_is_told_in_russian_with_pachcas_words_quoted(ru, tmp_path, workspace):
    """Pachca's OAuth answer is English: quoted as its other errors are, never bare; and
    the wrong token itself is not repeated."""
    one_job(tmp_path)
    env = {**ru, "PACHCA_TOKEN": "wrong-token-4711", "PACHCA_BASE_URL": workspace.base_url}
    result = cli(env, "validate")
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("ошибка: Пачка отказала (401) на GET /oauth/token/info: токен не"
                           " принят (Пачка ответила «")
    assert line.endswith("»): проверьте PACHCA_TOKEN")
    assert "wrong-token-4711" not in result.output


def test_a_schedule_in_words_is_shown_a_cron_line_and_an_interval(ru, tmp_path):
    """«каждый день в 9» is a daily time, not an interval: the hint shows both forms."""
    (tmp_path / "jobs.yaml").write_text(textwrap.dedent("""\
        jobs:
          a:
            kind: message
            schedule: каждый день в 9
            to: {chats: [1]}
            text: Привет
        """), encoding="utf-8")
    result = cli(ru, "validate")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        (f"ошибка: {tmp_path / 'jobs.yaml'}:4:15: jobs.a.schedule: напишите строку cron,"
        ' например "0 9 * * *" (каждый день в 09:00), или {every: 5m}, чтобы повторять через'
        " промежуток"),
    ]


def test_recipients_that_cannot_be_reached_are_counted_in_good_russian(ru, tmp_path, workspace):
    """Not «нельзя отправить 1 из 2 получателям»: after «из» the noun is genitive, so the
    count goes in brackets and the sentence stays right for any number."""
    chats = httpx.get(f"{workspace.base_url}/chats", params={"personal": "false", "limit": 1},
                      headers={"Authorization": f"Bearer {workspace.owner_token}"}).json()["data"]
    (tmp_path / "jobs.yaml").write_text(textwrap.dedent(f"""\
        jobs:
          a:
            kind: message
            schedule: "0 9 * * *"
            to: {{chats: [{chats[0]["id"]}, 999999]}}
            text: Привет
        """), encoding="utf-8")
    env = {**ru, "PACHCA_TOKEN": workspace.owner_token, "PACHCA_BASE_URL": workspace.base_url}
    result = cli(env, "run-job", "a")
    assert result.exit_code == 1
    # refused before posting (checked) or by Pachca (posted to the other): one wording
    assert re.search(r"✗ a: ошибка: (нельзя|не удалось) отправить получателям \(1 из 2\): ",
                     result.output)
    assert "получателям:" not in result.output


def _in_folder(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m runner ARGS`` in ``folder`` with no language in the environment."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PACHCA_", "LC_", "LANG"))}
    return subprocess.run([sys.executable, "-m", "runner", *args], check=False, cwd=folder,
                          text=True, capture_output=True, timeout=120,
                          env={**clean, "PYTHONPATH": str(REPO)})


def test_the_language_set_in_dotenv_is_spoken_from_the_first_line(tmp_path):
    """The guide puts PACHCA_RUNNER_LANG=ru in .env: --help, click's usage errors and the
    settings' own errors come before any command runs, and are Russian too."""
    (tmp_path / ".env").write_text("PACHCA_RUNNER_LANG=ru\n", encoding="utf-8")
    assert _in_folder(tmp_path, "--help").stdout.startswith("Запуск: python -m runner")
    assert "Не указан аргумент 'NAME'" in _in_folder(tmp_path, "run-job").stderr
    (tmp_path / ".env").write_text("PACHCA_RUNNER_LANG=ru\nPACHCA_RUNNER_SERVER_PORT=abc\n",
                                   encoding="utf-8")
    assert _in_folder(tmp_path, "validate").stderr.strip() == (
        "ошибка: PACHCA_RUNNER_SERVER_PORT: нужно целое число, а указано: 'abc' — исправьте"
        " в окружении или в .env")
    # the environment still wins over .env
    english = subprocess.run([sys.executable, "-m", "runner", "--help"], check=False,
                             cwd=tmp_path, text=True, capture_output=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(REPO),
                                  "PACHCA_RUNNER_LANG": "en"})
    assert english.stdout.startswith("Usage: python -m runner")
