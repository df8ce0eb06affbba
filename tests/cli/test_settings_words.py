"""Settings mistakes in words: the variable named, the value (when harmless), the fix."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from runner.cli import main

BAD = [
    ({"PACHCA_RUNNER_SERVER_PORT": "abc"},
     "PACHCA_RUNNER_SERVER_PORT: must be a whole number, got 'abc'",
     "PACHCA_RUNNER_SERVER_PORT: нужно целое число, а указано: 'abc'"),
    ({"PACHCA_RUNNER_LOG_FORMAT": "xml"},
     "PACHCA_RUNNER_LOG_FORMAT: must be one of text, json; got 'xml'",
     "PACHCA_RUNNER_LOG_FORMAT: допустимые значения: text, json; указано 'xml'"),
    ({"PACHCA_RUNNER_LOG_FORMAT": "jsn"},
     "PACHCA_RUNNER_LOG_FORMAT: must be one of text, json; got 'jsn' — did you mean 'json'?",
     ("PACHCA_RUNNER_LOG_FORMAT: допустимые значения: text, json; указано 'jsn' — может быть,"
      " 'json'?")),
    ({"PACHCA_RUNNER_CONSOLE": "maybe"},
     "PACHCA_RUNNER_CONSOLE: must be true or false, got 'maybe'",
     "PACHCA_RUNNER_CONSOLE: нужно true или false, а указано: 'maybe'"),
    ({"PACHCA_RUNNER_REQUEST_TIMEOUT": "-1"},
     "PACHCA_RUNNER_REQUEST_TIMEOUT: must be more than 0",
     "PACHCA_RUNNER_REQUEST_TIMEOUT: нужно больше 0"),
    # An aliased setting is named as operators write it, not as PACHCA_RUNNER_<alias>;
    # the value is not echoed (a token pasted into it would be shown).
    ({"PACHCA_BASE_URL": "api.pachca.com/s3cr3t-value"},
     "PACHCA_BASE_URL: must be an http(s) address such as https://api.pachca.com/api/shared/v1",
     "PACHCA_BASE_URL: нужен адрес http(s), например https://api.pachca.com/api/shared/v1"),
    ({"PACHCA_BASE_URL": "ftp://files.example.com/s3cr3t-value"},
     "PACHCA_BASE_URL: must be an http(s) address such as https://api.pachca.com/api/shared/v1",
     "PACHCA_BASE_URL: нужен адрес http(s), например https://api.pachca.com/api/shared/v1"),
    ({"PACHCA_RUNNER_LEASE": "https://hooks.example.com/s3cr3t-value"},
     "PACHCA_RUNNER_LEASE: must be a number, got the value of PACHCA_RUNNER_LEASE",
     "PACHCA_RUNNER_LEASE: нужно число, а указано: значение PACHCA_RUNNER_LEASE"),
]


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"PACHCA_TOKEN": "", **env})
    return result.exit_code, result.output


@pytest.mark.parametrize(("env", "en", "ru"), BAD)
def test_a_bad_setting_is_one_line_naming_the_variable(
    env: dict[str, str], en: str, ru: str
) -> None:
    code, out = run(env, "jobs")
    assert code == 2
    assert out.startswith(f"error: {en}") and "fix it in the environment or in .env" in out
    assert "Input should" not in out and "s3cr3t" not in out
    code, out = run({**env, "PACHCA_RUNNER_LANG": "ru"}, "jobs")
    assert code == 2 and out.startswith(f"ошибка: {ru}"), out
    assert "исправьте в окружении или в .env" in out


@pytest.mark.parametrize("value", ["de", "english", "fr_FR.UTF-8"])
def test_an_unknown_language_is_refused(value: str) -> None:
    code, out = run({"PACHCA_RUNNER_LANG": value}, "jobs")
    assert code == 2
    assert f"error: PACHCA_RUNNER_LANG: must be ru or en, got '{value}'" in out


@pytest.mark.parametrize(
    ("value", "start"), [("ru", "ошибка: "), ("RU", "ошибка: "), ("en", "error: "),
                         ("ru_RU.UTF-8", "ошибка: ")],
)
def test_a_known_language_is_taken(value: str, start: str) -> None:
    env = {"PACHCA_RUNNER_LANG": value, "PACHCA_RUNNER_CATALOGUE": "/nonexistent/jobs.yaml"}
    code, out = run(env, "validate", "--offline")
    assert code == 2 and out.startswith(start) and "PACHCA_RUNNER_LANG" not in out, out


def test_cannot_connect_names_the_address_and_the_setting() -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/shared/v1"
    env = {"PACHCA_TOKEN": "t0ken", "PACHCA_BASE_URL": f"http://user:pw@127.0.0.1:{port}"
           "/api/shared/v1?k=v", "PACHCA_RUNNER_CATALOGUE": "jobs.yaml"}
    code, out = run(env, "validate")
    assert code != 0
    assert f"cannot connect to {url} (set by PACHCA_BASE_URL)" in out, out
    assert "pw" not in out and "k=v" not in out
    code, out = run({**env, "PACHCA_RUNNER_LANG": "ru"}, "validate")
    assert f"не удаётся подключиться к {url} (адрес задан в PACHCA_BASE_URL)" in out, out
