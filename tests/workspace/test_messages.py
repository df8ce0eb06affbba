"""Messages: creation and last_message_at, direct messages, edits, deletes, validation."""

from __future__ import annotations

import httpx

from runner.workspace import WorkspaceServer

from .helpers import Factory, client


def test_new_message_moves_chat_to_the_top(workspace: WorkspaceServer, owner: httpx.Client) -> None:
    store = workspace.store
    quiet = min(
        (
            c
            for c in store.chats.values()
            if not c.personal and not c.archived and store.is_member(c, store.owner_id)
        ),
        key=lambda c: c.last_message_ms,
    )
    response = owner.post(
        "/messages", json={"message": {"entity_id": quiet.id, "content": "Есть кто живой?"}}
    )
    assert response.status_code == 201
    message = response.json()["data"]
    assert message["chat_id"] == quiet.id and message["entity_type"] == "discussion"
    chat = owner.get(f"/chats/{quiet.id}").json()["data"]
    assert chat["last_message_at"] == message["created_at"]
    top = owner.get("/chats", params={"sort": "last_message_at", "limit": 1}).json()["data"]
    assert top[0]["id"] == quiet.id
    fetched = owner.get(f"/messages/{message['id']}").json()["data"]
    assert fetched["content"] == "Есть кто живой?"


def test_direct_message_by_user_id_reuses_the_chat(
    workspace: WorkspaceServer, bot: httpx.Client
) -> None:
    store = workspace.store
    peer = next(
        uid
        for uid, user in store.users.items()
        if not user.bot
        and uid != store.owner_id
        and (min(uid, store.bot_id), max(uid, store.bot_id)) not in store.direct_pairs
    )
    first = bot.post(
        "/messages",
        json={"message": {"entity_type": "user", "entity_id": peer, "content": "Привет! Я бот."}},
    )
    assert first.status_code == 201, first.text
    data = first.json()["data"]
    assert data["entity_type"] == "user" and data["entity_id"] == peer
    chat = bot.get(f"/chats/{data['chat_id']}").json()["data"]
    assert chat["personal"] is True and set(chat["member_ids"]) == {peer, store.bot_id}
    second = bot.post(
        "/messages",
        json={"message": {"entity_type": "user", "entity_id": peer, "content": "Ещё раз"}},
    ).json()["data"]
    assert second["chat_id"] == data["chat_id"]
    assert data["chat_id"] in [
        c["id"] for c in bot.get("/chats", params={"personal": "true"}).json()["data"]
    ]


def test_edit_delete_and_buttons(owner: httpx.Client) -> None:
    chat_id = owner.post("/chats", json={"chat": {"name": "Кнопки"}}).json()["data"]["id"]
    buttons = [
        [{"text": "Открыть", "url": "https://example.ru/report"}],
        [{"text": "Готово", "data": "done:42"}, {"text": "Позже", "data": "later:42"}],
    ]
    created = owner.post(
        "/messages",
        json={"message": {"entity_id": chat_id, "content": "Отчёт", "buttons": buttons}},
    )
    assert created.status_code == 201 and created.json()["data"]["buttons"] == buttons
    mid = created.json()["data"]["id"]
    edited = owner.put(f"/messages/{mid}", json={"message": {"content": "Отчёт (испр.)"}})
    assert edited.status_code == 200
    assert edited.json()["data"]["content"] == "Отчёт (испр.)"
    assert edited.json()["data"]["changed_at"] is not None
    assert owner.delete(f"/messages/{mid}").status_code == 204
    gone = owner.get(f"/messages/{mid}")  # Pachca: still there, emptied, deleted_at set
    assert gone.status_code == 200
    assert gone.json()["data"]["content"] == "" and gone.json()["data"]["deleted_at"]
    assert owner.delete(f"/messages/{mid}").status_code == 404
    assert (
        owner.post(
            f"/messages/{mid}/link_previews",
            json={"link_previews": {"https://example.ru": {"title": "t", "description": "d"}}},
        ).status_code
        == 404
    )


def test_invalid_messages_are_422(workspace: WorkspaceServer, owner: httpx.Client) -> None:
    store = workspace.store
    chat_id = owner.post("/chats", json={"chat": {"name": "Проверки"}}).json()["data"]["id"]
    blank = owner.post("/messages", json={"message": {"entity_id": chat_id, "content": "  "}})
    assert blank.status_code == 422 and blank.json()["errors"][0]["code"] == "blank"
    both = owner.post(
        "/messages",
        json={
            "message": {
                "entity_id": chat_id,
                "content": "x",
                "buttons": [[{"text": "a", "url": "https://a.ru", "data": "a"}]],
            }
        },
    )
    assert both.status_code == 422
    assert owner.put(f"/chats/{chat_id}/archive").status_code == 204
    archived = owner.post("/messages", json={"message": {"entity_id": chat_id, "content": "x"}})
    assert archived.status_code == 403 and archived.json()["errors"][0]["code"] == "not_authorized"
    unknown = owner.post("/messages", json={"message": {"entity_id": 1, "content": "x"}})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["code"] == "not_found"
    outsider = next(
        c for c in store.chats.values() if not store.is_member(c, store.owner_id) and not c.personal
    )
    assert (
        owner.post(
            "/messages", json={"message": {"entity_id": outsider.id, "content": "x"}}
        ).status_code
        == 403
    )


