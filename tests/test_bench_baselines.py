"""The benchmark's concurrent peer does the same work as the runner (no timing here).

A benchmark comparing the runner with ``bench.concurrent_baseline`` only means something if
the script has the same effects: these run it in process against small seeded workspaces
(rate limits off: what is checked is what it does, not how fast) and compare.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import concurrent_baseline
from bench.scenarios import SWEEP_JOB
from runner.workspace import WorkspaceServer
from tests.harness import Harness

T0 = datetime(2026, 11, 23, tzinfo=UTC)
SEEDED = {"start_time": T0.isoformat(), "conversations": 80, "messages": 200, "channels": 6,
          "direct_chats": 0, "bot_share": 1.0, "bot_admin": True, "quiet_chats": 52,
          "quiet_days": 90, "rate_limits": False}


def _archived(ws: WorkspaceServer) -> set[str]:
    log = httpx.get(f"{ws.root_url}/_workspace/requests", params={"since": 0}).json()
    return {e["path"] for e in log["requests"]
            if e["method"] == "PUT" and e["path"].endswith("/archive") and e["status"] == 204}


async def _script(name: str, ws: WorkspaceServer, **args: Any) -> None:
    await concurrent_baseline.main(name, {"base_url": ws.base_url, "token": ws.bot_token,
                                          "speed": 1.0, "connections": 4, **args})


async def test_the_sweep_script_archives_exactly_the_chats_the_runner_archives(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    by_runner, by_script = fresh_workspace(**SEEDED), fresh_workspace(**SEEDED)
    h = Harness(by_runner, tmp_path)
    h.write_catalogue(SWEEP_JOB)
    await h.run("sweep", at=T0)
    await _script("sweep", by_script, cutoff=(T0 - timedelta(days=90)).isoformat(), max=3000)
    # More than one page of 50: the script must follow the cursor to find them all.
    assert len(_archived(by_runner)) == 52
    assert _archived(by_script) == _archived(by_runner)


async def test_the_digest_script_posts_once_to_each_chat_it_is_given(
    fresh_workspace: Callable[..., WorkspaceServer],
) -> None:
    ws = fresh_workspace(**SEEDED)
    async with httpx.AsyncClient(base_url=ws.base_url, headers={
            "Authorization": f"Bearer {ws.bot_token}"}) as api:
        listed = (await api.get("/chats", params={"personal": "false", "limit": 50})).json()
        chats = [c["id"] for c in listed["data"]][:7]
        await _script("digest", ws, chats=chats, text="Сводка за день")
        log = (await api.get(f"{ws.root_url}/_workspace/requests", params={"since": 0})).json()
        posts = [e for e in log["requests"] if e["method"] == "POST" and e["status"] == 201]
        assert len(posts) == len(chats)
        for chat in chats:
            newest = (await api.get("/messages", params={"chat_id": chat, "limit": 1})).json()
            assert newest["data"][0]["content"] == "Сводка за день"
