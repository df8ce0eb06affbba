"""``pachca-runner chats`` and ``users``: the ids a catalogue needs, and for each chat
what the token may do there, as the workspace's chat roles decide."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from runner.cli import main
from runner.workspace import WorkspaceServer


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    return fresh_workspace()


def control(ws: WorkspaceServer, path: str, body: dict[str, object]) -> dict:
    response = httpx.post(f"{ws.root_url}/_workspace/{path}", json=body)
    response.raise_for_status()
    return response.json()


def cli(ws: WorkspaceServer, tmp: Path, *args: str, lang: str = "en") -> Result:
    env = {"PACHCA_TOKEN": ws.bot_token, "PACHCA_BASE_URL": ws.base_url,
           "PACHCA_RUNNER_LANG": lang, "PACHCA_RUNNER_CATALOGUE": str(tmp / "jobs.yaml")}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def person(ws: WorkspaceServer) -> tuple[int, str]:
    """A plain member of the workspace with a first and last name."""
    def pick() -> tuple[int, str]:
        store = ws.store
        user = next(u for u in sorted(store.users.values(), key=lambda u: u.id)
                    if not u.bot and u.id != store.owner_id and not u.suspended
                    and u.first_name and u.last_name)
        return user.id, f"{user.first_name} {user.last_name}"
    return ws.call(pick)


def rows(result: Result) -> dict[str, list[str]]:
    """The table's rows by id, cells split on runs of two or more spaces."""
    lines = result.output.strip().splitlines()
    return {cells[0]: cells for cells in (re.split(r" {2,}", line) for line in lines[1:])}


def test_chats_show_the_tokens_role_and_what_it_may_do(ws: WorkspaceServer,
                                                       tmp_path: Path) -> None:
    someone, _ = person(ws)
    bot = ws.call(lambda: ws.store.bot_id)

    def make(author: int, name: str, *, channel: bool = False, public: bool = False,
             members: tuple[int, ...] = ()) -> int:
        made = control(ws, "chats", {"user_id": author, "chats": [
            {"name": name, "channel": channel, "public": public, "member_ids": list(members)}]})
        return int(made["data"][0]["id"])

    own = make(bot, "Лукоморье: канал бота", channel=True)
    member = make(someone, "Лукоморье: беседа", members=(bot,))
    reader = make(someone, "Лукоморье: канал для чтения", channel=True, members=(bot,))
    # a bot joins a channel as its editor; a chat admin made it a subscriber
    control(ws, "chat_roles", {"chat_id": reader, "user_id": bot, "role": "member"})
    editor = make(someone, "Лукоморье: канал с правкой", channel=True)
    control(ws, "chat_roles", {"chat_id": editor, "user_id": bot, "role": "editor"})
    admin = make(someone, "Лукоморье: беседа под присмотром")
    control(ws, "chat_roles", {"chat_id": admin, "user_id": bot, "role": "admin"})
    outside = make(someone, "Лукоморье: открытая", public=True)
    make(someone, "Лукоморье: закрытая чужая")

    result = cli(ws, tmp_path, "chats", "--search", "лукоморье")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == [
        "id", "name", "kind", "bot", "is", "may", "post", "may", "archive"]
    found = {int(k): v[1:] for k, v in rows(result).items()}
    assert found == {
        own: ["Лукоморье: канал бота", "channel", "owner", "yes", "yes"],
        member: ["Лукоморье: беседа", "group chat", "member", "yes", "no"],
        reader: ["Лукоморье: канал для чтения", "channel", "member", "no", "no"],
        editor: ["Лукоморье: канал с правкой", "channel", "editor", "yes", "no"],
        admin: ["Лукоморье: беседа под присмотром", "group chat", "admin", "yes", "yes"],
        outside: ["Лукоморье: открытая", "group chat", "not a member", "no", "no"],
    }

    russian = cli(ws, tmp_path, "chats", "-s", "ЛУКОМОРЬЕ: БЕСЕДА", lang="ru")
    assert russian.output.splitlines()[0].startswith("id")
    assert "может архивировать" in russian.output.splitlines()[0]
    assert {int(k): v[1:] for k, v in rows(russian).items()} == {
        member: ["Лукоморье: беседа", "беседа", "участник", "да", "нет"],
        admin: ["Лукоморье: беседа под присмотром", "беседа", "администратор", "да", "да"],
    }
    nothing = cli(ws, tmp_path, "chats", "--search", "Тридевятое царство")
    assert nothing.exit_code == 0
    assert nothing.output.strip() == "nothing matches 'Тридевятое царство'"


def test_users_are_found_by_name(ws: WorkspaceServer, tmp_path: Path) -> None:
    someone, name = person(ws)
    result = cli(ws, tmp_path, "users", "--search", name.split()[1].upper())
    assert result.exit_code == 0, result.output
    found = rows(result)
    assert found[str(someone)][1] == name
    assert all(name.split()[1].casefold() in " ".join(cells).casefold()
               for cells in found.values())
    everyone = rows(cli(ws, tmp_path, "users"))
    assert str(someone) in everyone and len(everyone) > len(found)


def test_without_a_token_it_says_how_to_give_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["chats"], env={"PACHCA_TOKEN": "",
                                                      "PACHCA_RUNNER_LANG": "en"})
    assert result.exit_code == 2
    assert "PACHCA_TOKEN" in result.output
