"""One group tag (``GET /group_tags/{id}``) and group tags as chat members
(``POST /chats/{id}/group_tags``, ``DELETE /chats/{id}/group_tags/{tag_id}``) over HTTP."""

from __future__ import annotations

import asyncio

import httpx
from pachca.client import PachcaClient

from runner.workspace import WorkspaceServer

from .helpers import Factory, client
from .test_access import _closed_chat_without_owner, _create, _people, _refused


def _tag(server: WorkspaceServer) -> tuple[int, list[int]]:
    """A seeded tag with users: its id and user ids."""
    return server.call(lambda: next(
        (t.id, list(t.user_ids)) for t in server.store.tags.values() if t.user_ids))


def test_a_tag_is_shown_by_id(workspace: WorkspaceServer, bot: httpx.Client) -> None:
    tag_id, users = _tag(workspace)
    shown = bot.get(f"/group_tags/{tag_id}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["data"]["id"] == tag_id
    assert shown.json()["data"]["users_count"] == len(users)
    assert bot.get("/group_tags/999999").status_code == 404


def test_a_tags_users_join_the_chat_and_the_tag_is_unlinked_by_an_admin(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    tag_id, users = _tag(workspace)
    chat_id = _create(owner, "С тегом", [workspace.store.bot_id])
    added = bot.post(f"/chats/{chat_id}/group_tags", json={"group_tag_ids": [tag_id]})
    assert added.status_code == 204, added.text
    chat = owner.get(f"/chats/{chat_id}").json()["data"]
    assert tag_id in chat["group_tag_ids"] and set(users) <= set(chat["member_ids"])
    _refused(bot.delete(f"/chats/{chat_id}/group_tags/{tag_id}"))  # a plain member
    assert owner.delete(f"/chats/{chat_id}/group_tags/{tag_id}").status_code == 204
    assert owner.delete(f"/chats/{chat_id}/group_tags/{tag_id}").status_code == 404
    assert tag_id not in owner.get(f"/chats/{chat_id}").json()["data"]["group_tag_ids"]
    closed = _closed_chat_without_owner(workspace)
    _refused(owner.post(f"/chats/{closed.id}/group_tags", json={"group_tag_ids": [tag_id]}))
    assert owner.put(f"/chats/{chat_id}/archive").status_code == 204
    _refused(owner.post(f"/chats/{chat_id}/group_tags", json={"group_tag_ids": [tag_id]}))


def test_chat_tag_input_is_checked(fresh_workspace: Factory) -> None:
    # Its own workspace: requests that break the spec must not reach the contract check.
    server = fresh_workspace()
    tag_id, _ = _tag(server)
    with client(server, "owner") as owner:
        chat_id = _create(owner, "Проверка", _people(server, 1))
        path = f"/chats/{chat_id}/group_tags"
        assert owner.post(path, json={}).status_code == 400
        assert owner.post(path, json={"group_tag_ids": "1"}).status_code == 422
        assert owner.post(path, json={"group_tag_ids": []}).status_code == 422
        unknown = owner.post(path, json={"group_tag_ids": [tag_id, 999999]})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["code"] == "not_found"
        assert owner.post("/chats/999999999/group_tags",
                          json={"group_tag_ids": [tag_id]}).status_code == 404
    assert server.call(lambda: server.store.chats[chat_id].group_tag_ids) == []


def test_the_official_sdk_reads_a_tag_and_links_it_to_a_chat(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    tag_id, users = _tag(server)
    with client(server, "owner") as owner:
        chat_id = _create(owner, "SDK теги", [server.store.bot_id])

    async def probe() -> str:
        sdk = PachcaClient(server.owner_token, base_url=server.base_url)
        try:
            tag = await sdk.group_tags.get_tag(tag_id)
            await sdk.members.add_tags(chat_id, [tag_id])
            await sdk.members.remove_tag(chat_id, tag_id)
        finally:
            await sdk.close()
        return str(tag.name)

    name = asyncio.run(probe())
    assert name == server.call(lambda: server.store.tags[tag_id].name)
    assert server.call(lambda: set(users) <= set(server.store.chats[chat_id].member_ids))
    assert httpx.get(server.root_url + "/_workspace/stats",
                     trust_env=False).json()["openapi_violations"] == []


def test_tags_are_created_renamed_and_deleted_by_admins(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    tag_id, users = _tag(server)
    old = server.call(lambda: server.store.tags[tag_id].name)
    with client(server, "owner") as owner, client(server, "bot") as bot:
        made = owner.post("/group_tags", json={"group_tag": {"name": "Дежурные"}})
        assert made.status_code == 201, made.text
        assert made.json()["data"]["users_count"] == 0
        refused = bot.post("/group_tags", json={"group_tag": {"name": "Боты"}})
        assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
        taken = owner.post("/group_tags", json={"group_tag": {"name": "дежурные"}})
        assert taken.status_code == 422 and taken.json()["errors"][0]["code"] == "taken"
        renamed = owner.put(f"/group_tags/{tag_id}", json={"group_tag": {"name": "Опора"}})
        assert renamed.status_code == 200 and renamed.json()["data"]["name"] == "Опора"
        labels = owner.get(f"/users/{users[0]}").json()["data"]["list_tags"]
        assert "Опора" in labels and old not in labels
        chat_id = _create(owner, "Тег уйдёт", [server.store.bot_id])
        assert owner.post(f"/chats/{chat_id}/group_tags",
                          json={"group_tag_ids": [tag_id]}).status_code == 204
        assert owner.delete(f"/group_tags/{tag_id}").status_code == 204
        assert owner.get(f"/group_tags/{tag_id}").status_code == 404
        assert owner.delete(f"/group_tags/{tag_id}").status_code == 404
        assert owner.get(f"/chats/{chat_id}").json()["data"]["group_tag_ids"] == []
        assert "Опора" not in owner.get(f"/users/{users[0]}").json()["data"]["list_tags"]
        assert owner.post("/group_tags", json={"group_tag": {"name": " "}}).status_code == 422
        assert owner.post("/group_tags", json={}).status_code == 400
