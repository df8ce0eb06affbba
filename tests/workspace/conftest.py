"""Fixtures of the workspace tests: clients of the shared workspace per token kind."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from runner.workspace import WorkspaceServer

from .helpers import client, control


@pytest.fixture
def owner(workspace: WorkspaceServer) -> Iterator[httpx.Client]:
    """Owner-token client on the shared workspace."""
    with client(workspace, "owner") as api:
        yield api


@pytest.fixture
def bot(workspace: WorkspaceServer) -> Iterator[httpx.Client]:
    """Bot-token client on the shared workspace."""
    with client(workspace, "bot") as api:
        yield api


@pytest.fixture
def ctl(workspace: WorkspaceServer) -> Iterator[httpx.Client]:
    """Control-API client on the shared workspace."""
    with control(workspace) as api:
        yield api
