"""Who may see and do what, over HTTP: the workspace is exactly as strict as Pachca.

Two role systems (workspace and chat), closed chats for members only (the Owner too), the
Owner's two extras (member lists, export), chat actions by chat role, archived chats
read-only, bot-only and user-only calls, button limits, and the refusal's shape.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from typing import Any

import httpx
import pytest
from pachca.client import PachcaClient
from pachca.models import ApiError as SdkApiError
from pachca.models import ChatMemberRole, ValidationErrorCode

from runner.workspace import WorkspaceServer
from runner.workspace.models import Chat
from tests.waiting import wait_for

from .helpers import Factory, client, collect


def _refused(response: httpx.Response) -> None:
    """A permission refusal: ApiError 403 ``not_authorized`` naming the record."""
    assert response.status_code == 403, response.text
    item = response.json()["errors"][0]
    assert item["code"] == "not_authorized"
    assert item["payload"]["record"]["id"] > 0


def _closed_chat_without_owner(server: WorkspaceServer) -> Chat:
    store = server.store
    return server.call(lambda: next(
        c for c in store.chats.values()
        if not c.personal and not c.public and not store.is_member(c, store.owner_id)))


def _people(server: WorkspaceServer, n: int) -> list[int]:
    store = server.store
    skip = {store.owner_id, store.bot_id, store.limited_id}
    return server.call(lambda: sorted(
        u.id for u in store.users.values()
        if u.id not in skip and u.role == "user" and not u.suspended))[:n]


def _create(api: httpx.Client, name: str, members: list[int], **fields: Any) -> int:
    """``POST /chats`` with the token of ``api`` (its creator); the new chat's id."""
    body = {"chat": {"name": name, "member_ids": members, **fields}}
    response = api.post("/chats", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["data"]["id"])


def _members(api: httpx.Client, chat_id: int, role: str) -> set[int]:
    records, _ = collect(api, f"/chats/{chat_id}/members", {"role": role})
    return {u["id"] for u in records}


