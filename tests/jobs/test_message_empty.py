"""A message whose template leaves nothing to say is not posted, and the run says so.

Pachca refuses an empty message, and a literal blank `text` is refused at `validate`
(a corpus case); a template's conditions can still make a fire's text empty.
"""

from __future__ import annotations

from pathlib import Path

from runner import words
from runner.workspace import WorkspaceServer
from tests.harness import Harness

CATALOGUE = """
    jobs:
      quiet:
        kind: message
        schedule: "0 10 * * 1"
        to: {{chats: [{chat}]}}
        text: "{{% if now.year < 2000 %}}Новогодний привет{{% endif %}}"
"""


async def test_an_empty_text_posts_nothing_and_says_so(
    workspace: WorkspaceServer, tmp_path: Path
) -> None:
    harness = Harness(workspace, tmp_path)
    chat = harness.control("POST", "chats", json={
        "user_id": workspace.store.owner_id,
        "chats": [{"name": "Тихий", "member_ids": [workspace.store.bot_id]}]},
    )["data"][0]["id"]
    harness.write_catalogue(CATALOGUE.format(chat=chat))
    mark = harness.mark()

    for dry_run in (True, False):
        outcome = await harness.run("quiet", dry_run=dry_run)

        assert outcome.status == "succeeded", outcome.error
        assert words.text("post.empty") in outcome.report.lines
        assert "posted" not in outcome.report.counts
    assert harness.writes(mark) == []
