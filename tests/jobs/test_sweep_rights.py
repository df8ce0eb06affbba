"""A sweep run with a person's token: the chat role decides what it may archive, never the
workspace role (Pachca gives a workspace admin no rights in a chat it is a plain member of).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from runner.workspace import WorkspaceServer
from tests.cli.test_plan import cli
from tests.jobs.sweep_support import EMPTY, JOB, Sweep


@pytest.fixture
def sw(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Sweep]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield sweep
    sweep.close()


def _cli(sw: Sweep, *args: str) -> Result:
    """The CLI with the Owner's token (a person's token, a workspace admin)."""
    return cli(sw, *args, token=sw.ws.owner_token)


def _chat_with_the_owner(sw: Sweep, name: str, role: str) -> int:
    """A chat the bot made with people and the Owner in it, the Owner given ``role``."""
    owner = sw.ws.store.owner_id
    made = sw.control("POST", "chats", json={"user_id": sw.bot, "chats": [
        {"name": name, "member_ids": [*sw.people(2), owner]}]})
    chat_id = int(made["data"][0]["id"])
    sw.control("POST", "chat_roles", json={"chat_id": chat_id, "user_id": owner, "role": role})
    return chat_id


def test_a_workspace_admin_that_is_a_plain_member_skips_the_chat_and_posts_nothing(
    sw: Sweep,
) -> None:
    owner = sw.ws.store.owner_id
    assert sw.ws.call(lambda: sw.ws.store.users[owner].role) == "admin"
    plain = _chat_with_the_owner(sw, "Тихий чат", "member")
    managed = _chat_with_the_owner(sw, "Тихий проект", "admin")
    sw.advance(100)
    sw.job(warn_days=7)

    # plan: the operator sees the skip and its reason before anything runs
    planned = _cli(sw, "plan", JOB)
    assert planned.exit_code == 0, planned.output
    lines = planned.output.splitlines()
    assert any(line.split()[:1] == ["skip"] and "«Тихий чат»" in line
               and "may not archive" in line for line in lines), planned.output
    assert any(line.split()[:1] == ["warn"] and "«Тихий проект»" in line
               for line in lines), planned.output

    # the run: warns where the Owner is a chat admin, skips (and says why) where it is not
    mark = sw.mark()
    ran = _cli(sw, "run-job", JOB)
    assert ran.exit_code == 0, ran.output
    assert "may not archive" in ran.output
    # the fix names the chat as «name» (id)
    assert f"make the bot an admin of «Тихий чат» ({plain})" in " ".join(ran.output.split())
    assert not any(p.startswith(f"/chats/{plain}/") for _, p in sw.writes(mark))
    assert sw.messages(plain) == [] and not sw.archived(plain)
    assert [m.user_id for m in sw.messages(managed)] == [owner]  # the warning
    store = sw.store()
    try:
        history = store.runs(JOB)[0].lines
    finally:
        store.close()
    assert any("«Тихий чат»" in line and "may not archive" in line for line in history), history
    assert not any("«Тихий чат»" in line and "warn" in line for line in history), history
