"""Every job kind under the faults a real API and network produce, compared with a run
of an identical world without them.

The faulty workspace answers 5% of requests with 500/502/503 (half of them after making
the change: the duplicate trap), 5% with a 429 burst (``Retry-After`` 1-5 s, divided by
``speed``), drops 2% of connections after the status line, delays 2% by a second, and
delivers each export webhook twice and late. A run either succeeds, or fails with one
readable line and is rerun (``run-job --at T`` again, which resumes the failed fire);
in the end the workspace holds exactly what the fault-free run left: every message
once, every chat archived or created once, every export file intact.
"""

from __future__ import annotations

import asyncio
import contextlib
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from runner.execute import Outcome
from runner.kinds.export.table import export_chunks
from runner.workspace import WorkspaceServer
from tests.reliability.conftest import TALLY
from tests.reliability.worlds import (
    NOW,
    World,
    build,
    exports_intact,
    patient,
    snapshot,
    workspace_config,
)
from tests.waiting import eventually

SPEED = 20.0
FAULTS: dict[str, Any] = {
    "error_rate": 0.05, "burst_429_rate": 0.05, "drop_rate": 0.02, "spike_rate": 0.02,
    "spike_latency": 1.0, "speed": SPEED, "export_webhook_duplicates": True,
    "export_webhook_delay_extra": 10.0,  # 0.5 s at this speed: after the runner began waiting
}
SEEDS = (8080, 8081, 8082)
CASES = [("digest", ""), ("activity_report", ""), ("chat_from_template", ""), ("export", ""),
         ("message", ""), ("sweep", "archive"), ("sweep", "warn")]
ATTEMPTS = 10


async def complete(world: World) -> list[Outcome]:
    """Run the world's fire until it succeeds; every failure must be one readable line."""
    outcomes: list[Outcome] = []
    for _ in range(ATTEMPTS):
        outcome = await world.run()
        outcomes.append(outcome)
        if outcome.status == "succeeded":
            return outcomes
        assert outcome.status == "failed", outcome
        error = outcome.error or ""
        assert error and "\n" not in error and "Traceback" not in error, error
        assert "internal error" not in error, error  # a bug, not a fault it should survive
    raise AssertionError(f"{world.kind}: not done after {ATTEMPTS} attempts:"
                         f" {[o.error for o in outcomes]}")


def _world(make: Callable[..., WorkspaceServer], kind: str, variant: str, seed: int,
           tmp: Path, *, checked: bool = True, **faults: Any) -> World:
    """A world of ``kind``; ``faults`` start once it is set up (the setup is no test).

    ``checked=False``: no OpenAPI check of its traffic (a fault-free expectation).
    """
    config = {**workspace_config(kind), "seed": seed, "rate_limits": False}
    if not checked:
        config["validate_openapi"] = None
    tmp.mkdir(parents=True)
    world = build(kind, make(**config), tmp, variant)
    if faults:
        world.control("POST", "faults", json=faults)
    return world


@pytest.mark.parametrize(("kind", "variant"), CASES,
                         ids=[f"{k}-{v}" if v else k for k, v in CASES])
async def test_under_faults_every_run_ends_exactly_as_without_them(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path, kind: str, variant: str
) -> None:
    async def one(seed: int) -> tuple[list[str], Counter[str], int]:
        clean = patient(_world(fresh_workspace, kind, variant, seed, tmp_path / f"clean{seed}",
                               checked=False))
        faulty = _world(fresh_workspace, kind, variant, seed, tmp_path / f"faulty{seed}",
                        **FAULTS)
        first = await clean.run()
        assert first.status == "succeeded", first.error
        outcomes = await complete(faulty)
        problems = snapshot(clean).diff(snapshot(faulty))
        if kind == "export":
            problems += exports_intact(faulty)
        faults = Counter(faulty.control("GET", "stats")["faults"])
        return [f"seed {seed}: {p}" for p in problems], faults, len(outcomes)

    results = await asyncio.gather(*(one(seed) for seed in SEEDS))
    problems = [p for found, _, _ in results for p in found]
    assert not problems, "\n".join(problems)
    faults = sum((f for _, f, _ in results), Counter())
    assert sum(faults.values()) > 0, "no fault was injected: the test proves nothing"
    TALLY["fault runs"] += sum(n for _, _, n in results)
    TALLY.update({f"fault:{name}": n for name, n in faults.items()})


