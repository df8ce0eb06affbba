"""``${VAR}`` in the catalogue reads what the settings read: the environment, then ``.env``
beside the process (what each documented variable does: ``test_every_setting.py``)."""

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


def test_a_nested_default_reads_dotenv_too(workspace, tmp_path, env):
    fallback, from_file, from_env = group_chats(workspace, 3)
    (tmp_path / "jobs.yaml").write_text(DIGEST.replace(
        '"${DIGEST_CHAT_ID:-FALLBACK}"', f'"${{TEAM_CHAT_ID:-${{DIGEST_CHAT_ID:-{fallback}}}}}"'),
        "utf-8")
    (tmp_path / ".env").write_text(textwrap.dedent(f"""\
        PACHCA_TOKEN={workspace.owner_token}
        PACHCA_BASE_URL={workspace.base_url}
        DIGEST_CHAT_ID={from_file}
        """), encoding="utf-8")
    env = dict(env, TEAM_CHAT_ID=None)

    inner = cli(env, "run-job", "digest", "--dry-run")
    assert inner.exit_code == 0, inner.output
    assert f"would post to chat {from_file}" in inner.output  # the default's own ${VAR}

    outer = cli(dict(env, TEAM_CHAT_ID=str(from_env)), "run-job", "digest", "--dry-run")
    assert f"would post to chat {from_env}" in outer.output
