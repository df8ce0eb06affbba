"""The runner's own HTTP server over loopback: health, metrics, and the export webhook's
defences (secret path, body cap, strict body, duplicates)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner import app
from runner.errors import SettingsError
from runner.kinds.export.hub import hub_of, webhook_url
from runner.kinds.export.table import export_chunks, upsert_export_chunk
from runner.runtime import Runtime
from runner.server import RunnerServer
from runner.workspace import WorkspaceServer
from tests.harness import Harness

START, END = date(2026, 10, 1), date(2026, 10, 31)
CATALOGUE = """
timezone: UTC
jobs:
  exp:
    kind: export
    schedule: "0 3 1 * *"
    period: {start: 2026-10-01, end: 2026-10-31}
"""


def ready(export_id: Any = 77, **extra: Any) -> dict[str, Any]:
    return {"type": "export", "event": "ready", "export_id": export_id,
            "created_at": "2026-11-20T06:00:00.000Z", **extra}


@pytest.fixture
def harness(workspace: WorkspaceServer, tmp_path: Path) -> Harness:
    h = Harness(workspace, tmp_path)
    h.write_catalogue(CATALOGUE)
    return h


@pytest.fixture
async def rt(harness: Harness) -> AsyncIterator[Runtime]:
    async with app.runtime(harness.settings(), harness.catalogue(), server=True) as runtime:
        yield runtime


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


def server_of(rt: Runtime) -> RunnerServer:
    server = rt.server
    assert isinstance(server, RunnerServer)
    return server


async def requested(rt: Runtime) -> None:
    """A chunk whose request is in flight, as an export job leaves it."""
    await asyncio.to_thread(upsert_export_chunk, rt.state.sync, "exp", START, END,
                            status="requested", requested_at=datetime(2026, 11, 20, 6, tzinfo=UTC))


async def chunk_row(rt: Runtime) -> tuple[Any, ...]:
    [chunk] = await asyncio.to_thread(export_chunks, rt.state.sync, "exp")
    return chunk.status, chunk.export_id, chunk.ready_at


async def test_healthz_says_who_answers(rt: Runtime, http: httpx.AsyncClient) -> None:
    response = await http.get(server_of(rt).url + "/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["replica"] == "test" and body["jobs"] == 1
    assert body["uptime"] >= 0


async def test_metrics_count_runs_by_job_and_outcome(rt: Runtime, http: httpx.AsyncClient
                                                     ) -> None:
    state = rt.state.sync
    for i, outcome in enumerate(["succeeded", "succeeded", "failed"]):
        handle = state.claim("exp", f"exp@{i}", kind="export", scheduled_for=None, lease=30)
        assert handle is not None
        state.finish(handle, outcome, counts={}, lines=[], error=None)
    dry = state.claim("exp", "exp@dry", kind="export", scheduled_for=None, lease=30,
                      dry_run=True)
    assert dry is not None
    state.finish(dry, "succeeded", counts={}, lines=[], error=None)

    response = await http.get(server_of(rt).url + "/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = response.text.splitlines()
    assert 'pachca_runner_runs{job="exp",outcome="succeeded"} 2' in lines  # dry run left out
    assert 'pachca_runner_runs{job="exp",outcome="failed"} 1' in lines
    assert "pachca_runner_jobs 1" in lines and "pachca_runner_up 1" in lines
    assert any(line.startswith('pachca_runner_last_success_timestamp_seconds{job="exp"} ')
               for line in lines)
    assert "# TYPE pachca_runner_runs gauge" in lines


async def test_ready_webhook_marks_the_requested_chunk_and_wakes_the_waiter(
    rt: Runtime, http: httpx.AsyncClient
) -> None:
    server = server_of(rt)
    await requested(rt)
    waiter = asyncio.create_task(hub_of(server).wait_changed(30))

    response = await http.post(await webhook_url(server), json=ready())

    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    async with asyncio.timeout(2):
        await waiter  # woken by the webhook, not by its 30 s timeout
    status, export_id, ready_at = await chunk_row(rt)
    assert (status, export_id) == ("ready", 77) and ready_at is not None

    again = await http.post(await webhook_url(server), json=ready())

    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert await chunk_row(rt) == (status, export_id, ready_at)


MALFORMED = [
    b"not json",
    b"[]",
    json.dumps(ready("77")).encode(),
    json.dumps(ready(True)).encode(),
    json.dumps(ready(0)).encode(),
    json.dumps(ready(77.5)).encode(),
    json.dumps({**ready(), "event": "failed"}).encode(),
    json.dumps({**ready(), "type": "message"}).encode(),
    json.dumps({"export_id": 77}).encode(),
    b"",
]


async def test_malformed_webhook_is_rejected_and_changes_nothing(
    rt: Runtime, http: httpx.AsyncClient
) -> None:
    server = server_of(rt)
    await requested(rt)
    url = await webhook_url(server)

    for body in MALFORMED:
        response = await http.post(url, content=body,
                                   headers={"content-type": "application/json"})
        assert response.status_code == 400, body

    assert await chunk_row(rt) == ("requested", None, None)


async def test_wrong_secret_path_is_not_found(rt: Runtime, http: httpx.AsyncClient) -> None:
    server = server_of(rt)
    await requested(rt)
    right = await webhook_url(server)

    for url in (server.url + "/hooks/export/guess", right[:-1], right + "x",
                server.url + "/hooks/export/"):
        response = await http.post(url, json=ready())
        assert response.status_code == 404, url

    assert await chunk_row(rt) == ("requested", None, None)


async def test_body_over_64_kib_is_refused(rt: Runtime, http: httpx.AsyncClient) -> None:
    server = server_of(rt)
    await requested(rt)
    url = await webhook_url(server)
    big = json.dumps(ready(padding="x" * 65_536)).encode()

    declared = await http.post(url, content=big, headers={"content-type": "application/json"})

    async def stream() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for i in range(0, len(big), 8192):
            yield big[i:i + 8192]

    streamed = await http.post(url, content=stream())

    assert declared.status_code == 413 and streamed.status_code == 413
    assert await chunk_row(rt) == ("requested", None, None)
    small = await http.post(url, json=ready(padding="x" * 1000))
    assert small.status_code == 200  # the cap is about size, not extra fields


async def test_webhook_with_nothing_pending_is_acknowledged_and_ignored(
    rt: Runtime, http: httpx.AsyncClient
) -> None:
    response = await http.post(await webhook_url(server_of(rt)), json=ready())

    assert response.status_code == 200 and response.json() == {"status": "unmatched"}
    assert await asyncio.to_thread(export_chunks, rt.state.sync, None) == []


async def test_webhook_path_is_secret_and_survives_a_restart(harness: Harness) -> None:
    catalogue = harness.catalogue()
    async with app.runtime(harness.settings(), catalogue, server=True) as first:
        url1 = await webhook_url(server_of(first))
    settings = harness.settings(public_url="https://runner.example.com/")
    async with app.runtime(settings, catalogue, server=True) as second:
        url2 = await webhook_url(server_of(second))

    secret = url1.rsplit("/", 1)[1]
    assert len(secret) >= 32
    assert url2 == "https://runner.example.com/hooks/export/" + secret


async def test_routes_added_by_other_parts_are_served(rt: Runtime, http: httpx.AsyncClient
                                                      ) -> None:
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response

    async def bot_events(request: Request) -> Response:
        return JSONResponse({"got": (await request.json())["type"]})

    server = server_of(rt)
    server.add_route("/hooks/bot", bot_events)

    response = await http.post(server.url + "/hooks/bot", json={"type": "button"})

    assert response.status_code == 200 and response.json() == {"got": "button"}


async def test_busy_port_is_a_clear_settings_error(harness: Harness) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SettingsError, match=f"cannot listen on 127.0.0.1:{port}"):
            async with app.runtime(harness.settings(server_port=port), harness.catalogue(),
                                   server=True):
                pass
