"""The ``chat_from_template`` kind end to end: one chat per fire time, even across crashes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, update

from runner.render import plural
from runner.state import StateStore
from runner.state.schema import runs, targets
from runner.workspace import WorkspaceServer
from tests.harness import Harness

T = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 10:00 in Moscow, ISO week 48
KEY = f"weekly-sync@{T.isoformat()}"
NAME = "Планёрка, неделя 48 (ноябрь 2026)"


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    return fresh_workspace(start_time=T.isoformat(), speed=4.0)


def invited(ws: WorkspaceServer) -> tuple[list[int], int, list[int]]:
    """Two people to invite by id, a group tag of at least three, and that tag's people."""
    store = ws.store

    def pick() -> tuple[list[int], int, list[int]]:
        people = [u.id for u in sorted(store.users.values(), key=lambda u: u.id)
                  if not u.bot and u.id != store.owner_id][:2]
        tag = next(t for t in store.tags.values() if len(t.user_ids) >= 3)
        return people, tag.id, list(tag.user_ids)

    return ws.call(pick)


@pytest.fixture
def h(ws: WorkspaceServer, tmp_path: Path) -> Harness:
    people, tag_id, _ = invited(ws)
    harness = Harness(ws, tmp_path, overrides={"rate_limit_scale": 4.0})
    harness.write_catalogue(f"""
    timezone: Europe/Moscow
    jobs:
      weekly-sync:
        kind: chat_from_template
        description: Беседа для планёрки каждую неделю
        schedule: "0 10 * * 1"
        name: "Планёрка, неделя {{{{ week }}}} ({{{{ month }}}} {{{{ year }}}})"
        member_ids: {people}
        group_tag_ids: [{tag_id}]
    """)
    return harness


def chats_named(ws: WorkspaceServer, name: str) -> list[Any]:
    return ws.call(lambda: [c for c in ws.store.chats.values() if c.name == name])


def bot_messages(ws: WorkspaceServer, chat_id: int) -> list[str]:
    store = ws.store
    return ws.call(lambda: [store.messages[i].content for (i,) in store.chat_messages[chat_id]
                            if store.messages[i].user_id == store.bot_id])


def _crash(h: Harness, started: list[str]) -> None:
    """Leave the run as a dead runner leaves it: running, lease expired, targets started."""
    engine = create_engine(h.settings().state_url)
    with engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.key == KEY).values(
            status="running", lease_until=datetime(2000, 1, 1, tzinfo=UTC)))
        for target in started:
            conn.execute(update(targets).where(targets.c.run_key == KEY,
                                               targets.c.target == target)
                         .values(status="started"))
    engine.dispose()


async def test_creates_the_chat_with_its_members_and_welcomes_them_once(
    ws: WorkspaceServer, h: Harness
) -> None:
    outcome = await h.run("weekly-sync", at=T)

    assert outcome.status == "succeeded", outcome.error
    [chat] = chats_named(ws, NAME)
    assert not chat.channel and not chat.public
    assert chat.owner_id == ws.store.bot_id
    people, _, tag_people = invited(ws)
    assert set(people) | set(tag_people) | {ws.store.bot_id} == set(chat.member_ids)
    [welcome] = bot_messages(ws, chat.id)
    assert f"Добро пожаловать в «{NAME}»" in welcome
    assert "23 ноября 2026 (понедельник), 48-я неделя" in welcome
    assert f"created conversation «{NAME}»" in " ".join(outcome.report.lines)

    mark = h.mark()
    again = await h.run("weekly-sync", at=T)
    assert again.status == "skipped"
    assert h.writes(mark) == []
    assert len(chats_named(ws, NAME)) == 1

    next_week = await h.run("weekly-sync", at=T + timedelta(days=7))
    assert next_week.status == "succeeded", next_week.error
    assert len(chats_named(ws, "Планёрка, неделя 49 (ноябрь 2026)")) == 1


async def test_a_crash_after_the_chat_was_created_does_not_create_it_again(
    ws: WorkspaceServer, h: Harness
) -> None:
    assert (await h.run("weekly-sync", at=T)).status == "succeeded"
    [chat] = chats_named(ws, NAME)
    # Died after POST /chats and the welcome reached Pachca, before either was recorded.
    _crash(h, started=["chat", "welcome"])
    mark = h.mark()

    retry = await h.run("weekly-sync", at=T)

    assert retry.status == "succeeded", retry.error
    assert h.writes(mark) == []
    assert [c.id for c in chats_named(ws, NAME)] == [chat.id]
    assert len(bot_messages(ws, chat.id)) == 1
    assert "had been created before the interruption" in " ".join(retry.report.lines)


async def test_a_crash_before_the_request_left_creates_the_chat_once(
    ws: WorkspaceServer, h: Harness
) -> None:
    state = StateStore(h.settings().state_url, replica="dead")
    assert state.claim("weekly-sync", KEY, kind="chat_from_template", scheduled_for=T,
                       lease=60) is not None
    state.start_target(KEY, "chat", {"name": NAME, "attempt_at": T.isoformat()})
    state.close()
    _crash(h, started=[])

    retry = await h.run("weekly-sync", at=T)

    assert retry.status == "succeeded", retry.error
    [chat] = chats_named(ws, NAME)
    assert len(bot_messages(ws, chat.id)) == 1


async def test_dry_run_creates_nothing_and_shows_the_welcome(
    ws: WorkspaceServer, h: Harness
) -> None:
    mark = h.mark()

    outcome = await h.run("weekly-sync", at=T, dry_run=True)

    assert outcome.status == "succeeded", outcome.error
    assert h.writes(mark) == []
    assert chats_named(ws, NAME) == []
    assert f"would create conversation «{NAME}»" in " ".join(outcome.report.lines)
    assert f"Добро пожаловать в «{NAME}»" in outcome.report.messages[0]


async def test_a_second_manual_run_does_not_make_a_second_chat_of_that_name(
    ws: WorkspaceServer, h: Harness
) -> None:
    first = await h.run("weekly-sync")  # run-job weekly-sync, twice, the same week
    assert first.status == "succeeded", first.error
    [name] = [line.split("«")[1].split("»")[0] for line in first.report.lines
              if line.startswith("created")]
    [chat] = chats_named(ws, name)
    mark = h.mark()

    looked = await h.run("weekly-sync", dry_run=True)
    second = await h.run("weekly-sync")

    assert f"would skip conversation «{name}» ({chat.id}): this job already created it" in \
        " ".join(looked.report.lines)
    assert looked.report.messages == []  # no welcome shown for a chat that will not be made
    assert second.status == "succeeded", second.error
    assert f"skipped conversation «{name}» ({chat.id})" in " ".join(second.report.lines)
    assert h.writes(mark) == []
    assert len(chats_named(ws, name)) == 1


async def test_dry_run_counts_the_members_the_group_tags_bring(
    ws: WorkspaceServer, h: Harness
) -> None:
    people, _, tag_people = invited(ws)
    expected = len(set(people) | set(tag_people) | {ws.store.bot_id})
    assert expected > len(people) + 1  # the tag brings people of its own

    looked = await h.run("weekly-sync", at=T, dry_run=True)
    made = await h.run("weekly-sync", at=T)

    assert f"would create conversation «{NAME}» with {expected} members" in \
        " ".join(looked.report.lines)
    assert f"Участвуют: {plural(expected, 'человек', 'человека', 'человек')}." in \
        looked.report.messages[0]
    [chat] = chats_named(ws, NAME)
    assert made.status == "succeeded" and len(chat.member_ids) == expected
