"""Cursor pagination: many pages, short middle pages, end of data, polling with prev_page."""

from __future__ import annotations

import httpx

from runner.workspace import WorkspaceServer

from .helpers import Factory, client, collect


def test_chats_paginate_to_the_end_with_short_middle_pages(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    store = workspace.store
    expected = {
        c.id for c in store.chats.values()
        if not c.archived and c.thread_id is None and store.is_member(c, store.owner_id)
    }
    chats, sizes = collect(owner, "/chats", {"limit": 5})
    ids = [c["id"] for c in chats]
    assert len(ids) == len(set(ids)), "no record is served twice"
    assert set(ids) == expected
    assert ids == sorted(ids, reverse=True), "default order is id desc"
    assert len(sizes) >= 8
    assert any(size < 5 for size in sizes[:-1]), "some middle page is short"
    assert all(size > 0 for size in sizes[:-1])


def test_end_of_data_cursor_is_usable_and_sees_new_records(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    chat_id = owner.post("/chats", json={"chat": {"name": "Пагинация"}}).json()["data"]["id"]
    for n in range(3):
        owner.post("/messages", json={"message": {"entity_id": chat_id, "content": f"m{n}"}})
    page = owner.get("/messages", params={"chat_id": chat_id, "order": "asc", "limit": 50}).json()
    assert [m["content"] for m in page["data"]] == ["m0", "m1", "m2"]
    assert page["meta"]["paginate"]["has_next"] is False
    end_cursor = page["meta"]["paginate"]["next_page"]
    owner.post("/messages", json={"message": {"entity_id": chat_id, "content": "m3"}})
    later = owner.get(
        "/messages", params={"chat_id": chat_id, "order": "asc", "cursor": end_cursor}
    ).json()
    assert [m["content"] for m in later["data"]] == ["m3"]


def test_messages_newest_first_and_prev_page_polls_newer(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    store = workspace.store
    chat_id = max(
        (
            c
            for c in store.chats.values()
            if not c.personal and not c.archived and store.is_member(c, store.owner_id)
        ),
        key=lambda c: len(store.chat_messages[c.id]),
    ).id
    messages, sizes = collect(owner, "/messages", {"chat_id": chat_id, "limit": 10})
    ids = [m["id"] for m in messages]
    assert ids == sorted(ids, reverse=True)
    assert set(ids) == {k[0] for k in store.chat_messages[chat_id]}
    assert len(sizes) > 2
    first = owner.get("/messages", params={"chat_id": chat_id, "limit": 5}).json()
    assert first["meta"]["paginate"]["has_prev"] is False
    owner.post("/messages", json={"message": {"entity_id": chat_id, "content": "Свежее"}})
    newer = owner.get(
        "/messages", params={"chat_id": chat_id, "cursor": first["meta"]["paginate"]["prev_page"]}
    )
    assert [m["content"] for m in newer.json()["data"]] == ["Свежее"]


def test_empty_list_still_has_cursors(bot: httpx.Client) -> None:
    body = bot.get("/webhooks/events", params={"limit": 50}).json()
    paginate = body["meta"]["paginate"]
    assert paginate["next_page"] and paginate["prev_page"]
    assert paginate["has_next"] is False


def test_users_search_meta_and_member_pages(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    users, _ = collect(owner, "/users", {"limit": 9})
    assert len(users) == len(workspace.store.users)
    found = owner.get("/users", params={"query": "runner", "limit": 5}).json()
    assert found["meta"]["total"] == 1 and "next_page" in found["meta"]["paginate"]
    assert found["data"][0]["bot"] is True
    chat = max(workspace.store.chats.values(), key=lambda c: len(c.member_ids))
    members, sizes = collect(owner, f"/chats/{chat.id}/members", {"limit": 4})
    assert [u["id"] for u in members] == chat.member_ids
    assert len(sizes) >= 3


def test_bad_cursor_and_limit_are_422(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with client(server) as api:
        assert api.get("/chats", params={"cursor": "not-a-cursor"}).status_code == 422
        for limit in (0, 51):
            response = api.get("/chats", params={"limit": limit})
            assert response.status_code == 422
            assert response.json()["errors"][0]["key"] == "limit"
