"""``pachca-runner bot set-webhook`` / ``bot status`` driven through the CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from runner.cli import main
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.sweep_support import EMPTY

PUBLIC = "https://runner.example.com"


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    return fresh_workspace(**EMPTY)


def cli(ws: WorkspaceServer, tmp: Path, *args: str, token: str, public: bool = True,
        unfurl: bool = False) -> tuple[int, str]:
    """Run the CLI as an operator would, against the workspace; (exit code, output)."""
    h = Harness(ws, tmp)
    rules = ("[{domain: tracker.example.com, source: 'https://tracker.example.com/api/x'}]"
             if unfurl else "[]")
    path = h.write_catalogue(f"""
        timezone: Europe/Moscow
        bot: {{events: push, webhook_path: /pachca/events}}
        unfurl: {rules}
        jobs:
          hello:
            kind: message
            schedule: "0 10 * * 1"
            to: {{chats: [1]}}
            text: Привет
    """)
    env = {"PACHCA_TOKEN": token, "PACHCA_BASE_URL": ws.base_url,
           "PACHCA_RUNNER_PUBLIC_URL": PUBLIC if public else ""}
    result = CliRunner().invoke(main, ["--catalogue", str(path), *args], env=env)
    return result.exit_code, result.output


def requests(ws: WorkspaceServer) -> list[tuple[str, str, str]]:
    h = Harness(ws, Path("."))
    return [(r["method"], r["path"].split("/api/shared/v1", 1)[-1], r["token_kind"])
            for r in h.requests()]


def test_set_webhook_points_the_bot_at_this_runner(ws: WorkspaceServer, tmp_path: Path) -> None:
    bot_id = ws.store.bot_id

    code, out = cli(ws, tmp_path, "bot", "set-webhook", "--bot-id", str(bot_id),
                    token=ws.owner_token)

    assert code == 0, out
    assert f"outgoing webhook URL: {PUBLIC}/pachca/events" in out
    assert "matches this runner" in out and "yes" in out
    assert ("PUT", f"/bots/{bot_id}", "owner") in requests(ws)
    assert ws.call(lambda: ws.store.bots[bot_id]["outgoing_url"]) == f"{PUBLIC}/pachca/events"

    code, out = cli(ws, tmp_path, "bot", "status", "--bot-id", str(bot_id), token=ws.owner_token)
    assert code == 0, out
    assert "event history (for polling): on" in out
    assert f"matches this runner ({PUBLIC}/pachca/events): yes" in out


def test_set_webhook_takes_an_explicit_url(ws: WorkspaceServer, tmp_path: Path) -> None:
    bot_id = ws.store.bot_id
    code, out = cli(ws, tmp_path, "bot", "set-webhook", "--bot-id", str(bot_id),
                    "--url", "https://hooks.example.com/in", token=ws.owner_token, public=False)

    assert code == 0, out
    assert ws.call(lambda: ws.store.bots[bot_id]["outgoing_url"]) == "https://hooks.example.com/in"


def test_set_webhook_without_any_url_says_what_to_set(ws: WorkspaceServer, tmp_path: Path
                                                      ) -> None:
    code, out = cli(ws, tmp_path, "bot", "set-webhook", "--bot-id", str(ws.store.bot_id),
                    token=ws.owner_token, public=False)

    assert code == 2
    assert "PACHCA_RUNNER_PUBLIC_URL" in out and "--url" in out


def test_the_bots_own_token_sets_its_own_webhook(ws: WorkspaceServer, tmp_path: Path) -> None:
    bot_id = ws.store.bot_id

    code, out = cli(ws, tmp_path, "bot", "set-webhook", token=ws.bot_token)

    assert code == 0, out
    assert f"outgoing webhook URL: {PUBLIC}/pachca/events" in out
    assert f"matches this runner ({PUBLIC}/pachca/events): yes" in out
    calls = requests(ws)
    assert ("GET", "/oauth/token/info", "bot") in calls and ("PUT", "/bot/webhook", "bot") in calls
    assert not [c for c in calls if c[1].startswith("/bots/")], "no bot token may call /bots/{id}"
    assert ws.call(lambda: ws.store.bots[bot_id]["outgoing_url"]) == f"{PUBLIC}/pachca/events"


def test_status_with_the_bots_own_token_shows_its_scopes_and_who_sees_the_settings(
    ws: WorkspaceServer, tmp_path: Path
) -> None:
    bot_id = ws.store.bot_id
    token = httpx.post(ws.root_url + "/_workspace/tokens", trust_env=False, json={
        "kind": "bot", "scopes": ["chats:read", "messages:read", "messages:create"]}).json()["token"]

    code, out = cli(ws, tmp_path, "bot", "status", token=token)

    assert code == 0, out
    assert f"token: the bot's own token (user {bot_id}), 3 scope(s)" in out
    assert ("warning: the token lacks chat_members:read, messages:update, which the bot side"
            " (bot.events: push) needs: grant them in Pachca (Automations → Integrations →"
            " the bot → API tab)") in out
    assert "webhook settings: a bot's token may not read them" in out
    assert f"PACHCA_TOKEN=<the owner's or an admin's token> pachca-runner bot status --bot-id {bot_id}" in out
    assert not [c for c in requests(ws) if c[1].startswith("/bots/")]


def test_a_token_that_may_not_edit_the_bot_is_explained(ws: WorkspaceServer, tmp_path: Path
                                                        ) -> None:
    bot_id, other = ws.store.bot_id, ws.store.owner_id
    code, out = cli(ws, tmp_path, "bot", "set-webhook", "--bot-id", str(other),
                    token=ws.bot_token)

    assert code == 2
    [line] = out.strip().splitlines()
    assert line.startswith(f"error: this is the token of bot {bot_id}, and a bot sets only its"
                           " own webhook")

    code, out = cli(ws, tmp_path, "bot", "set-webhook", "--bot-id", str(bot_id),
                    token=ws.limited_token)  # a user's token without bots:write
    assert code == 2
    [line] = out.strip().splitlines()
    assert line.startswith(f"error: this token may not edit bot {bot_id}: that needs"
                           " bots:write, which only the owner's, an admin's or a user's token")
    code, out = cli(ws, tmp_path, "bot", "set-webhook", token=ws.limited_token)
    assert code == 2 and "pass --bot-id" in out
    assert ws.call(lambda: ws.store.bots[bot_id]["outgoing_url"]) is None
    assert not [c for c in requests(ws) if c[0] == "PUT"], "refused before any write"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_user_the_bots_can_edit_does_not_name_is_told_whose_token_reads_it(
    ws: WorkspaceServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    # A plain user's token holds bots:read, but Pachca shows a bot's settings only to the
    # users its can_edit names (workspace admins by default).
    monkeypatch.setenv("PACHCA_RUNNER_LANG", lang)
    bot_id = ws.store.bot_id
    code, out = cli(ws, tmp_path, "bot", "status", "--bot-id", str(bot_id),
                    token=ws.limited_token)

    assert code == 2, out
    [line] = out.strip().splitlines()
    if lang == "en":
        assert line.startswith(f"error: this token may not read the settings of bot {bot_id}:"
                               " Pachca lets only the users the bot's can_edit names")
    else:
        assert line.startswith(f"ошибка: этот токен не может прочитать настройки бота {bot_id}:"
                               " Пачка разрешает это только тем, кого называет настройка бота"
                               " can_edit")
    assert ws.limited_token not in out


def test_status_warns_of_events_the_bot_does_not_send(ws: WorkspaceServer, tmp_path: Path
                                                      ) -> None:
    """Pachca sends only the events ticked in the bot's settings: without button_click no
    press reaches the runner, without message_link_shared no link to unfurl."""
    bot_id = ws.store.bot_id
    code, out = cli(ws, tmp_path, "bot", "status", "--bot-id", str(bot_id),
                    token=ws.owner_token, unfurl=True)
    assert code == 0, out
    assert ("warning: the bot does not send message_link_shared events, which the runner"
            " needs (unfurl): tick them in the bot's settings, Outgoing webhook tab") in out

    turned_off = httpx.put(f"{ws.base_url}/bots/{bot_id}", trust_env=False,
                           headers={"Authorization": f"Bearer {ws.owner_token}"},
                           json={"webhook": {"events": ["message_new"]}})
    assert turned_off.status_code == 200
    code, out = cli(ws, tmp_path, "bot", "status", "--bot-id", str(bot_id),
                    token=ws.owner_token)
    assert code == 0, out
    assert ("warning: the bot does not send button_click events, which the runner needs"
            " (buttons)") in out
    assert "message_link_shared" not in out.split("events:", 1)[1], "no unfurl rules here"


def test_a_webhook_url_that_is_not_http_is_refused_saying_what_is(
    ws: WorkspaceServer, tmp_path: Path
) -> None:
    code, out = cli(ws, tmp_path, "bot", "set-webhook", "--bot-id", str(ws.store.bot_id),
                    "--url", "ftp://hooks.example.com/in", token=ws.owner_token)

    assert code == 2
    [line] = out.strip().splitlines()
    assert "http:// or https://" in line and "ftp://hooks.example.com/in" in line
    assert ws.call(lambda: ws.store.bots[ws.store.bot_id]["outgoing_url"]) is None
