"""``preview``: the message as people will see it in Pachca, from live data, posting nothing."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import CliRunner

from runner.cli import main

CATALOGUE = """\
timezone: Europe/Moscow
jobs:
  notice:
    kind: message
    schedule: "0 9 * * 1"
    to: {chats: [CHAT]}
    text: |
      **Важно:** с понедельника новый [регламент](https://wiki.example.com/rules).
      Вопросы — в этот чат.
"""


def test_preview_shows_the_markdown_rendered_with_link_addresses(workspace, tmp_path: Path):
    chats = httpx.get(f"{workspace.base_url}/chats", params={"personal": "false", "limit": 1},
                      headers={"Authorization": f"Bearer {workspace.owner_token}"}).json()
    (tmp_path / "jobs.yaml").write_text(CATALOGUE.replace("CHAT", str(chats["data"][0]["id"])),
                                        encoding="utf-8")
    env = {"PACHCA_TOKEN": workspace.owner_token, "PACHCA_BASE_URL": workspace.base_url,
           "PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
           "PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"),
           "PACHCA_RUNNER_SERVER_PORT": "0"}

    result = CliRunner().invoke(main, ["preview", "notice"], env=env, catch_exceptions=False)

    assert result.exit_code == 0, result.output
    out = result.output
    assert "Важно: с понедельника новый регламент (https://wiki.example.com/rules)." in out
    assert "**" not in out  # rendered, not shown as markup
    lines = out.splitlines()
    assert lines.index(next(x for x in lines if "Вопросы — в этот чат." in x)) == lines.index(
        next(x for x in lines if "Важно:" in x)) + 1  # Pachca keeps single line breaks
