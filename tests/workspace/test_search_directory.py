"""``GET /search/chats`` and ``GET /search/users`` over HTTP: what a token may find,
filters, the search meta and its cursor, and the official SDK reading the answers."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pachca.client import PachcaClient
from pachca.models import SearchChatsParams, SearchSortOrder, SearchUsersParams, UserRole

from runner.workspace import WorkspaceServer

from .helpers import Factory, client
from .test_access import _closed_chat_without_owner, _create, _people


def _all(api: httpx.Client, path: str, params: dict[str, Any]) -> tuple[list[Any], int]:
    """Every match, following ``next_page`` until a page comes back empty; and ``total``."""
    found: list[Any] = []
    cursor = None
    for _ in range(1000):
        page = api.get(path, params=dict(params, cursor=cursor) if cursor else params)
        assert page.status_code == 200, page.text
        body = page.json()
        if not body["data"]:
            return found, body["meta"]["total"]
        found += body["data"]
        cursor = body["meta"]["paginate"]["next_page"]
    raise AssertionError("search paging did not end")


def test_chat_search_finds_visible_chats_only(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    mine = _create(owner, "Квазар проект", _people(workspace, 1))
    shared = _create(owner, "Квазар открытый", _people(workspace, 1), public=True)
    with client(workspace, "bot") as bot:
        seen, total = _all(bot, "/search/chats", {"query": "квазар", "limit": 1})
        assert [c["id"] for c in seen] == [shared] and total == 1, "open chats only"
    found, total = _all(owner, "/search/chats", {"query": "КВАЗАР", "order": "asc"})
    assert [c["id"] for c in found] == [mine, shared] and total == 2
    closed = _closed_chat_without_owner(workspace)
    hidden, _ = _all(owner, "/search/chats", {"query": closed.name})
    assert closed.id not in [c["id"] for c in hidden]
    assert owner.put(f"/chats/{mine}/archive").status_code == 204
    active, _ = _all(owner, "/search/chats", {"query": "квазар", "active": "true"})
    assert [c["id"] for c in active] == [shared]


def test_user_search_matches_names_and_other_fields_with_filters(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    person_id = _people(workspace, 1)[0]
    person = workspace.call(lambda: workspace.store.users[person_id])
    found, total = _all(owner, "/search/users", {"query": person.last_name.upper(),
                                                 "limit": 2})
    assert person.id in [u["id"] for u in found] and total == len(found)
    assert all(person.last_name.lower() in (u["first_name"] + u["last_name"] + u["nickname"]
                                            + (u["email"] or "") + (u["department"] or "")
                                            + (u["title"] or "")).lower() for u in found)
    admins, _ = _all(owner, "/search/users", {"company_roles[]": "admin"})
    assert admins and {u["role"] for u in admins} == {"admin"}
    ordered, _ = _all(owner, "/search/users", {"sort": "alphabetical", "order": "asc"})
    names = [f"{u['first_name']} {u['last_name']}".strip().lower() for u in ordered]
    assert names == sorted(names) and len(ordered) == workspace.call(
        lambda: len(workspace.store.users))


def test_bad_search_parameters_are_a_400(fresh_workspace: Factory) -> None:
    # Its own workspace: requests that break the spec must not reach the contract check.
    server = fresh_workspace()
    with client(server, "owner") as owner:
        assert owner.get("/search/chats", params={"limit": 101}).status_code == 400
        assert owner.get("/search/chats", params={"chat_subtype": "x"}).status_code == 400
        assert owner.get("/search/users", params={"sort": "x"}).status_code == 400
        assert owner.get("/search/users",
                         params={"company_roles[]": "boss"}).status_code == 400
        assert owner.get("/search/users", params={"cursor": "плохой"}).status_code == 400


def test_the_official_sdk_searches_chats_and_users(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with client(server, "owner") as owner:
        chat_id = _create(owner, "Пульсар SDK", [server.store.bot_id])

    async def probe() -> tuple[list[int], list[str]]:
        sdk = PachcaClient(server.owner_token, base_url=server.base_url)
        try:
            chats = await sdk.search.search_chats(SearchChatsParams(query="пульсар"))
            users = await sdk.search.search_users(SearchUsersParams(
                sort=SearchSortOrder.CREATION, company_roles=[UserRole.ADMIN], limit=5))
        finally:
            await sdk.close()
        return [c.id for c in chats.data], [u.role for u in users.data]

    chat_ids, roles = asyncio.run(probe())
    assert chat_ids == [chat_id]
    assert roles and set(roles) == {UserRole.ADMIN}
    assert httpx.get(server.root_url + "/_workspace/stats",
                     trust_env=False).json()["openapi_violations"] == []
