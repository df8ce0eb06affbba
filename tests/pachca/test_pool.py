"""The session's lean connection pool over real HTTP to the workspace: it keeps to its
connection and keep-alive limits while serving every request, and the session falls
back to httpx's own transport where httpcore's internals are not the ones it replaces."""

from __future__ import annotations

import asyncio

import httpcore
import httpx
import pytest

from runner.pachca import pool
from runner.pachca.client import PachcaClient
from runner.workspace.server import WorkspaceServer
from tests.pachca.test_client import client_of


def _get(ws: WorkspaceServer, path: str) -> tuple[bytes, httpcore.URL, list[tuple[bytes, bytes]]]:
    url = httpx.URL(ws.base_url + path)
    target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port,
                          target=url.raw_path)
    headers = [(b"Host", url.netloc), (b"Authorization", f"Bearer {ws.owner_token}".encode())]
    return b"GET", target, headers


async def test_the_lean_pool_serves_every_request_within_its_limits(workspace: WorkspaceServer) -> None:
    limits = httpx.Limits(max_connections=3, max_keepalive_connections=1)
    transport = pool.LeanTransport(verify=httpx.create_ssl_context(), limits=limits)
    method, url, headers = _get(workspace, "/profile")
    timeout = {"timeout": httpx.Timeout(30.0).as_dict()}
    try:
        answers = await asyncio.gather(*(
            transport.exchange(method, url, headers, b"", timeout) for _ in range(24)))
        assert [a.status_code for a in answers] == [200] * 24
        assert len({a.json()["data"]["id"] for a in answers}) == 1
        # Never more than three connections; of the idle ones only one is kept alive.
        connections = transport._pool.connections
        assert 1 <= len(connections) <= 3
        assert sum(1 for c in connections if c.is_idle()) <= 1
        again = await transport.exchange(method, url, headers, b"", timeout)  # reused
        assert again.status_code == 200 and len(transport._pool.connections) <= 3
    finally:
        await transport.aclose()


async def test_the_session_uses_the_lean_pool_where_it_fits(workspace: WorkspaceServer) -> None:
    assert pool.lean_pool_fits()  # the httpcore pyproject.toml asks for
    async with client_of(workspace) as client:
        assert isinstance(client, PachcaClient)
        assert (await client.get_profile()).id > 0
        assert isinstance(client._session._transport, pool.LeanTransport)


async def test_without_the_internals_it_replaces_httpx_s_own_transport_serves(
        workspace: WorkspaceServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "lean_pool_fits", lambda: False)
    async with client_of(workspace) as client:
        assert not isinstance(client._session._transport, pool.LeanTransport)
        assert (await client.get_profile()).id > 0
        chats = [c.id async for c in client.list_chats()]
        assert chats
