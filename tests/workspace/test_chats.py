"""GET /chats filters and sorts, chat creation, archive/unarchive, members."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from runner.workspace import WorkspaceServer

from .helpers import Factory, client, collect, control


def _ids(api: httpx.Client, **params: object) -> list[int]:
    chats, _ = collect(api, "/chats", {"limit": 50, **params})
    return [c["id"] for c in chats]


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def test_personal_filter_splits_direct_and_group_chats(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    chats = workspace.store.chats
    everything = set(_ids(owner))
    direct = set(_ids(owner, personal="true"))
    group = set(_ids(owner, personal="false"))
    assert direct and group
    assert direct | group == everything and not direct & group
    assert all(chats[i].personal for i in direct)
    assert not any(chats[i].personal for i in group)


def test_availability_and_archived(workspace: WorkspaceServer, owner: httpx.Client) -> None:
    store = workspace.store
    public = set(_ids(owner, availability="public"))
    assert public == {c.id for c in store.chats.values() if c.public and not c.archived}
    assert any(not store.is_member(store.chats[i], store.owner_id) for i in public), (
        "public lists chats the owner is not in"
    )
    with_archived = set(_ids(owner, archived="true"))
    archived = {
        c.id for c in store.chats.values() if c.archived and store.is_member(c, store.owner_id)
    }
    assert archived and archived <= with_archived
    assert not archived & set(_ids(owner))


def test_sort_by_last_message_at_and_time_window(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    chats, _ = collect(owner, "/chats", {"limit": 50, "sort": "last_message_at"})
    stamps = [c["last_message_at"] for c in chats]
    assert stamps == sorted(stamps, reverse=True)
    ascending, _ = collect(
        owner, "/chats", {"limit": 50, "sort": "last_message_at", "order": "asc"}
    )
    assert [c["id"] for c in ascending] == [c["id"] for c in reversed(chats)]
    now = workspace.store.clock.now()
    after, before = now - timedelta(days=30), now - timedelta(days=3)
    window, _ = collect(
        owner,
        "/chats",
        {"limit": 50, "last_message_at_after": _iso(after), "last_message_at_before": _iso(before)},
    )
    expected = {c["id"] for c in chats if _iso(after) <= c["last_message_at"] <= _iso(before)}
    assert {c["id"] for c in window} == expected and expected


def test_invalid_time_filter_is_422(fresh_workspace: Factory) -> None:
    with client(fresh_workspace()) as api:
        response = api.get("/chats", params={"last_message_at_after": "yesterday"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["key"] == "last_message_at_after"


def test_create_chat_with_group_tag_members(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    tag = owner.get("/group_tags", params={"limit": 50}).json()["data"][0]
    tag_users, _ = collect(owner, f"/group_tags/{tag['id']}/users", {"limit": 50})
    assert len(tag_users) == tag["users_count"] > 0
    response = owner.post(
        "/chats",
        json={
            "chat": {
                "name": "Проект Омега",
                "channel": False,
                "public": True,
                "group_tag_ids": [tag["id"]],
            }
        },
    )
    assert response.status_code == 201
    chat = response.json()["data"]
    assert chat["owner_id"] == workspace.store.owner_id
    assert set(chat["member_ids"]) == {u["id"] for u in tag_users} | {chat["owner_id"]}
    assert chat["group_tag_ids"] == [tag["id"]]
    assert chat["last_message_at"] == chat["created_at"]
    assert owner.get(f"/chats/{chat['id']}").json()["data"]["name"] == "Проект Омега"
    renamed = owner.put(f"/chats/{chat['id']}", json={"chat": {"name": "Проект Омега 2"}})
    assert renamed.status_code == 200 and renamed.json()["data"]["name"] == "Проект Омега 2"
    blank = owner.post("/chats", json={"chat": {"name": "   "}})
    assert blank.status_code == 422 and blank.json()["errors"][0]["code"] == "blank"


def test_archive_and_unarchive(owner: httpx.Client) -> None:
    chat_id = owner.post("/chats", json={"chat": {"name": "В архив"}}).json()["data"]["id"]
    assert owner.put(f"/chats/{chat_id}/archive").status_code == 204
    assert owner.put(f"/chats/{chat_id}/archive").status_code == 204, "idempotent"
    assert owner.get(f"/chats/{chat_id}").json()["data"]["archived"] is True
    assert chat_id not in _ids(owner, personal="false")
    assert chat_id in _ids(owner, personal="false", archived="true")
    assert owner.put(f"/chats/{chat_id}/unarchive").status_code == 204
    assert chat_id in _ids(owner, personal="false")
    missing = owner.put("/chats/1/archive")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"


def test_members_add_and_list(workspace: WorkspaceServer, owner: httpx.Client) -> None:
    chat_id = owner.post("/chats", json={"chat": {"name": "Участники"}}).json()["data"]["id"]
    newcomers = sorted(workspace.store.users)[5:12]
    assert (
        owner.post(f"/chats/{chat_id}/members", json={"member_ids": newcomers}).status_code == 204
    )
    members, sizes = collect(owner, f"/chats/{chat_id}/members", {"limit": 3})
    assert {u["id"] for u in members} == set(newcomers) | {workspace.store.owner_id}
    assert len(sizes) >= 3
    owners = owner.get(f"/chats/{chat_id}/members", params={"role": "owner"}).json()["data"]
    assert [u["id"] for u in owners] == [workspace.store.owner_id]


def test_bot_sees_only_its_chats(workspace: WorkspaceServer, bot: httpx.Client) -> None:
    store = workspace.store
    mine = {
        c.id for c in store.chats.values() if store.is_member(c, store.bot_id) and not c.archived
    }
    assert set(_ids(bot)) == mine
    private = next(
        c for c in store.chats.values() if not c.public and not store.is_member(c, store.bot_id)
    )
    assert bot.get(f"/chats/{private.id}").status_code == 403


def test_control_api_makes_chats_as_anyone_beside_the_rate_limits(fresh_workspace: Factory) -> None:
    server = fresh_workspace()  # rate limits on: 50 "other" calls at once, then 50/s
    store = server.store
    people = sorted(store.users)[5:7]
    specs = [{"name": f"Подготовка {i}", "member_ids": people} for i in range(80)]
    with control(server) as ctl, client(server, "bot") as bot:
        made = ctl.post("/chats", json={"user_id": store.bot_id, "chats": specs})
        assert made.status_code == 201, made.text
        chats = made.json()["data"]
        assert [c["name"] for c in chats] == [s["name"] for s in specs]
        assert all(c["owner_id"] == store.bot_id for c in chats)
        assert set(chats[0]["member_ids"]) == {*people, store.bot_id}
        assert ctl.get("/stats").json()["requests"] == 0, "set-up is not API traffic"
        # The maker is the chat's creator, as with POST /chats: the bot may archive it.
        assert bot.put(f"/chats/{chats[0]['id']}/archive").status_code == 204
        unknown = ctl.post("/chats", json={"user_id": 10**9, "chats": specs[:1]})
        assert unknown.status_code == 404 and "user" in unknown.json()["error"]
        blank = ctl.post("/chats", json={"user_id": store.bot_id, "chats": [{"name": " "}]})
        assert blank.status_code == 400 and "name" in blank.json()["error"]
        assert ctl.post("/chats", json={"user_id": store.bot_id}).status_code == 400
        newcomer = sorted(store.users)[9]
        joined = ctl.post(f"/chats/{chats[1]['id']}/members", json={"member_ids": [newcomer]})
        assert joined.status_code == 200 and newcomer in joined.json()["data"]["member_ids"]
        assert ctl.post(f"/chats/{chats[1]['id']}/members", json={}).status_code == 400
        assert ctl.post("/chats/999999/members", json={"member_ids": [newcomer]}).status_code == 404