def test_button_data_longer_than_255_is_422(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    chat = next(
        c
        for c in server.store.chats.values()
        if server.store.is_member(c, server.store.owner_id) and not c.archived
    )
    with client(server) as api:
        response = api.post(
            "/messages",
            json={
                "message": {
                    "entity_id": chat.id,
                    "content": "x",
                    "buttons": [[{"text": "a", "data": "d" * 256}]],
                }
            },
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "too_long"


def test_link_previews_are_recorded(
    workspace: WorkspaceServer, bot: httpx.Client, ctl: httpx.Client
) -> None:
    chat_id = bot.post("/chats", json={"chat": {"name": "Ссылки"}}).json()["data"]["id"]
    mid = bot.post(
        "/messages", json={"message": {"entity_id": chat_id, "content": "https://tracker.example.com/a"}}
    ).json()["data"]["id"]
    previews = {"https://tracker.example.com/a": {"title": "Статья", "description": "Описание"}}
    assert (
        bot.post(f"/messages/{mid}/link_previews", json={"link_previews": previews}).status_code
        == 204
    )
    recorded = ctl.get("/link_previews").json()["link_previews"]
    assert {"message_id": mid, "link_previews": previews}.items() <= recorded[-1].items()


def test_link_previews_for_a_link_not_in_the_message_make_none(
    workspace: WorkspaceServer, bot: httpx.Client, ctl: httpx.Client
) -> None:
    """Pachca's guide: one URL the message does not hold fails the whole request."""
    chat_id = bot.post("/chats", json={"chat": {"name": "Ссылки 2"}}).json()["data"]["id"]
    mid = bot.post(
        "/messages", json={"message": {"entity_id": chat_id, "content": "https://tracker.example.com/b"}}
    ).json()["data"]["id"]
    before = len(ctl.get("/link_previews").json()["link_previews"])
    previews = {"https://tracker.example.com/b": {"title": "Есть", "description": ""},
                "https://tracker.example.com/c": {"title": "Нет в тексте", "description": ""}}

    refused = bot.post(f"/messages/{mid}/link_previews", json={"link_previews": previews})

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["value"] == "https://tracker.example.com/c"
    assert len(ctl.get("/link_previews").json()["link_previews"]) == before


def test_link_previews_are_an_unfurl_bots_for_its_domains_in_any_chat(
    fresh_workspace: Factory,
) -> None:
    """Pachca's guide: an unfurl bot tracks its (up to 5) domains in every chat, without
    being added; a URL of another domain fails the whole request; a bot with no domains
    is no unfurl bot."""
    server = fresh_workspace(unfurl_domains=("example.com",))
    store = server.store
    with client(server, "owner") as owner, client(server, "bot") as bot:
        closed = owner.post("/chats", json={"chat": {"name": "Без бота"}}).json()["data"]["id"]
        assert store.bot_id not in store.chats[closed].member_ids
        text = "https://docs.example.com/1 https://example.org/2"
        mid = owner.post("/messages", json={"message": {"entity_id": closed, "content": text}}
                         ).json()["data"]["id"]
        ours = {"https://docs.example.com/1": {"title": "Док", "description": ""}}
        theirs = {"https://example.org/2": {"title": "Чужой", "description": ""}}

        assert bot.post(f"/messages/{mid}/link_previews",
                        json={"link_previews": ours}).status_code == 204
        refused = bot.post(f"/messages/{mid}/link_previews",
                           json={"link_previews": {**ours, **theirs}})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["value"] == "https://example.org/2"
    assert len(store.link_previews) == 1

    plain = fresh_workspace(unfurl_domains=())
    with client(plain, "owner") as owner, client(plain, "bot") as bot:
        chat = bot.post("/chats", json={"chat": {"name": "Ссылки"}}).json()["data"]["id"]
        mid = bot.post("/messages", json={"message": {
            "entity_id": chat, "content": "https://tracker.example.com/1"}}).json()["data"]["id"]
        answer = bot.post(f"/messages/{mid}/link_previews", json={"link_previews": {
            "https://tracker.example.com/1": {"title": "T", "description": ""}}})
        assert answer.status_code == 403 and "errors" in answer.json()
