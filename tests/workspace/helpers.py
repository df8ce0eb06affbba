"""Helpers for the workspace tests: HTTP clients per token kind, polling, paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from runner.workspace import WorkspaceServer

T = TypeVar("T")

#: The ``fresh_workspace`` fixture: ``fresh_workspace(**config_overrides)``.
Factory = Callable[..., WorkspaceServer]


def client(server: WorkspaceServer, kind: str = "owner", **kwargs: Any) -> httpx.Client:
    """An httpx client on the API base with the token of ``kind`` (or none)."""
    token = {
        "owner": server.owner_token,
        "bot": server.bot_token,
        "limited": server.limited_token,
    }.get(kind, kind)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(
        base_url=server.base_url, headers=headers, timeout=10.0, trust_env=False, **kwargs
    )


def control(server: WorkspaceServer) -> httpx.Client:
    """A client for the ``/_workspace`` control API."""
    return httpx.Client(base_url=server.root_url + "/_workspace", timeout=10.0, trust_env=False)


def collect(
    api: httpx.Client, path: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[int]]:
    """Follow ``next_page`` until ``has_next`` is false; records and page sizes."""
    records: list[dict[str, Any]] = []
    sizes: list[int] = []
    cursor = None
    for _ in range(10_000):
        query = dict(params, cursor=cursor) if cursor else dict(params)
        response = api.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        records += body["data"]
        sizes.append(len(body["data"]))
        paginate = body["meta"]["paginate"]
        assert paginate["next_page"], "cursors are never null"
        if not paginate["has_next"]:
            return records, sizes
        cursor = paginate["next_page"]
    raise AssertionError("pagination did not end")
