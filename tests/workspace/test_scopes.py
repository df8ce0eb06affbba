"""Token scopes as the spec gives them: each call's scope, each token kind's scopes,
``GET /oauth/token/info`` and a bot setting its own webhook (``PUT /bot/webhook``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import yaml
from pachca.client import PachcaClient
from pachca.models import BotWebhookSelfUpdateRequest, BotWebhookSelfUpdateRequestWebhook
from starlette.routing import Mount, Route

from runner.workspace import WorkspaceServer, scope_table
from runner.workspace.app import build_app
from runner.workspace.runtime import API_PREFIX
from runner.workspace.scopes import ROLE_OF_KIND, render, required_scope, scopes_for

from .helpers import Factory, client, control


def test_the_scope_table_is_generated_from_the_current_spec(require_openapi: str) -> None:
    spec = yaml.safe_load(Path(require_openapi).read_text(encoding="utf-8"))
    committed = Path(scope_table.__file__).read_text(encoding="utf-8")
    assert committed == render(spec), (
        "stale: run `python -m runner.workspace.scopes SPEC -o runner/workspace/scope_table.py`")


def test_every_call_the_workspace_serves_has_its_scope(workspace: WorkspaceServer) -> None:
    app = build_app(workspace.workspace)
    [api] = [r for r in app.app.routes  # type: ignore[attr-defined]  # behind the gateway
             if isinstance(r, Mount) and r.path == API_PREFIX]
    served = [(m, r.path) for r in api.routes if isinstance(r, Route) for m in r.methods or ()
              if m != "HEAD"]
    unscoped = [(m, p) for m, p in served
                if f"{m} {p.replace(':int', '')}" not in scope_table.OPERATIONS]
    assert unscoped == [("GET", "/oauth/token/info")], "only token info needs no scope"
    assert required_scope("DELETE", "/webhooks/events/01ABC") == "webhooks:events:delete"
    assert required_scope("GET", "/chats/exports/7") == "chat_exports:read"  # not /chats/{id}


def test_each_token_kind_holds_the_scopes_its_role_may_hold(workspace: WorkspaceServer) -> None:
    for kind, user_id in (("owner", workspace.store.owner_id), ("bot", workspace.store.bot_id),
                          ("limited", workspace.store.limited_id)):
        with client(workspace, kind) as api:
            response = api.get("/oauth/token/info")
        assert response.status_code == 200, response.text
        info = response.json()["data"]
        assert info["user_id"] == user_id and set(info["scopes"]) == scopes_for(kind)
        assert set(info["scopes"]) <= {s for s, roles in scope_table.ROLES.items()
                                       if ROLE_OF_KIND[kind] in roles}
        token = {"owner": workspace.owner_token, "bot": workspace.bot_token,
                 "limited": workspace.limited_token}[kind]
        assert token not in response.text and info["token"].startswith(token[:8])
        assert (info["name"] is None) == (kind == "bot")  # Pachca names only hand-made tokens
    bot = set(scopes_for("bot"))
    assert {"bots:read", "bots:write", "chat_exports:write"}.isdisjoint(bot)
    assert "bot_self:webhook:write" in bot and "chat_exports:write" in scopes_for("owner")


def test_a_call_outside_the_tokens_scopes_is_refused_before_it_acts(
    fresh_workspace: Factory
) -> None:
    server = fresh_workspace()
    with control(server) as ctl:
        token = ctl.post("/tokens", json={"kind": "bot", "scopes": [
            "chats:read", "messages:read"]}).json()["token"]
        too_much = ctl.post("/tokens", json={"kind": "bot", "scopes": ["bots:read"]})
    assert too_much.status_code == 400, "a bot token cannot hold bots:read"
    chat = next(c for c in server.store.chats.values()
                if server.store.bot_id in c.member_ids and not c.archived and not c.personal)
    before = len(server.store.messages)
    with client(server, token) as api:
        assert api.get("/chats", params={"limit": 5}).status_code == 200
        refused = api.post("/messages", json={"message": {"entity_id": chat.id,
                                                           "content": "нельзя"}})
        info = api.get("/oauth/token/info").json()["data"]
    assert refused.status_code == 403
    assert refused.json() == {"error": "insufficient_scope",
                              "error_description": "This token lacks the scope messages:create"}
    assert len(server.store.messages) == before
    assert sorted(info["scopes"]) == ["chats:read", "messages:read"]


def test_a_bot_sets_its_own_webhook_with_its_own_token(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    bot_id = server.store.bot_id
    url = "https://runner.example.ru/pachca/events"
    with client(server, "bot") as bot:
        answer = bot.put("/bot/webhook", json={"webhook": {"outgoing_url": url}})
        bad = bot.put("/bot/webhook", json={"webhook": {"outgoing_url": "ftp://x"}})
        missing = bot.put("/bot/webhook", json={"webhook": {}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["id"] == bot_id
    assert answer.json()["data"]["webhook"]["outgoing_url"] == url
    assert server.call(lambda: server.store.bots[bot_id]["outgoing_url"]) == url
    assert bad.status_code == 422 and missing.status_code == 400
    with client(server, "owner") as owner:
        # bot_self:webhook:write is a bot's scope only: a person edits bots via /bots/{id}.
        refused = owner.put("/bot/webhook", json={"webhook": {"outgoing_url": url}})
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
    with client(server, "bot") as bot:
        off = bot.put("/bot/webhook", json={"webhook": {"outgoing_url": ""}})
    assert off.status_code == 200 and off.json()["data"]["webhook"]["outgoing_url"] is None


def test_the_official_sdk_reads_token_info_and_sets_the_bots_webhook(
    fresh_workspace: Factory
) -> None:
    server = fresh_workspace()

    async def probe() -> tuple[object, object]:
        sdk = PachcaClient(server.bot_token, base_url=server.base_url)
        try:
            info = await sdk.oauth.get_token_info()
            hook = await sdk.bots.self_update_bot_webhook(BotWebhookSelfUpdateRequest(
                webhook=BotWebhookSelfUpdateRequestWebhook(outgoing_url="https://r.example/h")))
        finally:
            await sdk.close()
        return info, hook

    info, hook = asyncio.run(probe())
    assert info.user_id == server.store.bot_id  # type: ignore[attr-defined]
    assert "messages:create" in info.scopes  # type: ignore[attr-defined]
    assert hook.webhook.outgoing_url == "https://r.example/h"  # type: ignore[attr-defined]
    assert httpx.get(server.root_url + "/_workspace/stats",
                     trust_env=False).json()["openapi_violations"] == []
