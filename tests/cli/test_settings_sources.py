"""Settings as an operator gives them: ``.env`` beside the process, the environment, and
the documented ``PACHCA_RUNNER_*`` variables that shape how the catalogue is read."""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from runner.cli import main

DIGEST = """\
timezone: Europe/Moscow
jobs:
  digest:
    kind: message
    schedule: "0 9 * * 1"
    to: {chats: ["${DIGEST_CHAT_ID:-FALLBACK}"]}
    text: "Сводка"
"""


def group_chats(workspace, n: int) -> list[int]:
    chats = httpx.get(f"{workspace.base_url}/chats", params={"personal": "false", "limit": 10},
                      headers={"Authorization": f"Bearer {workspace.owner_token}"}).json()
    return [int(c["id"]) for c in chats["data"]][:n]


def cli(env: dict[str, str], *args: str):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def env(workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The runner started in ``tmp_path`` (where its ``.env`` is looked for)."""
    monkeypatch.chdir(tmp_path)
    return {"PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
            "PACHCA_RUNNER_SERVER_PORT": "0", "PACHCA_TOKEN": None,  # type: ignore[dict-item]
            "PACHCA_BASE_URL": None, "DIGEST_CHAT_ID": None}  # type: ignore[dict-item]


def test_catalogue_variables_read_dotenv_after_the_environment(workspace, tmp_path, env):
    fallback, from_file, from_env = group_chats(workspace, 3)
    (tmp_path / "jobs.yaml").write_text(DIGEST.replace("FALLBACK", str(fallback)), "utf-8")
    (tmp_path / ".env").write_text(textwrap.dedent(f"""\
        PACHCA_TOKEN={workspace.owner_token}
        PACHCA_BASE_URL={workspace.base_url}
        DIGEST_CHAT_ID={from_file}
        """), encoding="utf-8")

    from_dotenv = cli(env, "run-job", "digest", "--dry-run")
    assert from_dotenv.exit_code == 0, from_dotenv.output
    assert f"would post to chat {from_file}" in from_dotenv.output

    overridden = cli(dict(env, DIGEST_CHAT_ID=str(from_env)), "run-job", "digest", "--dry-run")
    assert f"would post to chat {from_env}" in overridden.output  # the environment wins


def test_templates_dir_setting_is_where_templates_are_read(workspace, tmp_path, env):
    (tmp_path / "jobs.yaml").write_text(textwrap.dedent("""\
        jobs:
          notice:
            kind: message
            schedule: "0 9 * * 1"
            to: {chats: [1]}
            template: notice.md.j2
        """), encoding="utf-8")
    shared = tmp_path / "shared-templates"
    shared.mkdir()
    (shared / "notice.md.j2").write_text("Объявление", encoding="utf-8")

    without = cli(env, "validate")
    assert without.exit_code == 2 and "notice.md.j2" in without.output
    given = cli(dict(env, PACHCA_RUNNER_TEMPLATES_DIR=str(shared)), "validate")
    assert given.exit_code == 0, given.output


def test_timezone_setting_is_the_zone_of_a_catalogue_that_names_none(tmp_path, env):
    (tmp_path / "jobs.yaml").write_text(textwrap.dedent("""\
        jobs:
          morning:
            kind: message
            schedule: "0 9 * * *"
            to: {chats: [1]}
            text: "Доброе утро"
        """), encoding="utf-8")

    in_utc = cli(env, "jobs", "--from", "2026-12-01T00:00")
    in_msk = cli(dict(env, PACHCA_RUNNER_TIMEZONE="Europe/Moscow"), "jobs", "--from",
                 "2026-12-01T00:00")
    assert in_utc.exit_code == 0 and in_msk.exit_code == 0, in_utc.output + in_msk.output
    assert "09:00 UTC" in in_utc.output
    assert "09:00 MSK" in in_msk.output

    wrong = cli(dict(env, PACHCA_RUNNER_TIMEZONE="Europe/Moskow"), "jobs")
    assert wrong.exit_code == 2 and "Europe/Moscow" in wrong.output  # suggests the right one
