"""The posting ledger against an earlier fire's identical message.

A notice with a fixed text fires every five minutes. The fire at ``NOW`` fails on its
only POST in one of the ways Pachca can answer: a refusal (403, a 429 whose Retry-After
is too long to wait) or a lost answer (a 5xx, a dropped connection). Meanwhile the chat
already holds the same text from the fire five minutes earlier. Rerunning the failed
fire (``run-job --at NOW`` again) must end with exactly one message of each fire: the
earlier post never passes for this fire's, and a post that did go through is not made
twice.

And a fan-out where one chat refuses the bot: the others get the message, the run names
the chat and fails, and the rerun posts only to that chat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from runner.workspace import WorkspaceServer
from tests.reliability.worlds import NOW, World, build, snapshot, workspace_config

TEXT = "Напоминание: через пять минут стендап, ссылка в описании чата."
EARLIER = NOW - timedelta(minutes=5)


def _reminder(make: Callable[..., WorkspaceServer], tmp: Path) -> tuple[World, int]:
    """The message world, its job cut down to one fixed text posted to one conversation."""
    tmp.mkdir(parents=True)
    world = build("message", make(**{**workspace_config("message"), "seed": 8080,
                                     "rate_limits": False}), tmp)
    world.overrides["bot_user_id"] = world.runner_user
    chat = min(c for c in world.initial_chats
               if world.ws.call(lambda c=c: _bot_may_post(world, c)))
    path = world.tmp / "jobs.yaml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalogue["jobs"][world.job].update(text=TEXT, buttons=[], to={"chats": [chat]})
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    return world, chat


def _bot_may_post(world: World, chat_id: int) -> bool:
    chat, bot = world.ws.store.chats[chat_id], world.ws.store.bot_id
    return (not chat.personal and not chat.archived and bot in chat.member_ids
            and not chat.channel)


async def _earlier_fire(world: World, *, state_url: str | None = None) -> None:
    """The fire five minutes before ``NOW`` posts the same text, recorded as done (in
    ``state_url`` if given, else in the world's state store)."""
    world.control("POST", "clock", json={"now": EARLIER.isoformat()})
    settings = {"state_url": state_url} if state_url else {}
    earlier = await world.harness().run(world.job, at=EARLIER, **settings)
    assert earlier.status == "succeeded", earlier.error
    world.control("POST", "clock", json={"now": NOW.isoformat()})


def _posts(world: World, chat: int) -> list[str]:
    return snapshot(world).posts.get(("chat", chat), [])


_LIFTED = {"speed": 1.0, "fault_calls": "", "error_after_share": 0.5}


async def _fire_failing(world: World, **faults: float) -> tuple[str, dict]:
    """Run the fire at ``NOW`` with ``faults`` on its message writes only (lifted
    afterwards); it fails: its error, and the POST it sent."""
    world.control("POST", "faults", json={**faults, "fault_calls": "message_write"})
    mark = world.harness().mark()
    failed = await world.harness().run(world.job, at=NOW)
    world.control("POST", "faults",
                  json={name: _LIFTED.get(name, 0.0) for name in [*faults, "fault_calls"]})
    assert failed.status == "failed", failed
    return failed.error or "", _the_post(world, mark)


def _the_post(world: World, mark: int) -> dict:
    """The one POST /messages the workspace received since ``mark``."""
    (post,) = [r for r in world.harness().requests(mark)
               if r["method"] == "POST" and r["path"].endswith("/messages")]
    return post


async def _rerun_posts_this_fire(world: World, chat: int) -> None:
    """Rerunning the failed fire posts its message: one per fire in the end."""
    assert _posts(world, chat) == [TEXT]  # the earlier fire's only
    rerun = await world.harness().run(world.job, at=NOW)
    assert rerun.status == "succeeded", rerun.error
    assert rerun.report.counts["posted"] == 1, rerun.report.counts
    assert "already_posted" not in rerun.report.counts
    assert _posts(world, chat) == [TEXT, TEXT]


async def test_a_403_is_not_taken_for_a_post_and_the_rerun_posts_it(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Pachca refuses the post with 403 (the bot's role in the chat was taken away after
    # the run checked it, and given back before the rerun).
    world, chat = _reminder(fresh_workspace, tmp_path / "w")
    await _earlier_fire(world)

    error, post = await _fire_failing(world, refuse_rate=1.0)

    assert "403" in error and post["status"] == 403, error
    mark = world.harness().mark()
    with caplog.at_level(logging.WARNING, logger="runner.execute"):
        await _rerun_posts_this_fire(world, chat)
    resuming = [r.getMessage() for r in caplog.records if "resuming" in r.getMessage()]
    assert resuming and all(m.endswith("(attempt 2) after its last attempt ended in failure")
                            for m in resuming), resuming
    # The refusal was recorded as "not sent": nothing to look for in the chat.
    reads = [r for r in world.harness().requests(mark)
             if r["method"] == "GET" and r["path"].endswith("/messages")]
    assert reads == []


async def test_a_429_with_a_long_retry_after_is_not_taken_for_a_post(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    world, chat = _reminder(fresh_workspace, tmp_path / "w")
    await _earlier_fire(world)
    # Every request is answered 429 with Retry-After 100-500 s: far past the 60 s the
    # runner waits; it gives the fire back instead.
    error, post = await _fire_failing(world, burst_429_rate=1.0, speed=0.01)

    assert "429" in error and post["status"] == 429, error
    await _rerun_posts_this_fire(world, chat)


async def test_a_lost_answer_is_not_matched_with_the_earlier_fires_post(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    world, chat = _reminder(fresh_workspace, tmp_path / "w")
    await _earlier_fire(world)
    # The POST is answered 5xx before Pachca took it: the outcome is unknown to the
    # runner, and in fact nothing was posted.
    error, post = await _fire_failing(world, error_rate=1.0, error_after_share=0.0)

    assert "50" in error and post["fault"] == "error", error
    await _rerun_posts_this_fire(world, chat)


async def test_a_lost_answer_ignores_the_same_text_the_store_never_recorded(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # The earlier post is not in this state store (another runner posted it, or its
    # history was pruned): only the attempt's time tells it apart.
    world, chat = _reminder(fresh_workspace, tmp_path / "w")
    await _earlier_fire(world, state_url=f"sqlite:///{tmp_path / 'elsewhere.db'}")
    _, post = await _fire_failing(world, error_rate=1.0, error_after_share=0.0)

    assert post["fault"] == "error"
    await _rerun_posts_this_fire(world, chat)


async def test_a_lost_answer_that_went_through_is_recognised_not_posted_again(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    world, chat = _reminder(fresh_workspace, tmp_path / "w")
    await _earlier_fire(world)
    # Pachca makes the message, then the connection drops before the answer.
    _, post = await _fire_failing(world, drop_rate=1.0)

    assert post["fault"] == "drop"

    assert _posts(world, chat) == [TEXT, TEXT]
    rerun = await world.harness().run(world.job, at=NOW)
    assert rerun.status == "succeeded", rerun.error
    assert rerun.report.counts == {"already_posted": 1}, rerun.report.counts
    assert _posts(world, chat) == [TEXT, TEXT]


async def test_a_chat_that_refuses_does_not_stop_the_others_and_the_rerun_finishes_it(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    (tmp_path / "w").mkdir()
    world = build("message", fresh_workspace(**{**workspace_config("message"), "seed": 8080,
                                                "rate_limits": False}), tmp_path / "w")
    path = world.tmp / "jobs.yaml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    job = catalogue["jobs"][world.job]
    chats, users = job["to"]["chats"], job["to"]["users"]
    store = world.ws.store
    refusing = chats[0]  # the first one: every other must still be served
    name = world.ws.call(lambda: store.chats[refusing].name)
    world.ws.call(lambda: store.chats[refusing].member_ids.remove(store.bot_id))
    world.ws.call(lambda: store.user_chats[store.bot_id].discard(refusing))
    recipients = len(chats) + len(users)

    failed = await world.run()

    assert failed.status == "failed"
    assert failed.report.counts["posted"] == recipients - 1, failed.report.counts
    assert failed.report.counts["not_posted"] == 1
    error = failed.error or ""
    # Refused by the check before the posts (the bot is not a member), not by a 403.
    assert f"chat «{name}» ({refusing})" in error and "not a member" in error, error
    assert "\n" not in error
    assert any(line.startswith(f"could not post to chat «{name}» ({refusing}): ")
               for line in failed.report.lines), failed.report.lines
    posts = snapshot(world).posts
    assert ("chat", refusing) not in posts and len(posts) == recipients - 1

    world.ws.call(lambda: store.add_member(store.chats[refusing], store.bot_id))
    rerun = await world.run()

    assert rerun.status == "succeeded", rerun.error
    assert rerun.report.counts == {"posted": 1, "already_posted": recipients - 1}
    posts = snapshot(world).posts
    assert len(posts) == recipients and all(len(texts) == 1 for texts in posts.values())


async def test_a_lost_post_with_a_mention_is_recognised_in_the_text_pachca_stored(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # Pachca stores a "<@user_id>" mention as "@nickname" (the spec says so): the text
    # read back is not the text sent, and the post that went through must still be found.
    world, chat = _reminder(fresh_workspace, tmp_path / "w")
    store = world.ws.store
    member = world.ws.call(lambda: next(u for u in store.chats[chat].member_ids
                                        if u != store.bot_id))
    nickname = world.ws.call(lambda: store.users[member].nickname)
    path = world.tmp / "jobs.yaml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalogue["jobs"][world.job]["text"] = f"Стендап через пять минут, <@{member}>!"
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    _, post = await _fire_failing(world, drop_rate=1.0)

    assert post["fault"] == "drop"
    stored = [f"Стендап через пять минут, @{nickname}!"]
    assert _posts(world, chat) == stored
    rerun = await world.harness().run(world.job, at=NOW)
    assert rerun.status == "succeeded", rerun.error
    assert rerun.report.counts == {"already_posted": 1}, rerun.report.counts
    assert _posts(world, chat) == stored