def test_the_owner_is_refused_on_a_closed_chat_it_is_not_in(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    closed = _closed_chat_without_owner(workspace)
    _refused(owner.get(f"/chats/{closed.id}"))
    _refused(owner.get("/messages", params={"chat_id": closed.id}))
    _refused(owner.put(f"/chats/{closed.id}", json={"chat": {"name": "Моё"}}))
    _refused(owner.put(f"/chats/{closed.id}/archive"))
    _refused(owner.put(f"/chats/{closed.id}/unarchive"))
    _refused(owner.post("/messages", json={"message": {"entity_id": closed.id,
                                                       "content": "Привет"}}))
    for params in ({}, {"availability": "public"}, {"archived": "true"}):
        listed, _ = collect(owner, "/chats", params)
        assert closed.id not in {c["id"] for c in listed}, params
    # ... but it may read the member list of any chat
    assert _members(owner, closed.id, "all") == set(closed.member_ids)


def test_the_owner_may_export_a_closed_chat_it_is_not_in(fresh_workspace: Factory) -> None:
    server = fresh_workspace(export_delay=0.05)
    closed = _closed_chat_without_owner(server)
    with httpx.Client(base_url=server.root_url + "/_workspace", trust_env=False) as ctl:
        said = ctl.post("/messages", json={"user_id": closed.member_ids[0], "chat_id": closed.id,
                                           "content": "Только для своих"})
        assert said.status_code == 201
        day = said.json()["data"]["created_at"][:10]
        assert ctl.post("/clock", json={"advance": 86_400}).status_code == 200  # a day ended
        with client(server) as owner:
            asked = owner.post("/chats/exports", json={
                "start_at": day, "end_at": day, "chat_ids": [closed.id],
                "webhook_url": "http://127.0.0.1:9/hook"})
            assert asked.status_code == 204, asked.text
            wait_for(lambda: ctl.get("/exports").json()["exports"][-1]["status"] == "ready")
            export_id = ctl.get("/exports").json()["exports"][-1]["id"]
            link = owner.get(f"/chats/exports/{export_id}")
            assert link.status_code == 302
        archive = zipfile.ZipFile(io.BytesIO(httpx.get(link.headers["location"],
                                                       trust_env=False).content))
    day_file = next(n for n in archive.namelist() if n.endswith(f"_{closed.id}/{day}.json"))
    texts = [m["content"] for m in json.loads(archive.read(day_file))]
    assert "Только для своих" in texts


def test_open_chats_are_visible_to_all_closed_and_direct_ones_to_members(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    store = workspace.store
    person = _people(workspace, 1)[0]
    opened = _create(owner, "Открытый", [person], public=True)
    closed = _create(owner, "Закрытый", [person])
    assert bot.get(f"/chats/{opened}").status_code == 200
    assert bot.get("/messages", params={"chat_id": opened}).status_code == 200
    _refused(bot.post("/messages", json={"message": {"entity_id": opened,
                                                     "content": "Можно?"}}))
    _refused(bot.get(f"/chats/{closed}"))
    _refused(bot.get(f"/chats/{closed}/members"))
    direct = workspace.call(lambda: next(
        c for c in store.chats.values() if c.personal
        and store.owner_id not in c.member_ids and store.bot_id not in c.member_ids))
    _refused(owner.get(f"/chats/{direct.id}"))
    _refused(owner.get("/messages", params={"chat_id": direct.id}))
    assert _members(owner, direct.id, "all") == set(direct.member_ids)  # the Owner's extra


def test_chat_roles_come_from_joining_and_only_admins_change_them(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    store = workspace.store
    person = _people(workspace, 1)[0]
    # The Owner creates: it is the creator; the bot joins a conversation as a plain member.
    chat_id = _create(owner, "Роли", [person, store.bot_id])
    assert _members(owner, chat_id, "owner") == {store.owner_id}
    assert _members(owner, chat_id, "member") == {person, store.bot_id}
    assert bot.post("/messages", json={"message": {"entity_id": chat_id,
                                                   "content": "Я тут"}}).status_code == 201
    _refused(bot.put(f"/chats/{chat_id}/archive"))
    _refused(bot.put(f"/chats/{chat_id}", json={"chat": {"name": "Моё"}}))
    _refused(bot.delete(f"/chats/{chat_id}/members/{person}"))
    _refused(bot.put(f"/chats/{chat_id}/members/{person}", json={"role": "admin"}))
    # A chat admin promotes the bot: now it may archive.
    assert owner.put(f"/chats/{chat_id}/members/{store.bot_id}",
                     json={"role": "admin"}).status_code == 204
    assert _members(owner, chat_id, "admin") == {store.bot_id}
    assert bot.put(f"/chats/{chat_id}/archive").status_code == 204
    # The bot creates a chat with the Owner in it: a workspace admin joins as chat admin.
    made_id = _create(bot, "Бот создал", [store.owner_id, person])
    assert _members(bot, made_id, "owner") == {store.bot_id}
    assert _members(bot, made_id, "admin") == {store.owner_id}
    _refused(owner.put(f"/chats/{made_id}/members/{store.bot_id}", json={"role": "member"}))
    # Demoted, the workspace Owner is a plain member: no chat rights any more.
    assert bot.put(f"/chats/{made_id}/members/{store.owner_id}",
                   json={"role": "member"}).status_code == 204
    _refused(owner.put(f"/chats/{made_id}/archive"))
    editor = bot.put(f"/chats/{made_id}/members/{person}", json={"role": "editor"})
    assert editor.status_code == 422, "editors exist in channels only"


def test_a_channel_subscriber_may_not_post_and_a_bot_joins_channels_as_editor(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    store = workspace.store
    person = _people(workspace, 1)[0]
    channel = _create(owner, "Новости", [person], channel=True)
    assert owner.post(f"/chats/{channel}/members",
                      json={"member_ids": [store.bot_id]}).status_code == 204
    assert _members(owner, channel, "editor") == {store.bot_id}
    assert _members(owner, channel, "member") == {person}
    post = {"message": {"entity_id": channel, "content": "Выпуск №1"}}
    assert bot.post("/messages", json=post).status_code == 201
    assert owner.put(f"/chats/{channel}/members/{store.bot_id}",
                     json={"role": "member"}).status_code == 204
    _refused(bot.post("/messages", json=post))  # a subscriber now


def test_an_archived_chat_is_read_only_for_everyone(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    people = _people(workspace, 2)
    chat_id = _create(owner, "В архив", people[:1])
    posted = owner.post("/messages", json={"message": {"entity_id": chat_id, "content": "До"}})
    message_id = posted.json()["data"]["id"]
    thread = owner.post(f"/messages/{message_id}/thread").json()["data"]
    comment = owner.post("/messages", json={"message": {
        "entity_type": "thread", "entity_id": thread["id"], "content": "В треде"}})
    comment_id = comment.json()["data"]["id"]
    assert owner.put(f"/chats/{chat_id}/archive").status_code == 204
    # Read-only means the author's own messages and comments too, and the chat's name.
    for target in (message_id, comment_id):
        _refused(owner.put(f"/messages/{target}", json={"message": {"content": "После"}}))
        _refused(owner.delete(f"/messages/{target}"))
    _refused(owner.put(f"/chats/{chat_id}", json={"chat": {"name": "Новое имя"}}))
    _refused(owner.post("/messages", json={"message": {"entity_id": chat_id,
                                                       "content": "Эй"}}))
    _refused(owner.post(f"/chats/{chat_id}/members", json={"member_ids": people[1:]}))
    _refused(owner.delete(f"/chats/{chat_id}/members/{people[0]}"))
    _refused(owner.put(f"/chats/{chat_id}/members/{people[0]}", json={"role": "admin"}))
    assert owner.get("/messages", params={"chat_id": chat_id}).status_code == 200
    assert owner.put(f"/chats/{chat_id}/unarchive").status_code == 204
    assert owner.post("/messages", json={"message": {"entity_id": chat_id,
                                                     "content": "Снова тут"}}).status_code == 201
    assert owner.put(f"/messages/{message_id}",
                     json={"message": {"content": "После"}}).status_code == 200


def test_bot_only_and_person_only_calls(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    store = workspace.store
    chat_id = _create(bot, "Превью", [store.owner_id])
    mid = owner.post("/messages", json={"message": {
        "entity_id": chat_id, "content": "https://tracker.example.com/x"}}).json()["data"]["id"]
    previews = {"link_previews": {"https://tracker.example.com/x": {"title": "X", "description": "d"}}}
    _refused(owner.post(f"/messages/{mid}/link_previews", json=previews))
    assert bot.post(f"/messages/{mid}/link_previews", json=previews).status_code == 204
    assert owner.get(f"/bots/{store.bot_id}").status_code == 200
    # A missing scope is still an OAuthError, not a permission refusal.
    with client(workspace, "limited") as limited:
        scoped = limited.post("/chats", json={"chat": {"name": "Нельзя"}})
        assert scoped.status_code == 403 and scoped.json()["error"] == "insufficient_scope"
        assert "errors" not in scoped.json()


@pytest.mark.parametrize(
    ("rows", "why"),
    [
        (33, "at most 32 rows"),
        ([9], "at most 8 in a row"),
        ([8] * 12 + [5], "at most 100 buttons"),
    ],
)
def test_button_limits(workspace: WorkspaceServer, bot: httpx.Client, rows: Any,
                       why: str) -> None:
    chat_id = _create(bot, "Кнопки", [])
    sizes = [1] * rows if isinstance(rows, int) else rows
    buttons = [[{"text": f"{r}.{i}", "data": f"{r}:{i}"} for i in range(n)]
               for r, n in enumerate(sizes)]
    response = bot.post("/messages", json={"message": {"entity_id": chat_id, "content": "x",
                                                       "buttons": buttons}})
    assert response.status_code == 422, why
    assert response.json()["errors"][0]["key"] == "buttons"
    most = [[{"text": str(i), "data": f"{r}:{i}"} for i in range(3)] for r in range(32)]
    accepted = bot.post("/messages", json={"message": {"entity_id": chat_id, "content": "x",
                                                       "buttons": most}})
    assert accepted.status_code == 201, "96 buttons in 32 rows of 3 are allowed"


def test_the_seed_holds_every_kind_of_access(workspace: WorkspaceServer) -> None:
    store = workspace.store

    def kinds() -> dict[str, bool]:
        groups = [c for c in store.chats.values() if not c.personal]
        bot_in = [c for c in groups if store.bot_id in c.member_ids]
        return {
            "closed and live, owner outside": any(
                not c.public and not c.archived and store.owner_id not in c.member_ids
                for c in groups),
            "bot plain member": any(not c.channel and store.bot_id not in c.admin_ids
                                    for c in bot_in),
            "bot admin": any(store.bot_id in c.admin_ids for c in bot_in),
            "bot channel editor": any(c.channel and store.bot_id in c.editor_ids
                                      for c in bot_in),
            "owner plain member": any(store.owner_id in c.member_ids and c.owner_id !=
                                      store.owner_id and store.owner_id not in c.admin_ids
                                      for c in groups),
        }

    assert workspace.call(kinds) == dict.fromkeys(kinds(), True)


def test_the_official_sdk_reads_refusals_and_deleted_messages(
    workspace: WorkspaceServer, bot: httpx.Client
) -> None:
    closed = _closed_chat_without_owner(workspace)
    chat_id = _create(bot, "SDK", [workspace.store.owner_id])
    mid = bot.post("/messages", json={"message": {"entity_id": chat_id,
                                                  "content": "Удалю"}}).json()["data"]["id"]
    assert bot.delete(f"/messages/{mid}").status_code == 204

    async def probe() -> tuple[Any, Any]:
        async with httpx.AsyncClient(
            base_url=workspace.base_url, trust_env=False,
            headers={"Authorization": f"Bearer {workspace.owner_token}"},
        ) as http:
            sdk = PachcaClient.from_client(http)
            try:
                await sdk.chats.get_chat(closed.id)
            except SdkApiError as exc:
                refusal = exc
            async with httpx.AsyncClient(
                base_url=workspace.base_url, trust_env=False,
                headers={"Authorization": f"Bearer {workspace.bot_token}"},
            ) as bot_http:
                bot_sdk = PachcaClient.from_client(bot_http)
                deleted = await bot_sdk.messages.get_message(mid)
                await bot_sdk.members.update_member_role(chat_id, workspace.store.owner_id,
                                                         ChatMemberRole.MEMBER)
            return refusal, deleted

    refusal, deleted = asyncio.run(probe())
    assert refusal.errors[0].code == ValidationErrorCode.NOT_AUTHORIZED
    assert deleted.content == "" and deleted.deleted_at is not None


def test_removing_members_and_deleting_others_messages_need_a_chat_admin(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    store = workspace.store
    person = _people(workspace, 1)[0]
    chat_id = _create(owner, "Уборка", [person, store.bot_id])  # the bot: a plain member
    by_owner = owner.post("/messages", json={"message": {"entity_id": chat_id,
                                                         "content": "Моё"}}).json()["data"]
    by_bot = bot.post("/messages", json={"message": {"entity_id": chat_id,
                                                     "content": "Бот"}}).json()["data"]
    _refused(bot.delete(f"/messages/{by_owner['id']}"))
    assert owner.delete(f"/messages/{by_bot['id']}").status_code == 204  # the creator may
    _refused(owner.delete(f"/chats/{chat_id}/members/{store.owner_id}"))  # not the creator
    assert owner.delete(f"/chats/{chat_id}/members/{person}").status_code == 204
    assert _members(owner, chat_id, "all") == {store.owner_id, store.bot_id}


def test_a_bots_settings_are_for_those_its_can_edit_names(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    bot_id = server.store.bot_id
    with client(server, "limited") as limited, client(server, "owner") as owner:
        # bots:read lets a plain user's token past the scope check, not into the settings.
        _refused(limited.get(f"/bots/{bot_id}"))
        assert owner.get(f"/bots/{bot_id}").status_code == 200  # a workspace admin
        changed = owner.put(f"/bots/{bot_id}", json={"webhook": {"can_edit": ["chat_owners"]}})
        assert changed.status_code == 200
        _refused(limited.get(f"/bots/{bot_id}"))
        made = httpx.post(server.root_url + "/_workspace/chats", trust_env=False, json={
            "user_id": server.store.limited_id,
            "chats": [{"name": "С ботом", "member_ids": [bot_id]}]})
        assert made.status_code == 201, made.text
        assert limited.get(f"/bots/{bot_id}").status_code == 200, "now the creator of its chat"
