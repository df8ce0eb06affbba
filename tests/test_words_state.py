"""The state store's, the server's and the console accounts' errors speak the operator's
language: Russian under PACHCA_RUNNER_LANG=ru, English (as it always read) otherwise.

Provoked through the real CLI: a state URL of an unsupported kind, a state store that
cannot be opened (a folder where the database file should be), a console user entry
that is not name:role:hash.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner import words
from runner.cli import main
from runner.errors import SettingsError
from runner.settings import Settings
from runner.web.auth import accounts
from tests.catalogue.test_yaml_words import latin_words

REPO = Path(__file__).resolve().parents[1]
CATALOGUE = """\
jobs:
  notice:
    kind: message
    schedule: "0 9 * * 1-5"
    to: {chats: [101]}
    text: Готово
"""
MYSQL = "mysql://root:hunter2@db.example/state"
MASKED = "mysql://root:***@db.example/state"


def errors(tmp_path: Path, lang: str, *args: str, **env: str) -> tuple[int, list[str]]:
    """``pachca-runner ARGS`` on a one-job catalogue: exit code and the error lines."""
    (tmp_path / "jobs.yaml").write_text(CATALOGUE, encoding="utf-8")
    full = {"PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"), "PACHCA_TOKEN": "",
            "PACHCA_RUNNER_LANG": lang, **env}
    result = CliRunner().invoke(main, list(args), env=full)
    return result.exit_code, [line for line in result.output.splitlines() if line.strip()]


@pytest.mark.parametrize("command", ["jobs", "history", "pause"])
def test_an_unsupported_state_url_is_told_in_russian_with_its_password_masked(
    tmp_path: Path, command: str
) -> None:
    args = (command, "notice") if command == "pause" else (command,)
    code, lines = errors(tmp_path, "ru", *args, PACHCA_RUNNER_STATE_URL=MYSQL)
    assert code == 2, lines
    assert lines == [(f"ошибка: адрес хранилища состояния '{MASKED}' не поддерживается:"
                     " укажите sqlite:///ФАЙЛ или postgresql://...")]
    assert not latin_words(lines[0]), lines


def test_an_unsupported_state_url_reads_as_before_in_english(tmp_path: Path) -> None:
    code, lines = errors(tmp_path, "en", "history", PACHCA_RUNNER_STATE_URL=MYSQL)
    assert code == 2
    assert lines == [(f"error: unsupported state URL '{MASKED}':"
                     " use sqlite:///FILE or postgresql://...")]


@pytest.mark.parametrize("command", ["jobs", "history"])
def test_a_state_url_that_is_not_a_url_is_one_line_not_a_traceback(
    tmp_path: Path, command: str
) -> None:
    code, lines = errors(tmp_path, "en", command, PACHCA_RUNNER_STATE_URL="not a url")
    assert code == 2, lines
    assert lines == ["error: invalid state URL 'not a url'"]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_state_store_that_cannot_be_opened_is_told_in_the_chosen_language(
    tmp_path: Path, lang: str
) -> None:
    folder = tmp_path / "state.db"
    folder.mkdir()  # a folder where the database file should be: SQLite cannot open it
    url = f"sqlite:///{folder}"
    code, lines = errors(tmp_path, lang, "jobs", PACHCA_RUNNER_STATE_URL=url)
    assert code == 2, lines
    (line,) = lines
    ours, _, library = line.rpartition(": ")  # SQLite's own words come last, after ours
    expected = {"ru": f"ошибка: не удаётся открыть хранилище состояния '{url}'",
                "en": f"error: cannot use state store '{url}'"}
    assert ours == expected[lang], line
    assert library  # what SQLite said, so the operator can look it up
    if lang == "ru":
        assert not latin_words(ours), line


def run_daemon(tmp_path: Path, lang: str, users: str) -> subprocess.CompletedProcess[str]:
    """``pachca-runner run`` with the console on and PACHCA_RUNNER_CONSOLE_USERS set: the
    accounts are read when the console is built, before any job is scheduled. The bot's
    id is given, so nothing is asked of Pachca before that."""
    (tmp_path / "jobs.yaml").write_text(CATALOGUE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PACHCA_RUNNER_LANG": lang,
           "PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"), "PACHCA_TOKEN": "t",
           "PACHCA_RUNNER_BOT_USER_ID": "1", "PACHCA_RUNNER_CONSOLE": "true",
           "PACHCA_RUNNER_CONSOLE_USERS": users, "PACHCA_RUNNER_SERVER_PORT": "0",
           "PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}"}
    return subprocess.run([sys.executable, "-m", "runner", "run"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ru", "ошибка: PACHCA_RUNNER_CONSOLE_USERS: 'anna…' — нужно имя:роль:хеш"),
     ("en", "error: PACHCA_RUNNER_CONSOLE_USERS: 'anna…' is not name:role:hash")],
)
def test_a_bad_console_user_entry_stops_the_daemon_in_the_chosen_language(
    tmp_path: Path, lang: str, expected: str
) -> None:
    done = run_daemon(tmp_path, lang, "anna")
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1] == expected, lines
    if lang == "ru":
        assert not [line for line in lines if latin_words(line)], lines


ARGON2 = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


@pytest.mark.parametrize(
    ("users", "ru", "en"),
    [(f"anna:boss:{ARGON2}", "роли 'boss' нет, есть только viewer, operator",
      "role 'boss' is not one of viewer, operator"),
     ("anna:operator:plain", "это не хеш argon2 или bcrypt",
      "not an argon2 or bcrypt hash"),
     (f"anna:viewer:{ARGON2} anna:operator:{ARGON2}", "имя указано дважды",
      "the name is listed twice")],
)
def test_every_console_user_mistake_has_its_russian(users: str, ru: str, en: str) -> None:
    for lang, wanted, entry in (("ru", ru, "PACHCA_RUNNER_CONSOLE_USERS, запись 'anna': "),
                                ("en", en, "PACHCA_RUNNER_CONSOLE_USERS entry 'anna': ")):
        words.use(lang)
        try:
            with pytest.raises(SettingsError) as caught:
                accounts(Settings(console_users=users))
        finally:
            words.use(None)
        assert str(caught.value).startswith(entry + wanted), caught.value
