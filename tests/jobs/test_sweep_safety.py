"""The ``sweep`` kind's guard rails: what it never touches, dry runs, the max_fraction
abort (crashes and reruns are in ``test_sweep_crash.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runner.workspace import WorkspaceServer
from tests.jobs.sweep_support import EMPTY, Sweep


@pytest.fixture
def sw(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Sweep]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield sweep
    sweep.close()


async def test_only_eligible_inactive_group_chats_are_warned(sw: Sweep) -> None:
    tag, _ = sw.tag()
    chats = {
        "plain": sw.chat("Проект «Бета»"),
        "by_id": sw.chat("Закупки"),
        "by_name": sw.chat("Общий чат"),
        "by_regex": sw.chat("ВАЖНОЕ: договоры"),
        "by_tag": sw.chat("Команда отдела", tags=[tag]),
        "channel": sw.chat("Новости компании", channel=True),
        "small": sw.chat("Двое", members=1),
    }
    direct = sw.direct()
    sw.advance(100)
    young = sw.chat("Новый проект")  # empty since created 5 days ago: not abandoned
    sw.advance(5)
    sw.job(min_members=3, exclude={"ids": [chats["by_id"]], "names": ["^Общий", "(?i)важн"],
                                   "group_tags": [tag]})
    mark = sw.mark()
    out = await sw.run()
    assert out.status == "succeeded", out.error

    writes = sw.writes(mark)
    assert writes == [("POST", "/messages")]
    assert len(sw.bot_messages(chats["plain"])) == 1
    for name, chat in chats.items():
        if name != "plain":
            assert sw.bot_messages(chat) == [], name
    assert [m.user_id for m in sw.messages(direct)] != [] and sw.bot_messages(direct) == []
    assert sw.bot_messages(young) == []
    counts = out.report.counts
    assert counts["skipped:excluded"] == 4
    assert counts["skipped:members"] == 1
    assert counts["skipped:channel"] == 1
    lines = "\n".join(out.report.lines)
    for why in ("excluded by id", "excluded by name", "excluded by group tag", "2 members"):
        assert why in lines


async def test_channels_and_member_bounds_when_asked(sw: Sweep) -> None:
    channel = sw.chat("Канал релизов", channel=True)
    big = sw.chat("Большой чат", members=6)
    sw.advance(100)
    sw.job(include_channels=True, max_members=5)
    out = await sw.run()
    assert out.status == "succeeded", out.error
    assert len(sw.bot_messages(channel)) == 1
    assert sw.bot_messages(big) == []
    assert out.report.counts["skipped:members"] == 1


@pytest.mark.parametrize("how", ["flag", "yaml"])
async def test_dry_run_writes_nothing_and_lists_every_decision(sw: Sweep, how: str) -> None:
    quiet = sw.chat("Тихий чат")
    sw.chat("Общий чат")
    report_chat = sw.chat("Отчёты")
    sw.advance(100)
    sw.say(report_chat)
    sw.job(exclude={"names": ["^Общий"]}, report_chat_id=report_chat,
           **({"dry_run": True} if how == "yaml" else {}))
    mark = sw.mark()
    out = await sw.run(dry_run=how == "flag")
    assert out.status == "succeeded", out.error
    assert sw.writes(mark) == []
    assert sw.chat_state(quiet) is None
    assert "would warn «Тихий чат»: no messages for 100 days" in out.report.lines
    assert "skipped «Общий чат»: excluded by name" in out.report.lines
    assert out.report.counts["would_warn"] == 1 and out.report.counts["warned"] == 0


async def test_max_fraction_abort_touches_nothing_and_fails_the_run(sw: Sweep) -> None:
    quiet = [sw.chat(f"Заброшенный {i}") for i in range(3)]
    busy = sw.chat("Живой чат")
    sw.advance(100)
    sw.say(busy)
    sw.job(max_fraction=0.5, warn_days=0)
    mark = sw.mark()
    out = await sw.run()
    assert out.status == "failed"
    assert "3 of 4 scanned chats (75%)" in (out.error or "")
    assert "max_fraction" in (out.error or "")
    assert sw.writes(mark) == []
    assert not any(sw.archived(c) for c in quiet)
    assert sum(line.startswith("would archive «Заброшенный") for line in out.report.lines) == 3


async def test_a_chat_the_bot_cannot_archive_is_left_alone_and_reported(sw: Sweep) -> None:
    # A person's chat the bot only belongs to: the bot may post but not archive. Warning
    # it, or sending a closing message, would promise an archive that cannot happen.
    theirs = sw.chat_of_people("Чужой чат")
    ours = sw.chat("Наш чат")
    sw.advance(100)
    sw.job(warn_days=0)
    first = await sw.run()
    assert first.status == "succeeded", first.error
    assert first.report.counts["skipped:no_rights"] == 1
    assert any("«Чужой чат»" in line and "admin" in line for line in first.report.lines)
    assert sw.archived(ours) and not sw.archived(theirs)
    assert sw.bot_messages(theirs) == []
    sw.job(warn_days=7)
    sw.advance(1)
    await sw.run()
    assert sw.bot_messages(theirs) == []  # not warned either
    assert not sw.archived(theirs)


async def test_without_a_closing_message_the_archive_itself_checks_the_rights(
    sw: Sweep,
) -> None:
    # Nothing is posted before a plain archive, so no rights query is spent per chat:
    # the archive's own 403 marks the chat, and the run still succeeds.
    theirs = sw.chat_of_people("Чужой чат")
    ours = sw.chat("Наш чат")
    sw.advance(100)
    sw.job(warn_days=0, closing_message=False)
    mark = sw.mark()
    outcome = await sw.run()
    assert outcome.status == "succeeded", outcome.error
    assert outcome.report.counts["skipped:no_rights"] == 1
    assert sw.archived(ours) and not sw.archived(theirs)
    log = sw.control("GET", "requests", params={"since": mark})["requests"]
    assert not any(r["path"].endswith("/members") for r in log)