# ---------------------------------------------------------------------- resuming a failed fire
async def test_rerunning_a_failed_fire_resumes_it_and_posts_only_what_is_missing(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    world = _world(fresh_workspace, "message", "", 8080, tmp_path / "w")
    store = world.ws.store
    # The second chat refuses the bot (not a member): the run fails midway, after posting
    # to the others it reached. Then the bot is added, and the operator reruns that fire.
    _, second_chat = sorted(c for c in world.initial_chats if not store.chats[c].personal
                            and store.bot_id in store.chats[c].member_ids)[:2]
    world.ws.call(lambda: store.chats[second_chat].member_ids.remove(store.bot_id))
    world.ws.call(lambda: store.user_chats[store.bot_id].discard(second_chat))

    failed = await world.run()
    assert failed.status == "failed"
    # refused by the check before the posts (the bot is not a member), not by a 403
    assert "not a member" in (failed.error or "") and "\n" not in (failed.error or "")
    world.ws.call(lambda: store.add_member(store.chats[second_chat], store.bot_id))
    resumed = await world.run()

    assert resumed.status == "succeeded", resumed.error
    posts = snapshot(world).posts
    assert len(posts) == 9 and all(len(texts) == 1 for texts in posts.values()), posts
    assert len(posts[("chat", second_chat)]) == 1  # finished
    done = failed.report.counts["posted"]  # before the refusal (targets go in parallel)
    assert done >= 1 and resumed.report.counts["already_posted"] == done
    assert resumed.report.counts["posted"] == 9 - done  # only what was missing
    again = await world.run()
    assert again.status == "skipped"  # a fire that succeeded is never run again


async def test_a_failed_post_is_not_mistaken_for_the_same_text_posted_the_day_before(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # A daily reminder with a fixed text. Today's POST fails before Pachca takes it; the
    # rerun must not take yesterday's identical message for today's and skip it.
    world = _world(fresh_workspace, "message", "", 8080, tmp_path / "w")
    world.overrides["bot_user_id"] = world.runner_user  # no GET /profile: only the POST fails
    path = world.tmp / "jobs.yaml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalogue["jobs"][world.job].update(text="Доброе утро!", buttons=[],
                                        to={"chats": [min(world.initial_chats)]})
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    chat = min(world.initial_chats)
    store = world.ws.store
    if store.bot_id not in store.chats[chat].member_ids:
        world.ws.call(lambda: store.add_member(store.chats[chat], store.bot_id))
    yesterday, today = NOW - timedelta(days=1), NOW
    world.control("POST", "clock", json={"now": yesterday.isoformat()})
    assert (await world.harness().run(world.job, at=yesterday)).status == "succeeded"
    world.control("POST", "clock", json={"now": today.isoformat()})
    world.control("POST", "faults", json={"error_rate": 1.0})  # every POST answered 5xx
    failed = await world.harness().run(world.job, at=today)
    assert failed.status == "failed", failed
    world.control("POST", "faults", json={"error_rate": 0.0})
    # The seeded fault came before Pachca took the POST: only yesterday's message exists.
    assert len(snapshot(world).posts[("chat", chat)]) == 1

    rerun = await world.harness().run(world.job, at=today)

    assert rerun.status == "succeeded", rerun.error
    assert len(snapshot(world).posts[("chat", chat)]) == 2, rerun.report.lines


# ---------------------------------------------------------------------- webhooks out of order
class _RerunEnded(Exception):
    """The run the test was steering ended before the test's next step."""


async def test_a_late_webhook_of_an_abandoned_export_never_lands_in_another_chunk(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # Pachca holds every ready webhook; the test lets each go at the moment that matters
    # (an event, never a clock). The first run gives up on chunk 1; the rerun finds that
    # request stale and asks again. Chunk 1 takes the second request's webhook; while
    # chunk 2 waits for its own, the first request's webhook arrives: its archive holds
    # chunk 1's days and must never become chunk 2's file.
    world = _world(fresh_workspace, "export", "", 8080, tmp_path / "w",
                   export_webhooks_held_from=1)
    path = world.tmp / "jobs.yaml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    job = catalogue["jobs"][world.job]
    # Run 1 waits 1 s for a webhook that stays held, so its request is > 0.1 s old after.
    job.update(period={"start": "2026-08-01", "end": "2026-10-29"}, webhook_timeout="1s",
               rerequest_after="0.1s")
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    failed = await world.run()
    assert failed.status == "failed" and "did not report" in (failed.error or ""), failed
    job["webhook_timeout"] = "60s"  # a guard: every webhook comes when the test says
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    probe = world.store()  # opened once, before the rerun: later looks only read

    # Reruns until one succeeds (``complete``); that the first rerun does is
    # tests/reliability/test_stale_exports.py's to show.
    rerun = asyncio.create_task(complete(world))

    def running() -> None:
        if rerun.done():  # the assertions below say what went wrong, not the guard
            raise _RerunEnded

    async def exports(what: str, ready: Callable[[list[dict[str, Any]]], bool]
                      ) -> list[dict[str, Any]]:
        async def look() -> list[dict[str, Any]] | None:
            running()
            found = (await asyncio.to_thread(world.control, "GET", "exports"))["exports"]
            return found if ready(found) else None

        return await eventually(look, what)

    async def release(export: dict[str, Any]) -> None:
        await asyncio.to_thread(world.control, "POST", f"exports/{export['id']}/release")

    async def pachca() -> None:
        # Held means built: Pachca is free again, so the runner may ask for the next one.
        found = await exports("chunk 1 asked for again, its webhook held",
                              lambda es: len(es) == 2 and es[1]["webhook_held"])
        abandoned, again = found
        assert (abandoned["start_at"], again["start_at"]) == ("2026-08-01", "2026-08-01")
        await release(again)
        found = await exports("chunk 2 asked for, its webhook held",
                              lambda es: len(es) == 3 and es[2]["webhook_held"])
        assert found[2]["start_at"] == "2026-09-15" and found[0]["webhook_held"]
        await release(abandoned)
        await exports("the abandoned request's webhook delivered",
                      lambda es: [d.get("status") for d in es[0]["deliveries"]] == [200])

        async def given_up() -> bool:
            # The runner matched it to chunk 2, found chunk 1's days inside and let it go.
            # Chunk 2's own webhook comes after that here; arriving while the stale archive
            # is checked is test_stale_exports.py's case.
            running()
            chunks = await asyncio.to_thread(export_chunks, probe, world.job)
            return chunks[1].status == "requested" and chunks[1].export_id is None

        await eventually(given_up, "the runner to give the stale archive up")
        await asyncio.to_thread(world.control, "POST", "faults",
                                json={"export_webhooks_held_from": 0})

    try:
        with contextlib.suppress(_RerunEnded):
            await pachca()
        outcomes = await rerun
    finally:
        rerun.cancel()
        probe.close()

    assert exports_intact(world) == [], [o.error for o in outcomes]
    lines = [line for o in outcomes for line in o.report.lines]
    assert any("it answered an earlier request" in line for line in lines), lines
    for file in sorted(world.out.glob("*.zip")):
        start, end = file.stem.removeprefix("pachca-").split("_")
        days = {n.rsplit("/", 1)[-1].removesuffix(".json")
                for n in zipfile.ZipFile(file).namelist() if "/" in n}
        assert days and all(start <= d <= end for d in days), (file.name, sorted(days)[:3])
