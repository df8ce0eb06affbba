"""The console served as ``run`` serves it: the runner's server with the console on,
over a real loopback socket, against the shared embedded workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from runner import app
from runner.execute import Outcome
from runner.runtime import Runtime
from runner.server import RunnerServer
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.sweep_support import Sweep

SECRET = "txt-secret-value-4711"
"""A ``${VAR}`` value the catalogue shows in a description: no page may show it."""
CATALOGUE = """
timezone: Europe/Moscow
jobs:
  notice:
    kind: message
    description: "Уведомление для ${NOTICE_TAG}"
    schedule: "0 9 * * 1-5"
    workdays: RU
    to: {chats: [CHAT]}
    text: "Доброе утро"
  quiet:
    kind: message
    schedule: "0 9 1 1 *"
    enabled: false
    to: {chats: [CHAT]}
    text: "x"
"""


@dataclass
class Served:
    """The harness, the live runtime and an HTTP client at the console's base URL."""

    harness: Harness
    rt: Runtime
    http: httpx.AsyncClient
    chat: int

    @property
    def server(self) -> RunnerServer:
        server = self.rt.server
        assert isinstance(server, RunnerServer)
        return server


def group_chat(workspace: WorkspaceServer) -> int:
    """A group chat the bot may post to."""
    store = workspace.store
    return workspace.call(lambda: sorted(
        c.id for c in store.chats.values() if not c.personal and not c.archived
        and store.bot_id in c.member_ids))[0]


@pytest.fixture
async def served(workspace: WorkspaceServer, tmp_path: Path) -> AsyncIterator[Served]:
    harness = Harness(workspace, tmp_path, env={"NOTICE_TAG": SECRET})
    chat = group_chat(workspace)
    harness.write_catalogue(CATALOGUE.replace("CHAT", str(chat)))
    settings = harness.settings(console=True)
    async with app.runtime(settings, harness.catalogue(), server=True) as rt:
        server = rt.server
        assert isinstance(server, RunnerServer)
        async with httpx.AsyncClient(base_url=server.url, timeout=10.0) as http:
            yield Served(harness, rt, http, chat)


OPERATOR_PASSWORD = "operator-pass-9081"
VIEWER_PASSWORD = "viewer-pass-3310"


def users_setting() -> str:
    """Two accounts: anna (operator) and boris (viewer), argon2-hashed."""
    from runner.web.auth import hash_password

    return (f"anna:operator:{hash_password(OPERATOR_PASSWORD)}\n"
            f"boris:viewer:{hash_password(VIEWER_PASSWORD)}")


@pytest.fixture(scope="session")
def users() -> str:
    return users_setting()


@pytest.fixture
async def secured(workspace: WorkspaceServer, tmp_path: Path, users: str
                  ) -> AsyncIterator[Served]:
    """The console with accounts configured (anna operator, boris viewer)."""
    harness = Harness(workspace, tmp_path, env={"NOTICE_TAG": SECRET})
    chat = group_chat(workspace)
    harness.write_catalogue(CATALOGUE.replace("CHAT", str(chat)))
    settings = harness.settings(console=True, console_users=users)
    async with app.runtime(settings, harness.catalogue(), server=True) as rt:
        server = rt.server
        assert isinstance(server, RunnerServer)
        async with httpx.AsyncClient(base_url=server.url, timeout=10.0) as http:
            yield Served(harness, rt, http, chat)


async def log_in(http: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    """Log in through the form as a browser does (the login page's token first)."""
    form = await http.get("/console/login")
    token = csrf_of(form.text)
    return await http.post("/console/login", data={
        "csrf": token, "name": name, "password": password, "next": "/console/jobs"})


def csrf_of(page: str) -> str:
    """The CSRF token a page's forms carry."""
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def archived_by_a_sweep(sw: Sweep, n: int = 2) -> tuple[Outcome, list[int]]:
    """``n`` chats quiet for 100 days, archived by one sweep run (no warning first):
    the run's outcome and the chats' ids."""
    chats = [sw.chat(f"Старый проект {i}") for i in range(n)]
    sw.advance(100)
    sw.job(warn_days=0, closing_message=False)
    swept = await sw.run()
    assert swept.run_id is not None and all(sw.archived(c) for c in chats)
    return swept, chats


def quiet_sweep(sw: Sweep, chats: int = 3) -> list[int]:
    """``chats`` chats quiet for 100 days and a sweep that archives them one at a time
    without warning (so a held write stops it mid-way); their ids."""
    made = [sw.chat(f"Старый проект {i}") for i in range(chats)]
    sw.advance(100)
    sw.job(warn_days=0, closing_message=False, concurrency=1)
    return made


@asynccontextmanager
async def sweep_console(sw: Sweep, users: str) -> AsyncIterator[Runtime]:
    """The runner with the console (accounts ``users``) over the sweep's workspace, its
    clock at the workspace's."""
    from runner.runtime import shifted_clock

    settings = sw.h.settings(console=True, console_users=users)
    async with app.runtime(settings, sw.h.catalogue(), server=True,
                           clock=shifted_clock(sw.now())) as rt:
        assert isinstance(rt.server, RunnerServer)
        yield rt
