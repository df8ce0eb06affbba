"""The ``export`` kind when things go wrong: a crash midway, a webhook late, twice or never,
a download that breaks, a file changed on disk. Each rerun picks up where the last
stopped, and nothing half-written ever takes a good file's place."""

from __future__ import annotations

import asyncio
import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.execute import Outcome
from runner.workspace import WorkspaceServer
from tests.jobs.export_support import ExportEnv, free_port, make_env
from tests.waiting import eventually

OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}
EXPORT = "/api/shared/v1/chats/exports"


async def accepts_connections(port: int) -> bool:
    """Whether something listens on ``port`` of the loopback interface."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def run_then_release_webhooks(env: ExportEnv, port: int) -> Outcome:
    """Rerun the job; once its webhook server listens, Pachca delivers the held webhooks."""
    rerun = asyncio.create_task(env.h.run("exp", server_port=port))
    await eventually(lambda: accepts_connections(port), "the rerun's webhook server")
    env.h.control("POST", "faults", json={"export_webhooks_held_from": 0})
    return await rerun


@pytest.fixture
def make(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
         ) -> Callable[..., ExportEnv]:
    return lambda **overrides: make_env(fresh_workspace, tmp_path, **overrides)


async def test_rerun_after_a_crash_skips_done_chunks_and_resumes_the_pending_request(
    make: Callable[..., ExportEnv],
) -> None:
    # Pachca holds chunk 2's webhook, so the runner can be stopped while it waits for it.
    env = make(export_webhooks_held_from=2)
    env.job(period={"start": "2026-08-01", "end": "2026-11-08"})  # 3 chunks
    port = free_port()  # both runs serve the same webhook URL, as a restarted runner does

    first = asyncio.create_task(env.h.run("exp", server_port=port))

    async def second_in_pachcas_hands() -> bool:
        if first.done():  # the run ended on its own: say why instead of waiting out the guard
            raise AssertionError(f"the first run ended early: {first.result()}")
        found = await asyncio.to_thread(env.chunks)
        return (len(found) >= 2 and found[1].status == "requested"
                and found[1].requested_at is not None
                and len(await asyncio.to_thread(env.exports)) == 2)

    await eventually(second_in_pachcas_hands, "chunk 2 to be requested")
    first.cancel()  # the runner dies while waiting for chunk 2's webhook
    with pytest.raises(asyncio.CancelledError):
        await first
    assert env.chunks()[0].status == "downloaded"

    outcome = await run_then_release_webhooks(env, port)

    assert outcome.status == "succeeded", outcome.error
    # Chunk 1 was not requested again, nor chunk 2: its late webhook was waited for.
    assert [(e["start_at"], e["end_at"]) for e in env.exports()] == [
        ("2026-08-01", "2026-09-14"), ("2026-09-15", "2026-10-29"), ("2026-10-30", "2026-11-08")]
    assert outcome.report.counts["skipped:downloaded"] == 1
    assert outcome.report.counts["requested"] == 1
    assert [c.status for c in env.chunks()] == ["downloaded"] * 3
    assert len([f for f in env.files() if f.endswith(".zip")]) == 3 == len(env.files())


async def test_missing_webhook_fails_clearly_and_the_next_run_takes_the_late_one(
    make: Callable[..., ExportEnv],
) -> None:
    env = make(export_webhooks_held_from=1)  # the webhook comes only after the first run
    env.job(period=OCTOBER, webhook_timeout="0.3s")
    port = free_port()

    failed = await env.h.run("exp", server_port=port)

    assert failed.status == "failed"
    assert failed.error == (
        "Pachca did not report the export of 2026-10-01–2026-10-31 as ready within 0.3 s;"
        " the request stays pending and the next run resumes it"
    )
    assert [c.status for c in env.chunks()] == ["requested"]
    assert env.files() == []

    env.job(period=OCTOBER)  # the default: wait as long as a test's guard
    outcome = await run_then_release_webhooks(env, port)

    assert outcome.status == "succeeded", outcome.error
    assert len(env.exports()) == 1  # waited for the pending request; did not ask again
    assert env.files() == ["pachca-2026-10-01_2026-10-31.zip"]


async def test_duplicate_webhooks_are_acknowledged_and_ignored(
    make: Callable[..., ExportEnv],
) -> None:
    env = make(export_webhook_duplicates=True)
    env.job(period={"start": "2026-08-01", "end": "2026-10-01"})  # 2 chunks

    outcome = await env.h.run("exp")

    assert outcome.status == "succeeded", outcome.error
    exports = env.exports()
    assert [len(e["deliveries"]) for e in exports] == [2, 2]
    assert all(d["status"] == 200 for e in exports for d in e["deliveries"])
    chunks = env.chunks()
    assert [c.export_id for c in chunks] == [e["id"] for e in exports]
    assert outcome.report.counts["downloaded"] == 2


async def test_broken_download_leaves_the_old_file_and_no_partial_one(
    make: Callable[..., ExportEnv],
) -> None:
    env = make(download_ttl=0.0)  # every download link has expired by the time it is used
    env.job(period=OCTOBER)
    env.out.mkdir()
    target = env.out / "pachca-2026-10-01_2026-10-31.zip"
    target.write_bytes(b"the archive from last year")

    outcome = await env.h.run("exp")

    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.startswith("could not download export")
    assert target.read_bytes() == b"the archive from last year"
    assert env.files() == [target.name]  # no temporary left behind
    [chunk] = env.chunks()
    assert chunk.status == "ready" and chunk.export_id == env.exports()[0]["id"]


async def test_changed_file_is_downloaded_again_without_a_new_request(
    make: Callable[..., ExportEnv],
) -> None:
    env = make()
    env.job(period=OCTOBER)
    assert (await env.h.run("exp")).status == "succeeded"
    target = env.out / "pachca-2026-10-01_2026-10-31.zip"
    good = target.read_bytes()
    target.write_bytes(good[: len(good) // 2])  # truncated by someone
    mark = env.h.mark()

    outcome = await env.h.run("exp")

    assert outcome.status == "succeeded", outcome.error
    assert [m for m, _ in env.export_calls(mark)] == ["GET"]  # the recorded id, no new POST
    assert zipfile.ZipFile(target).testzip() is None
    [chunk] = env.chunks()
    assert chunk.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
