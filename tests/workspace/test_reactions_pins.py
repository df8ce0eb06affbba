"""Reactions and pins over HTTP: bodies as the spec draws them, Pachca's limits, who may
react or pin (visible chats; closed chats for members; archived chats read-only), and the
official SDK reading the answers."""

from __future__ import annotations

import asyncio

import httpx
from pachca.client import PachcaClient
from pachca.models import Reaction, ReactionRequest, RemoveReactionParams

from runner.workspace import WorkspaceServer
from runner.workspace.models import Chat

from .helpers import Factory, client, collect, control
from .test_access import _closed_chat_without_owner, _create, _people, _refused


def _post(api: httpx.Client, chat_id: int, text: str = "Реакции") -> int:
    response = api.post("/messages", json={"message": {"entity_id": chat_id, "content": text}})
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


def _said(server: WorkspaceServer, chat: Chat) -> int:
    """A message seeded into ``chat`` by one of its members, through the control API."""
    with control(server) as ctl:
        said = ctl.post("/messages", json={"user_id": chat.member_ids[0], "chat_id": chat.id,
                                           "content": "Для реакций"})
    assert said.status_code == 201, said.text
    return int(said.json()["data"]["id"])


def _open_chat_without_bot(server: WorkspaceServer) -> Chat:
    store = server.store
    return server.call(lambda: next(
        c for c in store.chats.values()
        if c.public and not c.personal and not c.archived and c.thread_id is None
        and not store.is_member(c, store.bot_id)))


