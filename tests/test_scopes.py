"""A token without the scopes a job needs fails the run before it writes anything (the
recipients' reads may go out beside the token info), naming the scopes and where in
Pachca they are granted; the client asks for them once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from runner import app, words
from runner.execute import execute
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.sweep_support import EMPTY

CATALOGUE = """
    timezone: Europe/Moscow
    jobs:
      hello:
        kind: message
        schedule: "0 10 * * 1"
        to: {{chats: [{chat}]}}
        text: Привет
      sweep:
        kind: sweep
        schedule: "0 9 * * *"
        inactive_days: 30
"""


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    return fresh_workspace(**EMPTY)


@pytest.fixture
def h(ws: WorkspaceServer, tmp_path: Path) -> Harness:
    chat = httpx.post(ws.root_url + "/_workspace/chats", trust_env=False, json={
        "user_id": ws.store.owner_id,
        "chats": [{"name": "Общий", "member_ids": [ws.store.bot_id]}]}).json()["data"][0]["id"]
    harness = Harness(ws, tmp_path)
    harness.write_catalogue(CATALOGUE.format(chat=chat))
    return harness


@pytest.fixture
def russian() -> Iterator[None]:
    words.use("ru")
    yield
    words.use(None)


def token(ws: WorkspaceServer, kind: str, scopes: list[str] | None = None) -> str:
    body = {"kind": kind, **({"scopes": scopes} if scopes is not None else {})}
    return str(httpx.post(ws.root_url + "/_workspace/tokens", json=body,
                          trust_env=False).json()["token"])


def calls(h: Harness, since: int) -> list[tuple[str, str]]:
    return [(r["method"], r["path"].split("/api/shared/v1", 1)[-1]) for r in h.requests(since)]


async def test_a_bot_token_without_a_scope_fails_before_it_writes_anything(
    ws: WorkspaceServer, h: Harness
) -> None:
    mark = h.mark()
    chat = h.catalogue().jobs["hello"].params.to.chats[0]

    outcome = await h.run("hello", token=token(ws, "bot", ["chats:read", "messages:read"]))

    assert outcome.status == "failed" and outcome.error is not None
    assert outcome.error.startswith("job 'hello' needs the scope(s) messages:create, which the"
                                    " bot's token (PACHCA_TOKEN) lacks; nothing was done.")
    assert "Automations → Integrations → the bot → API tab" in outcome.error
    # The recipient check reads the chat while the token info is asked for (it needs
    # neither the scopes nor the token's user); whether that read went out before the
    # scopes failed the run is a matter of timing, a write never is.
    made = calls(h, mark)
    assert ("GET", "/oauth/token/info") in made
    assert set(made) <= {("GET", "/oauth/token/info"), ("GET", f"/chats/{chat}")}, made


async def test_a_user_token_is_told_where_user_scopes_are_granted_in_russian(
    ws: WorkspaceServer, h: Harness, russian: None
) -> None:
    mark = h.mark()

    outcome = await h.run("sweep", token=ws.limited_token)  # a user's token, reading only

    assert outcome.status == "failed" and outcome.error is not None
    assert outcome.error.startswith("задание «sweep»: нужны права chats:archive,"
                                    " messages:create, а у токена пользователя (PACHCA_TOKEN)"
                                    " их нет; ничего не сделано.")
    assert "Автоматизации → API → права токена" in outcome.error
    assert calls(h, mark) == [("GET", "/oauth/token/info")]


async def test_the_client_learns_the_tokens_scopes_once(ws: WorkspaceServer, h: Harness) -> None:
    mark = h.mark()
    async with app.runtime(h.settings(), h.catalogue()) as rt:
        for _ in range(2):
            outcome = await execute(rt, rt.catalogue.jobs["hello"])
            assert outcome.status == "succeeded", outcome.error
    made = calls(h, mark)
    assert made.count(("GET", "/oauth/token/info")) == 1
    assert made.count(("POST", "/messages")) == 2
