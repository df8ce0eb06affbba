"""``GET``, ``PUT`` and ``DELETE /tasks/{id}`` over HTTP: a task is its author's and its
performers'; a performer changes only the status; the author alone deletes."""

from __future__ import annotations

import asyncio

import httpx
from pachca.client import PachcaClient
from pachca.models import TaskStatus, TaskUpdateRequest, TaskUpdateRequestTask

from runner.workspace import WorkspaceServer

from .helpers import Factory, client, control
from .test_access import _people, _refused


def _seed(server: WorkspaceServer, author: int, performers: list[int]) -> int:
    with control(server) as ctl:
        made = ctl.post("/tasks", json={"user_id": author, "content": "Сверить акты",
                                        "performer_ids": performers})
    assert made.status_code == 201, made.text
    return int(made.json()["data"]["id"])


def test_author_and_performers_share_a_task_with_their_own_rights(
    workspace: WorkspaceServer, owner: httpx.Client, bot: httpx.Client
) -> None:
    task_id = _seed(workspace, workspace.store.owner_id, [workspace.store.bot_id])
    assert bot.get(f"/tasks/{task_id}").json()["data"]["content"] == "Сверить акты"
    done = bot.put(f"/tasks/{task_id}", json={"task": {"status": "done"}})
    assert done.status_code == 200 and done.json()["data"]["status"] == "done"
    _refused(bot.put(f"/tasks/{task_id}", json={"task": {"content": "Моё"}}))
    edited = owner.put(f"/tasks/{task_id}", json={"task": {
        "content": "Сверить акты за май", "due_at": "2026-06-05T23:59:59.000+03:00",
        "priority": 3}})
    assert edited.status_code == 200, edited.text
    data = edited.json()["data"]
    assert data["all_day"] is True and data["priority"] == 3
    assert data["due_at"] == "2026-06-05T20:59:59.000Z"
    _refused(bot.delete(f"/tasks/{task_id}"))
    assert owner.delete(f"/tasks/{task_id}").status_code == 204
    assert owner.get(f"/tasks/{task_id}").status_code == 404
    stranger = _seed(workspace, _people(workspace, 1)[0], _people(workspace, 1))
    _refused(owner.get(f"/tasks/{stranger}"))
    _refused(owner.put(f"/tasks/{stranger}", json={"task": {"status": "done"}}))


def test_task_edits_are_checked(fresh_workspace: Factory) -> None:
    # Its own workspace: requests that break the spec must not reach the contract check.
    server = fresh_workspace()
    task_id = _seed(server, server.store.owner_id, [server.store.owner_id])
    path = f"/tasks/{task_id}"
    with client(server, "owner") as owner:
        assert owner.put(path, json={}).status_code == 400
        for field, value in (("priority", 5), ("status", "later"), ("kind", "party"),
                             ("content", " "), ("due_at", "завтра"),
                             ("performer_ids", [999_999_999]),
                             ("custom_properties", [{"id": 1, "value": "x"}])):
            answer = owner.put(path, json={"task": {field: value}})
            assert answer.status_code == 422, (field, answer.text)
            assert answer.json()["errors"][0]["key"] == field
        assert owner.get("/tasks/999999").status_code == 404
        assert owner.get(path).json()["data"]["priority"] == 1, "nothing changed"


def test_the_official_sdk_reads_edits_and_deletes_a_task(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    task_id = _seed(server, server.store.bot_id, [server.store.bot_id])

    async def probe() -> tuple[str, TaskStatus]:
        sdk = PachcaClient(server.bot_token, base_url=server.base_url)
        try:
            task = await sdk.tasks.get_task(task_id)
            done = await sdk.tasks.update_task(task_id, TaskUpdateRequest(
                task=TaskUpdateRequestTask(status=TaskStatus.DONE)))
            await sdk.tasks.delete_task(task_id)
        finally:
            await sdk.close()
        return task.content, done.status

    content, status = asyncio.run(probe())
    assert content == "Сверить акты" and status == TaskStatus.DONE
    assert server.call(lambda: task_id not in server.store.tasks)
    assert httpx.get(server.root_url + "/_workspace/stats",
                     trust_env=False).json()["openapi_violations"] == []
