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


def chats_looked_up(workspace, *args: str, env: dict[str, str]) -> set[int]:
    """The chats a dry run read from the workspace (its lines name the ${VAR}, not the
    value, which stays out of what the runner prints)."""
    log = f"{workspace.root_url}/_workspace/requests"
    mark = httpx.get(log, params={"since": 1 << 30}).json()["total"]
    result = cli(env, *args)
    assert result.exit_code == 0, result.output
    requests = httpx.get(log, params={"since": mark}).json()["requests"]
    return {int(r["path"].rsplit("/", 1)[1]) for r in requests
            if r["method"] == "GET" and r["path"].rsplit("/", 2)[1] == "chats"}


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

    assert chats_looked_up(workspace, "run-job", "digest", "--dry-run", env=env) == {from_file}
    overridden = dict(env, DIGEST_CHAT_ID=str(from_env))
    assert chats_looked_up(workspace, "run-job", "digest", "--dry-run", env=overridden) == {
        from_env}  # the environment wins


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

    assert chats_looked_up(workspace, "run-job", "digest", "--dry-run", env=env) == {
        from_file}  # the default's own ${VAR}
    outer = dict(env, TEAM_CHAT_ID=str(from_env))
    assert chats_looked_up(workspace, "run-job", "digest", "--dry-run", env=outer) == {from_env}