def test_reactions_are_added_once_listed_in_pages_and_removed_by_their_author(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    chat_id = _create(owner, "Реакции", [workspace.store.bot_id, *_people(workspace, 1)])
    message_id = _post(owner, chat_id)
    path = f"/messages/{message_id}/reactions"
    first = bot.post(path, json={"code": "👍", "name": ":+1:"})
    again = bot.post(path, json={"code": "👍"})
    assert first.status_code == 201 and again.status_code == 201, first.text
    assert first.json() == again.json(), "a repeated reaction is not duplicated"
    assert first.json()["user_id"] == workspace.store.bot_id
    assert first.json()["code"] == "👍" and first.json()["name"] == ":+1:"
    assert owner.post(path, json={"code": "🔥"}).status_code == 201
    records, sizes = collect(owner, path, {"limit": 1})
    assert [(r["user_id"], r["code"]) for r in records] == [
        (workspace.store.bot_id, "👍"), (workspace.store.owner_id, "🔥")]
    assert sum(sizes) == 2
    # Only one's own reaction may be removed; one never added is not found.
    assert owner.delete(path, params={"code": "👍"}).status_code == 404
    assert bot.delete(path, params={"code": "👍"}).status_code == 204
    assert bot.delete(path, params={"code": "👍"}).status_code == 404
    assert [r["code"] for r in owner.get(path).json()["data"]] == ["🔥"]


def test_reaction_input_is_checked(fresh_workspace: Factory) -> None:
    # Its own workspace: requests that break the spec must not reach the contract check.
    workspace = fresh_workspace()
    with client(workspace, "owner") as owner:
        _check_input(workspace, owner)


def _check_input(workspace: WorkspaceServer, owner: httpx.Client) -> None:
    chat_id = _create(owner, "Проверка реакций", _people(workspace, 1))
    path = f"/messages/{_post(owner, chat_id)}/reactions"
    missing = owner.post(path, json={"name": ":+1:"})
    assert missing.status_code == 400 and missing.json()["errors"][0]["key"] == "code"
    named = owner.post(path, json={"code": ":+1:"})
    assert named.status_code == 422 and named.json()["errors"][0]["code"] == "wrong_emoji"
    assert owner.delete(path).status_code == 400, "code is required to remove one"
    assert owner.get(path, params={"limit": 51}).status_code == 422
    assert owner.get(path, params={"cursor": "не-курсор"}).status_code == 422
    assert owner.post("/messages/999999999/reactions", json={"code": "👍"}).status_code == 404
    assert owner.get("/messages/999999999/reactions").status_code == 404


def test_a_user_may_leave_at_most_twenty_different_reactions(
    owner: httpx.Client, workspace: WorkspaceServer
) -> None:
    chat_id = _create(owner, "Лимит реакций", _people(workspace, 1))
    path = f"/messages/{_post(owner, chat_id)}/reactions"
    for i in range(20):
        assert owner.post(path, json={"code": chr(0x1F600 + i)}).status_code == 201
    over = owner.post(path, json={"code": chr(0x1F600 + 20)})
    assert over.status_code == 422 and over.json()["errors"][0]["code"] == "unique_limit"
    assert owner.post(path, json={"code": chr(0x1F600)}).status_code == 201, "not a new one"
    records, _ = collect(owner, path, {"limit": 50})
    assert len(records) == 20


def test_who_may_react_and_pin(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    closed = _closed_chat_without_owner(workspace)
    hidden = _said(workspace, closed)
    _refused(owner.post(f"/messages/{hidden}/reactions", json={"code": "👍"}))
    _refused(owner.get(f"/messages/{hidden}/reactions"))
    _refused(owner.post(f"/messages/{hidden}/pin"))
    # An open chat: every employee may react without joining, but only members pin.
    opened = _open_chat_without_bot(workspace)
    seen = _said(workspace, opened)
    assert bot.post(f"/messages/{seen}/reactions", json={"code": "👀"}).status_code == 201
    _refused(bot.post(f"/messages/{seen}/pin"))
    # A channel's subscriber may react but not pin.
    person = _people(workspace, 1)
    channel = _create(owner, "Канал", person, channel=True)
    with control(workspace) as ctl:
        assert ctl.post("/chat_roles", json={"chat_id": channel, "role": "member",
                                             "user_id": workspace.store.bot_id}).is_success
    news = _post(owner, channel, "Новости")
    assert bot.post(f"/messages/{news}/reactions", json={"code": "🎉"}).status_code == 201
    _refused(bot.post(f"/messages/{news}/pin"))
    # An archived chat is read-only: reactions still listed, nothing changes.
    assert owner.post(f"/messages/{news}/pin").status_code == 204
    assert owner.put(f"/chats/{channel}/archive").status_code == 204
    _refused(bot.post(f"/messages/{news}/reactions", json={"code": "👍"}))
    _refused(bot.delete(f"/messages/{news}/reactions", params={"code": "🎉"}))
    _refused(owner.delete(f"/messages/{news}/pin"))
    assert [r["code"] for r in owner.get(f"/messages/{news}/reactions").json()["data"]] == ["🎉"]


def test_pins_are_set_once_and_removed_once(
    owner: httpx.Client, workspace: WorkspaceServer
) -> None:
    chat_id = _create(owner, "Закрепы", _people(workspace, 1))
    message_id = _post(owner, chat_id)
    assert owner.post(f"/messages/{message_id}/pin").status_code == 204
    twice = owner.post(f"/messages/{message_id}/pin")
    assert twice.status_code == 422 and twice.json()["errors"][0]["code"] == "already_exists"
    assert owner.delete(f"/messages/{message_id}/pin").status_code == 204
    assert owner.delete(f"/messages/{message_id}/pin").status_code == 404
    assert owner.post("/messages/999999999/pin").status_code == 404
    assert owner.delete(f"/messages/{message_id}").status_code == 204
    assert owner.post(f"/messages/{message_id}/pin").status_code == 404, "deleted"


def test_the_official_sdk_adds_lists_and_removes_reactions_and_pins(
    fresh_workspace: Factory
) -> None:
    server = fresh_workspace()
    with client(server, "owner") as owner:
        chat_id = _create(owner, "SDK", [server.store.bot_id])
        message_id = _post(owner, chat_id)

    async def probe() -> tuple[Reaction, list[Reaction], list[Reaction]]:
        sdk = PachcaClient(server.bot_token, base_url=server.base_url)
        try:
            added = await sdk.reactions.add_reaction(message_id, ReactionRequest(code="👍"))
            listed = list(await sdk.reactions.list_reactions_all(message_id))
            await sdk.reactions.remove_reaction(message_id, RemoveReactionParams(code="👍"))
            after = list(await sdk.reactions.list_reactions_all(message_id))
            await sdk.messages.pin_message(message_id)
            await sdk.messages.unpin_message(message_id)
        finally:
            await sdk.close()
        return added, listed, after

    added, listed, after = asyncio.run(probe())
    assert added.code == "👍" and added.user_id == server.store.bot_id
    assert len(listed) == 1 and after == []
    assert server.call(lambda: message_id not in server.store.pins)
    assert httpx.get(server.root_url + "/_workspace/stats",
                     trust_env=False).json()["openapi_violations"] == []
