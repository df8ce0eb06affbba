"""Runs last (by name): everything the shared workspace saw conformed to the OpenAPI spec."""

from __future__ import annotations

import httpx

from runner.workspace import WorkspaceServer


def test_no_openapi_violations_in_the_whole_run(
    require_openapi: str, workspace: WorkspaceServer
) -> None:
    stats = httpx.get(workspace.root_url + "/_workspace/stats", trust_env=False).json()
    assert stats["openapi_checked"] is True
    assert stats["requests"] > 100, "the run exercised the workspace"
    assert stats["openapi_violations"] == []
    assert workspace.violations == []
