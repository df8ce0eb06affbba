"""The ``export`` kind end to end: a real workspace exports, its webhook reaches the
runner's own server over loopback, and the archive lands in the output folder."""

from __future__ import annotations

import hashlib
import itertools
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from runner.kinds.export.period import FixedPeriod, chunks, resolve
from runner.workspace import WorkspaceServer
from tests.jobs.export_support import ExportEnv, make_env

OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def env(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> ExportEnv:
    return make_env(fresh_workspace, tmp_path)


async def test_exports_chosen_chats_with_pachcas_layout_and_notifies_once(env: ExportEnv) -> None:
    chats = env.chats_with_messages(_ms(date(2026, 10, 1)), _ms(date(2026, 11, 1)), 2)
    notify = env.bot_chat()
    env.job(period=OCTOBER, chat_ids=[c.id for c in chats], notify_chat_id=notify,
            filename="october-{{ start }}.zip")
    mark = env.h.mark()

    outcome = await env.h.run("exp")

    assert outcome.status == "succeeded", outcome.error
    path = env.out / "october-2026-10-01.zip"
    assert env.files() == [path.name]
    archive = zipfile.ZipFile(path)
    folders = {f"{c.name}_{c.id}": c.id for c in chats}
    names = set(archive.namelist())
    assert "chats.json" in names
    assert {n.split("/")[0] for n in names if "/" in n} == set(folders)
    listed = json.loads(archive.read("chats.json"))
    assert sorted(c["id"] for c in listed) == sorted(folders.values())
    for name in names - {"chats.json"}:
        folder, day = name.split("/")
        assert "2026-10-01.json" <= day <= "2026-10-31.json"
        messages = json.loads(archive.read(name))
        assert messages and {m["chat_id"] for m in messages} == {folders[folder]}
        assert {m["created_at"][:10] for m in messages} == {day.removesuffix(".json")}

    [chunk] = env.chunks()
    data = path.read_bytes()
    assert chunk.status == "downloaded"
    assert chunk.sha256 == hashlib.sha256(data).hexdigest() and chunk.size == len(data)

    again = await env.h.run("exp")  # a manual rerun: nothing to redo, no second notice
    assert again.status == "succeeded", again.error
    assert [c for c in env.export_calls(mark) if c[0] == "POST"] == [
        ("POST", "/api/shared/v1/chats/exports")]
    posts = [r for r in env.h.writes(mark) if r["path"].endswith("/messages")]
    assert len(posts) == 1 and posts[0]["status"] == 201
    [notice] = outcome.report.messages
    assert "Выгрузка переписки готова" in notice and "october-2026-10-01.zip" in notice
    assert "с 1 по 31 октября 2026" in notice


async def test_long_period_is_split_and_chunks_are_requested_one_at_a_time(
    env: ExportEnv,
) -> None:
    env.job(period={"start": "2026-08-01", "end": "2026-11-08"})  # 100 days, all chats
    mark = env.h.mark()

    outcome = await env.h.run("exp")

    assert outcome.status == "succeeded", outcome.error
    assert [(e["start_at"], e["end_at"]) for e in env.exports()] == [
        ("2026-08-01", "2026-09-14"), ("2026-09-15", "2026-10-29"), ("2026-10-30", "2026-11-08")]
    # Each request only after the previous archive was fetched: Pachca runs one at a time.
    calls = [method for method, _ in env.export_calls(mark)]
    assert calls == ["POST", "GET"] * 3
    assert env.files() == ["pachca-2026-08-01_2026-09-14.zip", "pachca-2026-09-15_2026-10-29.zip",
                           "pachca-2026-10-30_2026-11-08.zip"]
    for name in env.files():
        assert zipfile.ZipFile(env.out / name).testzip() is None
    assert outcome.report.counts["downloaded"] == 3


async def test_dry_run_lists_the_chunks_and_writes_nothing(env: ExportEnv) -> None:
    env.job(period={"start": "2026-08-01", "end": "2026-11-08"}, notify_chat_id=env.bot_chat())
    mark = env.h.mark()

    outcome = await env.h.run("exp", dry_run=True)

    assert outcome.status == "succeeded", outcome.error
    assert env.h.writes(mark) == []
    assert env.exports() == [] and env.files() == [] and env.chunks() == []
    wanted = [line for line in outcome.report.lines if line.startswith("would request")]
    assert len(wanted) == 3 and "2026-08-01–2026-09-14" in wanted[0]
    assert "would post to chat" in outcome.report.lines[-1]


async def test_pachcas_refusal_fails_the_run_with_its_message(env: ExportEnv) -> None:
    env.job(period=OCTOBER, chat_ids=[999_999])

    outcome = await env.h.run("exp")

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.startswith("Pachca refused the export of 2026-10-01–2026-10-31")
    assert "999999" in outcome.error and "not found" in outcome.error
    [chunk] = env.chunks()
    assert chunk.status == "pending"  # not left waiting for a webhook that cannot come

    env.job(period={"start": "2026-09-01", "end": "2026-09-30"})  # the next month's fire
    later = await env.h.run("exp")
    assert later.status == "succeeded", later.error
    assert "note: 2026-10-01–2026-10-31 from an earlier run is unfinished (pending);" \
        " rerun that fire with --at to finish it" in later.report.lines


async def test_a_bot_token_without_an_owner_token_is_told_what_to_set(env: ExportEnv) -> None:
    env.job(period=OCTOBER)

    outcome = await env.h.run("exp", export_token=None)  # only the bot's token: not the owner

    assert outcome.status == "failed" and outcome.error is not None
    assert "only the workspace owner may export; set PACHCA_EXPORT_TOKEN" in outcome.error
    assert env.exports() == [] and env.files() == []


async def test_relative_period_follows_the_fire_time(env: ExportEnv) -> None:
    env.job(period="previous_month")

    outcome = await env.h.run("exp", at=datetime(2026, 11, 1, 3, 0, tzinfo=UTC))

    assert outcome.status == "succeeded", outcome.error
    assert [(e["start_at"], e["end_at"]) for e in env.exports()] == [("2026-10-01", "2026-10-31")]


@pytest.mark.parametrize(("period", "today", "expected"), [
    ("previous_month", date(2026, 3, 1), (date(2026, 2, 1), date(2026, 2, 28))),
    ("previous_month", date(2026, 1, 15), (date(2025, 12, 1), date(2025, 12, 31))),
    ("last_30_days", date(2026, 3, 31), (date(2026, 3, 1), date(2026, 3, 30))),
    ("previous_week", date(2026, 11, 18), (date(2026, 11, 9), date(2026, 11, 15))),
    ("yesterday", date(2026, 1, 1), (date(2025, 12, 31), date(2025, 12, 31))),
])
def test_relative_periods(period: str, today: date, expected: tuple[date, date]) -> None:
    assert resolve(period, today) == expected  # type: ignore[arg-type]


def test_chunks_cover_the_period_without_gaps_and_respect_the_limit() -> None:
    start, end = resolve(FixedPeriod(start=date(2026, 1, 1), end=date(2026, 12, 31)), date.today())
    spans = chunks(start, end, 45)
    assert spans[0][0] == start and spans[-1][1] == end
    assert all(b - a < timedelta(days=45) for a, b in spans)
    assert all(nxt[0] - prev[1] == timedelta(days=1) for prev, nxt in itertools.pairwise(spans))
    assert chunks(start, end, 366) == [(start, end)]


def test_catalogue_rejects_more_than_50_chats(env: ExportEnv) -> None:
    from runner.errors import CatalogueError

    env.job(period=OCTOBER, chat_ids=list(range(1, 52)))
    with pytest.raises(CatalogueError, match="chat_ids"):
        env.h.catalogue()

