"""A value from ``${VAR}`` in a valid catalogue (a description, a chat's name, a text)
stays out of what the operator's commands print and of the run history: ``jobs``,
``preview``, ``run-job --dry-run`` and ``history show`` name the reference instead."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from runner.cli import main
from runner.workspace import WorkspaceServer

SECRET = "tagSECRET7c1d9e2f4a"
CATALOGUE = """\
jobs:
  notice:
    kind: message
    description: "Напоминание ${NOTICE_TAG}"
    schedule: "0 9 * * 1"
    to: {users: [USER]}
    text: "Привет, ${NOTICE_TAG}"
  sync:
    kind: chat_from_template
    schedule: "0 10 * * 1"
    name: "Планёрка ${NOTICE_TAG} {{ week }}"
    member_ids: [USER]
"""


def test_commands_and_history_show_the_reference_not_the_value(
    workspace: WorkspaceServer, tmp_path: Path
) -> None:
    user = workspace.store.owner_id
    (tmp_path / "jobs.yaml").write_text(CATALOGUE.replace("USER", str(user)), encoding="utf-8")
    env = {"PACHCA_TOKEN": workspace.bot_token, "PACHCA_BASE_URL": workspace.base_url,
           "PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
           "PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"),
           "PACHCA_RUNNER_SERVER_PORT": "0", "NOTICE_TAG": SECRET}
    outputs = {}
    for args in (["jobs"], ["preview", "notice"], ["preview", "sync"],
                 ["run-job", "sync", "--dry-run"]):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 0, result.output
        outputs[" ".join(args)] = result.output
    run_id = re.search(r"^\s*(\d+)\s+sync\b", CliRunner().invoke(
        main, ["history"], env=env).output, re.MULTILINE)
    assert run_id is not None
    outputs["history show"] = CliRunner().invoke(
        main, ["history", "show", run_id[1]], env=env).output

    assert "${NOTICE_TAG}" in outputs["jobs"]  # the description, as written
    assert "Планёрка ${NOTICE_TAG}" in outputs["run-job sync --dry-run"]
    assert "Планёрка ${NOTICE_TAG}" in outputs["history show"]
    assert {name: SECRET in out for name, out in outputs.items()} == dict.fromkeys(outputs, False)
