"""The workspace's upload flow, message search and tasks, as strict as Pachca.

``workspace`` is the shared session workspace: these tests only add records, and send it
only requests the spec allows (its whole-run contract check counts every request). Requests
outside the spec go to a private workspace.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from runner.workspace import WorkspaceServer
from tests.workspace.conftest import client


def _grant(bot: httpx.Client) -> dict[str, str]:
    response = bot.post("/uploads")
    assert response.status_code == 201
    params = response.json()
    assert "data" not in params and params["key"].endswith("/${filename}")
    assert params["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    return dict(params)


def _store(params: dict[str, str], name: str, **change: str) -> httpx.Response:
    form = {k: v for k, v in params.items() if k != "direct_url"} | change
    return httpx.post(params["direct_url"], data=form, files={"file": (name, b"a,b\r\n")})


def _chat(bot: httpx.Client) -> int:
    return int(bot.get("/chats", params={"limit": 1}).json()["data"][0]["id"])


def test_a_file_is_uploaded_with_the_signed_form_once_and_attached(bot: httpx.Client) -> None:
    params = _grant(bot)
    assert _store(params, "report.csv", **{"x-amz-signature": "0" * 64}).status_code == 403
    assert _store(params, "report.csv").status_code == 204
    assert _store(params, "report.csv").status_code == 403  # one upload per grant
    key = params["key"].replace("${filename}", "report.csv")
    chat = _chat(bot)

    wrong = bot.post("/messages", json={"message": {"entity_id": chat, "content": "Отчёт",
                                                    "files": [{"key": key, "name": "r.png",
                                                               "file_type": "image",
                                                               "size": 5}]}})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["code"] == "wrong_params"
    unknown = bot.post("/messages", json={"message": {"entity_id": chat, "content": "Отчёт",
                                                      "files": [{"key": key + "x",
                                                                 "name": "r.csv",
                                                                 "file_type": "file",
                                                                 "size": 5}]}})
    assert unknown.status_code == 422
    posted = bot.post("/messages", json={"message": {"entity_id": chat, "content": "Отчёт",
                                                     "files": [{"key": key, "name": "Итоги.csv",
                                                                "file_type": "file",
                                                                "size": 5}]}})
    assert posted.status_code == 201
    [file] = posted.json()["data"]["files"]
    assert file["key"] == key and file["name"] == "Итоги.csv" and file["file_type"] == "file"
    assert httpx.get(file["url"]).content == b"a,b\r\n"


def test_search_meta_limit_and_visibility(
    workspace: WorkspaceServer, bot: httpx.Client
) -> None:
    page = bot.get("/search/messages", params={"limit": 5}).json()
    assert set(page["meta"]) == {"total", "paginate"}
    assert set(page["meta"]["paginate"]) == {"next_page"} and page["meta"]["total"] >= 5
    store = workspace.store
    mine = workspace.call(lambda: {c.id for c in store.chats.values()
                                   if store.is_member(c, store.bot_id)})
    assert {m["chat_id"] for m in page["data"]} <= mine
    after = bot.get("/search/messages", params={"limit": 5,
                                                "cursor": page["meta"]["paginate"]["next_page"]})
    first, second = [m["id"] for m in page["data"]], [m["id"] for m in after.json()["data"]]
    assert not set(first) & set(second)


def test_tasks_are_only_the_tokens_own(workspace: WorkspaceServer, bot: httpx.Client) -> None:
    tasks = bot.get("/tasks", params={"limit": 50}).json()
    bot_id = workspace.call(lambda: workspace.store.bot_id)
    assert tasks["data"] and all(t["user_id"] == bot_id or bot_id in t["performer_ids"]
                                 for t in tasks["data"])
    assert {"has_next", "next_page"} <= set(tasks["meta"]["paginate"])


def test_requests_outside_the_spec_are_refused(
    fresh_workspace: Callable[..., WorkspaceServer]
) -> None:
    ws = fresh_workspace()
    with client(ws, "bot") as bot:
        # Search answers a bad parameter with 400: the spec lists no 422 for it.
        assert bot.get("/search/messages", params={"query": "x", "limit": 201}).status_code == 400
        params = _grant(bot)
        assert _store(params, "report.csv").status_code == 204
        key = params["key"].replace("${filename}", "report.csv")
        chat = _chat(bot)
        for partial in ({"key": key, "name": "r.csv"},  # the spec requires file_type and size
                        {"key": key, "name": "r.csv", "file_type": "file"},
                        {"key": key, "name": "r.csv", "file_type": "file", "size": "5"}):
            refused = bot.post("/messages", json={"message": {
                "entity_id": chat, "content": "Отчёт", "files": [partial]}})
            assert refused.status_code == 422, partial
