"""Statuses over HTTP: one's own (``/profile/status``) and anyone's
(``/users/{user_id}/status``, changed by the Owner and admins only), the bare ``null``
without a status, an expired status kept a while, and the official SDK reading them;
and the custom property definitions (``GET /custom_properties``)."""

from __future__ import annotations

import asyncio

import httpx
from pachca.client import PachcaClient
from pachca.models import StatusUpdateRequest, StatusUpdateRequestStatus

from runner.workspace import WorkspaceServer
from runner.workspace.clock import format_ms
from runner.workspace.routes_status import EXPIRED_GRACE_MS

from .helpers import Factory, client, control
from .test_access import _people


def test_own_status_is_set_read_and_deleted(
    workspace: WorkspaceServer, bot: httpx.Client, owner: httpx.Client
) -> None:
    assert bot.delete("/profile/status").status_code == 204
    empty = bot.get("/profile/status")
    assert empty.status_code == 200 and empty.json() is None, "a bare null, no wrapper"
    set_ = bot.put("/profile/status", json={"status": {
        "emoji": "🏖", "title": "В отпуске", "is_away": True, "away_message": "До 15-го"}})
    assert set_.status_code == 200, set_.text
    assert set_.json()["data"] == {"emoji": "🏖", "title": "В отпуске", "expires_at": None,
                                   "is_away": True, "away_message": {"text": "До 15-го"}}
    assert bot.get("/profile/status").json() == set_.json()
    seen = owner.get(f"/users/{workspace.store.bot_id}/status").json()
    assert seen == set_.json(), "anyone may read it"
    user = owner.get(f"/users/{workspace.store.bot_id}").json()["data"]
    assert user["user_status"] == set_.json()["data"]
    assert bot.delete("/profile/status").status_code == 204
    assert owner.get(f"/users/{workspace.store.bot_id}/status").json() is None


def test_only_the_owner_and_admins_change_someone_elses_status(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    person = _people(workspace, 1)[0]
    body = {"status": {"emoji": "📞", "title": "На созвоне"}}
    refused = bot.put(f"/users/{person}/status", json=body)
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
    assert owner.put(f"/users/{person}/status", json=body).status_code == 200
    assert bot.get(f"/users/{person}/status").json()["data"]["title"] == "На созвоне"
    assert bot.delete(f"/users/{person}/status").status_code == 403
    assert owner.delete(f"/users/{person}/status").status_code == 204
    assert owner.get("/users/999999999/status").status_code == 404


def test_status_input_is_checked_and_an_expired_status_lingers(fresh_workspace: Factory) -> None:
    # Its own workspace: its clock moves, and bad requests stay out of the contract check.
    server = fresh_workspace()
    with client(server, "owner") as owner:
        assert owner.put("/profile/status", json={}).status_code == 400
        for status, key in (({"title": "x"}, "emoji"), ({"emoji": "x", "title": "x"}, "emoji"),
                            ({"emoji": "🙂", "title": "x" * 51}, "title"),
                            ({"emoji": "🙂", "title": "x", "expires_at": "2000-01-01T00:00:00Z"},
                             "expires_at"),
                            ({"emoji": "🙂", "title": "x", "away_message": "x" * 1025},
                             "away_message")):
            answer = owner.put("/profile/status", json={"status": status})
            assert answer.status_code == 422 and answer.json()["errors"][0]["key"] == key
        expires = format_ms(server.call(server.store.now_ms) + 60_000)
        assert owner.put("/profile/status", json={"status": {
            "emoji": "🙂", "title": "Минутку", "expires_at": expires}}).status_code == 200
        with control(server) as ctl:
            ctl.post("/clock", json={"freeze": True, "advance": 61})
            lingering = owner.get("/profile/status").json()
            assert lingering["data"]["expires_at"] == expires, "expired, not yet cleared"
            ctl.post("/clock", json={"advance": EXPIRED_GRACE_MS / 1000})
        assert owner.get("/profile/status").json() is None


def test_the_official_sdk_sets_reads_and_deletes_a_status(fresh_workspace: Factory) -> None:
    server = fresh_workspace()

    async def probe() -> str:
        sdk = PachcaClient(server.bot_token, base_url=server.base_url)
        try:
            await sdk.profile.update_status(StatusUpdateRequest(
                status=StatusUpdateRequestStatus(emoji="🚀", title="Релиз")))
            got = await sdk.profile.get_status()
            await sdk.profile.delete_status()
        finally:
            await sdk.close()
        return str(got.title)

    assert asyncio.run(probe()) == "Релиз"
    # Without a status the answer is the bare null the spec describes; the SDK (1.x)
    # indexes it as {"data": ...} and fails, so clients must read that case themselves.
    with client(server, "bot") as bot:
        assert bot.get("/profile/status").json() is None
    assert httpx.get(server.root_url + "/_workspace/stats",
                     trust_env=False).json()["openapi_violations"] == []


def test_custom_properties_are_listed_by_entity_type(
    workspace: WorkspaceServer, bot: httpx.Client
) -> None:
    defined = workspace.call(lambda: dict(workspace.store.custom_properties))
    for entity_type in ("User", "Task"):
        listed = bot.get("/custom_properties", params={"entity_type": entity_type})
        assert listed.status_code == 200, listed.text
        assert listed.json() == {"data": defined[entity_type]}


def test_custom_properties_need_an_entity_type(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with client(server, "bot") as bot:
        assert bot.get("/custom_properties").status_code == 400
        wrong = bot.get("/custom_properties", params={"entity_type": "Chat"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["key"] == "entity_type"
