"""A chunk that meets a stale archive (the late webhook of an export given up on) still
gets its own export in the same run, without asking Pachca twice.

Pachca holds every ready webhook here and the test lets each go by event, never by a
clock: run 1 gives up on chunk 1 (request A); the rerun asks for chunk 1 again (B) and
for chunk 2 (C); A's webhook then arrives while chunk 2 waits, its archive holds chunk
1's days and the runner lets it go. What differs is when chunk 2's own webhook comes,
and whether another stale one is kept beside it.
"""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from runner.execute import Outcome
from runner.kinds.export.records import ExportChunk
from runner.kinds.export.table import export_chunks, upsert_export_chunk
from runner.workspace import WorkspaceServer
from tests.reliability.worlds import World, build, exports_intact, workspace_config
from tests.waiting import GUARD_S, eventually

Export = dict[str, Any]


class Steering:
    """One rerun in the background and the test's view of Pachca's exports meanwhile."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.probe = world.store()  # opened before the rerun: later looks only read
        self.rerun: asyncio.Task[Outcome] = asyncio.create_task(world.run())

    async def _look(self, what: str, check: Callable[[], Awaitable[Any]]) -> Any:
        async def look() -> Any:
            if self.rerun.done():  # say how the run ended, not that a guard ran out
                raise AssertionError(f"the run ended before {what}: {self.rerun.result()}")
            return await check()

        return await eventually(look, what)

    async def exports(self, what: str, ready: Callable[[list[Export]], bool]) -> list[Export]:
        """Pachca's exports once ``ready`` holds of them."""
        async def check() -> list[Export] | None:
            found = (await self.control("GET", "exports"))["exports"]
            return found if ready(found) else None

        return await self._look(what, check)  # type: ignore[no-any-return]

    async def chunk(self, what: str, index: int, ready: Callable[[ExportChunk], bool]) -> None:
        """Wait until the job's ``index``-th chunk is as ``ready`` says."""
        async def check() -> bool:
            chunks = await asyncio.to_thread(export_chunks, self.probe, self.world.job)
            return len(chunks) > index and ready(chunks[index])

        await self._look(what, check)

    async def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """The workspace's control API, off the event loop the run uses."""
        return await asyncio.to_thread(self.world.control, method, path, **kwargs)

    async def to_chunk_2(self) -> tuple[Export, Export, Export]:
        """Let B go, then wait for C: A (chunk 1, abandoned), B (chunk 1), C (chunk 2)."""
        found = await self.exports("chunk 1 asked for again, its webhook held",
                                   lambda es: len(es) == 2 and es[1]["webhook_held"])
        assert [e["start_at"] for e in found] == ["2026-08-01", "2026-08-01"]
        await self.control("POST", f"exports/{found[1]['id']}/release")
        found = await self.exports("chunk 2 asked for, its webhook held",
                                   lambda es: len(es) == 3 and es[2]["webhook_held"])
        assert found[2]["start_at"] == "2026-09-15" and found[0]["webhook_held"]
        return found[0], found[1], found[2]

    async def while_stale_is_fetched(self, a: Export,
                                     meanwhile: Callable[[], Awaitable[None]]) -> None:
        """Let A's webhook go with its archive held at Pachca's door; once the runner
        is fetching it, do ``meanwhile``, then let the archive through."""
        await self.control("POST", f"exports/{a['id']}/download", json={"held": True})
        await self.control("POST", f"exports/{a['id']}/release")
        await self.exports("the runner fetching the stale archive",
                           lambda es: es[0]["downloads_waiting"] > 0)
        await meanwhile()
        await self.control("POST", f"exports/{a['id']}/download", json={"held": False})

    async def outcome(self) -> Outcome:
        """The rerun's outcome; the probe is closed."""
        try:
            return await self.rerun
        finally:
            self.probe.close()

    def stop(self) -> None:
        """Cancel the rerun if the test failed before it ended."""
        self.rerun.cancel()
        self.probe.close()


def _world(make: Callable[..., WorkspaceServer], tmp: Path) -> World:
    """An export world whose job spans two chunks, every webhook held."""
    config = {**workspace_config("export"), "seed": 8080, "rate_limits": False}
    tmp.mkdir(parents=True)
    world = build("export", make(**config), tmp, "")
    world.control("POST", "faults", json={"export_webhooks_held_from": 1})
    return world


def _catalogue(world: World, **job: str) -> None:
    path = world.tmp / "jobs.yaml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalogue["jobs"][world.job].update(period={"start": "2026-08-01", "end": "2026-10-29"},
                                        **job)
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")


async def _abandon_chunk_1(world: World) -> None:
    """Run 1 waits 1 s for a webhook that stays held and gives up. Its request is then
    dated two days back (the rerun comes a day and more later, as a daily job's does), so
    the rerun asks again; no request of the rerun gets old meanwhile, whatever the
    machine's speed. The rerun waits a guard's time: every webhook it gets comes when the
    test says."""
    _catalogue(world, webhook_timeout="1s")
    failed = await world.run()
    assert failed.status == "failed" and "did not report" in (failed.error or ""), failed
    with world.store() as state:
        first = export_chunks(state, world.job)[0]
        assert first.status == "requested" and first.requested_at is not None
        upsert_export_chunk(state, world.job, first.start, first.end,
                            requested_at=first.requested_at - timedelta(days=2))
    _catalogue(world, webhook_timeout=f"{GUARD_S:g}s")


