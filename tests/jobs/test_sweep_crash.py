"""Crashes at any point, then a rerun under a new run key: every chat is warned (and
archived) exactly once overall, counting what reached Pachca, not what the runner saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from runner.workspace import WorkspaceServer
from tests.jobs.sweep_support import EMPTY, Sweep
from tests.waiting import GUARD_S, eventually


async def _cancel_after_writes(sw: Sweep, writes: int, deadline: float = GUARD_S) -> None:
    """Run the sweep and kill it once ``writes`` write calls have reached the workspace.

    The write after them waits at the workspace's door (``hold``) until the run is
    killed: watching the request log and cancelling when it is long enough let a fast
    run (or a slow poll on a loaded machine) finish every chat in between."""
    sw.control("POST", "hold", json={"after_writes": writes})
    task = asyncio.ensure_future(sw.run())

    async def held() -> bool:
        return bool(sw.control("GET", "hold")["held"]) or task.done()

    try:
        await eventually(held, f"the write after {writes}", timeout=deadline)
        assert not task.done(), f"the run ended before {writes} writes"
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
    finally:
        sw.control("POST", "hold", json={"release": "drop"})  # it never reached Pachca

    async def landed() -> bool:  # the killed run's requests already in the workspace
        return sw.control("GET", "stats")["in_flight"] == 0

    await eventually(landed, "the killed run's requests to land", timeout=deadline)


async def test_killed_mid_warning_then_rerun_warns_each_chat_exactly_once(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # Latency keeps requests in flight when the run dies: some warnings reach the
    # workspace after their run is gone, which the rerun must recognise.
    sw = Sweep.make(fresh_workspace(**EMPTY, latency=0.02), tmp_path)
    try:
        chats = [sw.chat(f"Чат {i}") for i in range(16)]
        sw.advance(100)
        sw.job(concurrency=4)
        await _cancel_after_writes(sw, 5)
        assert 0 < sum(len(sw.bot_messages(c)) for c in chats) < len(chats)
        out = await sw.run()
        assert out.status == "succeeded", out.error
        assert [len(sw.bot_messages(c)) for c in chats] == [1] * len(chats)
        assert sw.actions("warned") == {c: 1 for c in chats}
        for chat in chats:
            state = sw.chat_state(chat)
            assert state is not None
            assert state.warning_message_id == sw.bot_messages(chat)[0].id
    finally:
        sw.close()


async def test_killed_mid_archive_then_rerun_archives_each_chat_exactly_once(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    sw = Sweep.make(fresh_workspace(**EMPTY, latency=0.02), tmp_path)
    try:
        chats = [sw.chat(f"Архив {i}") for i in range(12)]
        sw.advance(100)
        sw.job(warn_days=0, concurrency=4)
        for writes in (3, 5, 4):  # killed three times, each time somewhere else
            await _cancel_after_writes(sw, writes)
        assert 0 < sum(sw.archived(c) for c in chats) < len(chats)
        out = await sw.run()
        assert out.status == "succeeded", out.error
        assert all(sw.archived(c) for c in chats)
        assert [len(sw.bot_messages(c)) for c in chats] == [1] * len(chats)  # one closing
        assert sw.actions("archived") == {c: 1 for c in chats}
        again = await sw.run()
        assert again.report.counts["archived"] == 0
    finally:
        sw.close()


async def test_server_errors_after_the_post_then_rerun_never_doubles_a_warning(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # error_rate: half the errors come after the workspace made the change (the
    # duplicate trap): the warning exists, the runner only saw a 5xx.
    sw = Sweep.make(fresh_workspace(**EMPTY, seed=7), tmp_path)
    try:
        chats = [sw.chat(f"Сбойный чат {i}") for i in range(16)]
        sw.advance(100)
        sw.job(concurrency=1)
        sw.control("POST", "faults", json={"error_rate": 0.4})

        def trapped() -> list[int]:
            """Chats holding a warning the runner has not recorded."""
            out = []
            for chat in chats:
                state = sw.chat_state(chat)
                if sw.bot_messages(chat) and (state is None or state.warning_message_id is None):
                    out.append(chat)
            return out

        for _ in range(15):  # the trap is usually hit within a few runs
            await sw.run()
            if trapped():
                break
        assert trapped(), "the faults never hit a warning after it was posted"
        sw.control("POST", "faults", json={"error_rate": 0.0})
        final = await sw.run()
        assert final.status == "succeeded", final.error
        assert [len(sw.bot_messages(c)) for c in chats] == [1] * len(chats)
        assert sw.actions("warned") == {c: 1 for c in chats}
        assert any("posted by an interrupted run" in line for line in final.report.lines)
    finally:
        sw.close()
