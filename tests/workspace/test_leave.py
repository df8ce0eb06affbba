"""``DELETE /chats/{id}/leave`` over HTTP: the caller leaves a conversation or channel it
is in; never a direct chat, a thread or an archived chat; hidden chats stay hidden."""

from __future__ import annotations

import asyncio

import httpx
from pachca.client import PachcaClient

from runner.workspace import WorkspaceServer

from .helpers import Factory, client
from .test_access import _closed_chat_without_owner, _create, _people, _refused


def test_a_member_leaves_and_then_no_longer_sees_a_closed_chat(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    chat_id = _create(owner, "Уйти", [workspace.store.bot_id, *_people(workspace, 1)])
    assert bot.get(f"/chats/{chat_id}").status_code == 200
    assert bot.delete(f"/chats/{chat_id}/leave").status_code == 204
    assert not workspace.call(
        lambda: workspace.store.is_member(workspace.store.chats[chat_id], workspace.store.bot_id))
    _refused(bot.get(f"/chats/{chat_id}"))
    _refused(bot.delete(f"/chats/{chat_id}/leave"))


def test_leaving_is_refused_where_pachca_refuses_it(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    _refused(owner.delete(f"/chats/{_closed_chat_without_owner(workspace).id}/leave"))
    opened = _create(owner, "Открытый", _people(workspace, 1), public=True)
    missing = bot.delete(f"/chats/{opened}/leave")
    assert missing.status_code == 404, "an open chat it never joined"
    archived = _create(owner, "В архиве", [workspace.store.bot_id])
    assert owner.put(f"/chats/{archived}/archive").status_code == 204
    _refused(bot.delete(f"/chats/{archived}/leave"))
    assert owner.delete("/chats/999999999/leave").status_code == 404


def test_a_direct_chat_cannot_be_left(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with client(server, "owner") as owner, client(server, "bot") as bot:
        # The bot writes first: a person may answer a bot only then.
        sent = bot.post("/messages", json={"message": {
            "entity_type": "user", "entity_id": server.store.owner_id, "content": "Привет"}})
        assert sent.status_code == 201, sent.text
        direct = owner.delete(f"/chats/{sent.json()['data']['chat_id']}/leave")
    assert direct.status_code == 422
    assert direct.json()["errors"][0]["code"] == "personal_chat"


def test_the_official_sdk_leaves_a_chat(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with client(server, "owner") as owner:
        chat_id = _create(owner, "SDK уходит", [server.store.bot_id])

    async def leave() -> None:
        sdk = PachcaClient(server.bot_token, base_url=server.base_url)
        try:
            await sdk.members.leave_chat(chat_id)
        finally:
            await sdk.close()

    asyncio.run(leave())
    assert server.call(lambda: server.store.bot_id not in server.store.chats[chat_id].member_ids)
    assert httpx.get(server.root_url + "/_workspace/stats",
                     trust_env=False).json()["openapi_violations"] == []