def _assert_chunks_hold_own_days(world: World, outcome: Outcome, c: Export,
                                 *, stale: int = 1) -> None:
    assert outcome.status == "succeeded", (outcome.error, outcome.report.lines)
    let_go = [line for line in outcome.report.lines if "it answered an earlier request" in line]
    assert len(let_go) == stale, outcome.report.lines
    assert exports_intact(world) == []
    files = sorted(world.out.glob("*.zip"))
    assert [f.name for f in files] == ["pachca-2026-08-01_2026-09-14.zip",
                                       "pachca-2026-09-15_2026-10-29.zip"]
    for file in files:  # never a stale archive in a chunk
        start, end = file.stem.removeprefix("pachca-").split("_")
        days = {n.rsplit("/", 1)[-1].removesuffix(".json")
                for n in zipfile.ZipFile(file).namelist() if "/" in n}
        assert days and all(start <= d <= end for d in days), (file.name, sorted(days)[:3])
    with world.store() as state:
        chunk_2 = export_chunks(state, world.job)[1]
    assert (chunk_2.status, chunk_2.export_id) == ("downloaded", c["id"])
    exports = world.control("GET", "exports")["exports"]
    assert len(exports) == 2 + stale, "chunk 2 was asked for twice"


async def _steered(make: Callable[..., WorkspaceServer], tmp: Path,
                   pachca: Callable[[Steering, Export, Export], Awaitable[None]]) -> None:
    """Run 1 abandons chunk 1 (A); the rerun gets chunk 1 (B) and asks for chunk 2 (C);
    ``pachca(steer, a, c)`` lets A's and C's webhooks go; then the run must have ended
    well, with every chunk holding its own days."""
    world = _world(make, tmp)
    await _abandon_chunk_1(world)
    steer = Steering(world)
    try:
        a, _, c = await steer.to_chunk_2()
        await pachca(steer, a, c)
        outcome = await steer.outcome()
    finally:
        steer.stop()
    _assert_chunks_hold_own_days(world, outcome, c)


def _delivered(index: int) -> Callable[[list[Export]], bool]:
    """Whether the ``index``-th export's webhook was delivered (and so answered)."""
    return lambda es: [d.get("status") for d in es[index]["deliveries"]] == [200]


async def test_a_stale_archive_leaves_the_run_its_own_download(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # Chunk 2's own webhook comes once the runner has let the stale archive go: the run
    # waits for it and downloads it (it used to count the request as a try and give up).
    async def pachca(steer: Steering, a: Export, c: Export) -> None:
        await steer.control("POST", f"exports/{a['id']}/release")
        # Delivered means answered: the runner matched it to chunk 2 before answering.
        await steer.exports("the stale webhook delivered", _delivered(0))
        await steer.chunk("the runner to give the stale archive up", 1,
                          lambda ch: ch.status == "requested" and ch.export_id is None)
        await steer.control("POST", f"exports/{c['id']}/release")

    await _steered(fresh_workspace, tmp_path / "w", pachca)


async def test_the_own_webhook_arriving_while_a_stale_archive_is_checked_is_kept(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # Chunk 2's own webhook comes while the runner is still fetching the stale archive
    # (its download held at Pachca's door). The hub keeps it, and once the stale archive
    # is let go the run downloads chunk 2 at once: no second request, no wait for a
    # webhook that was already sent (it used to answer it "unmatched" and drop it).
    async def pachca(steer: Steering, a: Export, c: Export) -> None:
        async def own_webhook() -> None:
            await steer.control("POST", f"exports/{c['id']}/release")
            await steer.exports("chunk 2's own webhook delivered", _delivered(2))

        await steer.while_stale_is_fetched(a, own_webhook)

    await _steered(fresh_workspace, tmp_path / "w", pachca)


async def test_every_webhook_kept_for_a_chunk_is_tried_newest_first_before_waiting(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # Chunk 1 is given up on twice (A, then A2). While chunk 2 checks A's archive (its
    # download held), chunk 2's own webhook (C) and then A2's arrive: both are kept for
    # chunk 2, A2 the newest. A2 is tried first and proves stale too; C must be tried
    # next at once (it used to be dropped with A2, and the run waited for a webhook
    # Pachca had already sent until webhook_timeout).
    world = _world(fresh_workspace, tmp_path / "w")
    await _abandon_chunk_1(world)
    await _abandon_chunk_1(world)
    steer = Steering(world)
    try:
        found = await steer.exports("chunk 1 asked for a third time, its webhook held",
                                    lambda es: len(es) == 3 and es[2]["webhook_held"])
        assert [e["start_at"] for e in found] == ["2026-08-01"] * 3
        a, a2, b = found
        await steer.control("POST", f"exports/{b['id']}/release")
        found = await steer.exports("chunk 2 asked for, its webhook held",
                                    lambda es: len(es) == 4 and es[3]["webhook_held"])
        c = found[3]
        assert c["start_at"] == "2026-09-15" and a["webhook_held"] and a2["webhook_held"]

        async def own_then_stale() -> None:
            await steer.control("POST", f"exports/{c['id']}/release")
            await steer.exports("chunk 2's own webhook delivered (kept)", _delivered(3))
            await steer.control("POST", f"exports/{a2['id']}/release")
            await steer.exports("A2's webhook delivered (kept, the newest)", _delivered(1))

        await steer.while_stale_is_fetched(a, own_then_stale)
        outcome = await steer.outcome()
    finally:
        steer.stop()
    _assert_chunks_hold_own_days(world, outcome, c, stale=2)
    let_go = [line for line in outcome.report.lines if "it answered an earlier request" in line]
    assert let_go[0].startswith(f"export {a['id']} holds"), let_go
    assert let_go[1].startswith(f"export {a2['id']} holds"), let_go
