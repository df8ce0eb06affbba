"""Event history, bot settings, tokens: 401, 403 and who may do what."""

from __future__ import annotations

import httpx

from runner.workspace import WorkspaceServer

from .helpers import Factory, client, collect


def test_event_history_inject_list_delete(
    workspace: WorkspaceServer, bot: httpx.Client, ctl: httpx.Client
) -> None:
    before = {e["id"] for e in collect(bot, "/webhooks/events", {"limit": 50})[0]}
    store = workspace.store
    # Pachca sends a bot clicks only from chats it is in.
    chat = next(c for c in store.chats.values() if store.is_member(c, store.bot_id)
                and not c.personal and not c.archived)
    # ...on a message of that chat, pressed by someone who sees it (a member).
    member = next(uid for uid in chat.member_ids if uid != store.bot_id)
    posted = ctl.post("/messages", json={"chat_id": chat.id, "user_id": member, "content": "?"})
    before |= {e["id"] for e in collect(bot, "/webhooks/events", {"limit": 50})[0]}  # its event
    click = {
        "type": "button",
        "event": "click",
        "data": "done:42",
        "message_id": posted.json()["data"]["id"],
        "user_id": member,
        "chat_id": chat.id,
    }
    injected = ctl.post("/events", json={"payload": click})
    assert injected.status_code == 201
    event_id = injected.json()["id"]
    events, _ = collect(bot, "/webhooks/events", {"limit": 2})
    new = [e for e in events if e["id"] not in before]
    assert [e["id"] for e in new] == [event_id]
    assert new[0]["event_type"] == "button_click"
    assert new[0]["payload"]["data"] == "done:42" and new[0]["payload"]["trigger_id"]
    assert bot.delete(f"/webhooks/events/{event_id}").status_code == 204
    assert bot.delete(f"/webhooks/events/{event_id}").status_code == 404
    remaining = {e["id"] for e in collect(bot, "/webhooks/events", {"limit": 50})[0]}
    assert event_id not in remaining


def test_people_talking_to_the_bot_fill_its_history(
    workspace: WorkspaceServer, bot: httpx.Client, ctl: httpx.Client
) -> None:
    store = workspace.store
    chat = next(
        c
        for c in store.chats.values()
        if store.is_member(c, store.bot_id) and not c.personal and not c.archived
    )
    author = next(uid for uid in chat.member_ids if uid != store.bot_id)
    posted = ctl.post(
        "/messages", json={"chat_id": chat.id, "user_id": author, "content": "@runner_bot отчёт"}
    )
    assert posted.status_code == 201
    events, _ = collect(bot, "/webhooks/events", {"limit": 50})
    last = events[0]  # newest first
    assert last["event_type"] == "message_new"
    assert last["payload"]["id"] == posted.json()["data"]["id"]
    assert bot.delete(f"/webhooks/events/{last['id']}").status_code == 204


def test_events_need_the_bot_token(owner: httpx.Client) -> None:
    response = owner.get("/webhooks/events")
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"


def test_bot_settings(workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client) -> None:
    bot_id = workspace.store.bot_id
    current = owner.get(f"/bots/{bot_id}").json()["data"]
    assert current["id"] == bot_id and current["webhook"]["nickname"] == "runner_bot"
    updated = owner.put(
        f"/bots/{bot_id}",
        json={"webhook": {"outgoing_url": "https://runner.example.ru/pachca/webhook"}},
    )
    assert updated.status_code == 200
    assert (
        updated.json()["data"]["webhook"]["outgoing_url"]
        == "https://runner.example.ru/pachca/webhook"
    )
    assert (
        owner.get(f"/bots/{bot_id}").json()["data"]["webhook"]["outgoing_url"]
        == "https://runner.example.ru/pachca/webhook"
    )
    # bots:read / bots:write are scopes no bot token holds: the bot itself is refused.
    for denied in (
        bot.get(f"/bots/{bot_id}"),
        bot.put(f"/bots/{bot_id}", json={"webhook": {"outgoing_url": "https://evil.ru"}}),
    ):
        assert denied.status_code == 403 and denied.json()["error"] == "insufficient_scope"
    bad = owner.put(f"/bots/{bot_id}", json={"webhook": {"outgoing_url": "not a url"}})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["code"] == "invalid_webhook_url"
    assert owner.get(f"/bots/{workspace.store.owner_id}").status_code == 404


def test_tokens(workspace: WorkspaceServer) -> None:
    with client(workspace, "wrong-token") as api:
        response = api.get("/chats")
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
    with client(workspace, "limited") as api:
        assert api.get("/chats").status_code == 200
        me = api.get("/profile").json()["data"]
        assert me["id"] == workspace.store.limited_id
        denied = api.post("/chats", json={"chat": {"name": "Нельзя"}})
        assert denied.status_code == 403 and denied.json()["error"] == "insufficient_scope"
    with client(workspace, "bot") as api:
        me = api.get("/profile").json()["data"]
        assert me["bot"] is True and me["first_name"] == "Раннер"


def test_missing_token_is_401(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    response = httpx.get(server.base_url + "/profile", trust_env=False)
    assert response.status_code == 401
    assert set(response.json()) == {"error", "error_description"}


def test_info_and_determinism(fresh_workspace: Factory, workspace: WorkspaceServer) -> None:
    from runner.workspace import workspace_info

    info = httpx.get(workspace.root_url + "/_workspace/info", trust_env=False).json()
    assert info["base_url"] == workspace.base_url
    assert info["tokens"]["owner"] == workspace.owner_token
    assert info["bot_user_id"] == workspace.store.bot_id
    twin = fresh_workspace()  # same seed as the shared workspace
    assert twin.owner_token == workspace.owner_token
    assert workspace_info(twin.config)["tokens"] == info["tokens"]
    first = sorted(twin.store.chats)[:20]
    assert [twin.store.chats[i].name for i in first] == [
        workspace.store.chats[i].name for i in first
    ]
