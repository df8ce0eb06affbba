"""The ``sweep`` kind over days: warn, wait, archive; people's activity and buttons win.

Each test makes its own chats in a private workspace, moves the workspace clock by
days, and runs the job as ``run-job --at <workspace now>`` would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from runner.buttons import parse_button_data
from runner.workspace import WorkspaceServer
from tests.jobs.sweep_support import EMPTY, Sweep


@pytest.fixture
def sw(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Sweep]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield sweep
    sweep.close()


async def test_warn_wait_then_archive_with_a_closing_message(sw: Sweep) -> None:
    quiet = sw.chat("Проект «Альфа»")
    busy = sw.chat("Отдел продаж")
    sw.advance(100)
    sw.say(busy)
    sw.job()

    day0 = await sw.run()
    assert day0.status == "succeeded", day0.error
    [warning] = sw.bot_messages(quiet)
    assert "давно тихо" in warning.content and "Оставить чат" in warning.content
    [[keep]] = warning.buttons
    assert keep["text"] == "Оставить чат"
    action = parse_button_data(keep["data"], sw.button_key())
    assert (action.action, action.chat_id) == ("keep", quiet)
    assert sw.bot_messages(busy) == []
    assert day0.report.counts["warned"] == 1 and day0.report.counts["scanned"] == 2
    assert sw.chat_state(quiet).warning_message_id == warning.id  # type: ignore[union-attr]

    sw.advance(3)
    # The bot's own messages (a digest, say) are not activity either.
    sw.say(quiet, user_id=sw.bot, text="Сводка за неделю")
    mark = sw.mark()
    day3 = await sw.run()
    assert day3.status == "succeeded", day3.error
    assert sw.writes(mark) == []
    assert day3.report.counts["waiting"] == 1
    assert any("archive due on" in line for line in day3.report.lines)
    assert not sw.archived(quiet)

    sw.advance(5)
    mark = sw.mark()
    day8 = await sw.run()
    assert day8.status == "succeeded", day8.error
    assert sw.archived(quiet) and not sw.archived(busy)
    closing = sw.bot_messages(quiet)[-1]
    assert "переносится в архив" in closing.content
    writes = sw.writes(mark)
    # The closing message goes out before the archive call, exactly once each.
    assert writes == [("POST", "/messages"), ("PUT", f"/chats/{quiet}/archive")]
    assert day8.report.counts["archived"] == 1
    assert sw.actions("warned") == {quiet: 1} and sw.actions("archived") == {quiet: 1}
    state = sw.chat_state(quiet)
    assert state is not None and state.archived_at is not None


async def test_without_max_fraction_the_count_runs_beside_the_archiving_and_adds_up(
    sw: Sweep,
) -> None:
    quiet = sw.chats([f"Тихий чат {i}" for i in range(3)])
    busy = sw.chats([f"Живой чат {i}" for i in range(60)])  # two pages of active chats
    sw.advance(100)
    for chat in busy:
        sw.say(chat)
    sw.job(max_fraction=None, warn_days=0, closing_message=False, report_chat_id=busy[0])

    outcome = await sw.run()

    assert outcome.status == "succeeded", outcome.error
    assert all(sw.archived(chat) for chat in quiet)
    assert (outcome.report.counts["scanned"], outcome.report.counts["archived"]) == (63, 3)
    [report] = sw.bot_messages(busy[0])
    assert "63 чата" in report.content


async def test_a_person_writing_after_the_warning_cancels_it_until_quiet_again(sw: Sweep) -> None:
    chat = sw.chat("Бюджет 2025")
    sw.advance(100)
    sw.job()
    assert (await sw.run()).report.counts["warned"] == 1

    sw.advance(2)
    sw.say(chat, text="Чат ещё нужен!")
    sw.advance(6)
    mark = sw.mark()
    day8 = await sw.run()
    assert day8.status == "succeeded", day8.error
    assert not sw.archived(chat)
    assert sw.writes(mark) == []  # not archived, and not warned again either
    assert day8.report.counts["skipped:active"] == 1
    state = sw.chat_state(chat)
    assert state is not None and state.warned_at is None and state.warning_message_id is None

    sw.advance(60)  # 68 days after the person wrote: still within inactive_days
    assert (await sw.run()).report.counts["warned"] == 0
    assert len(sw.bot_messages(chat)) == 1

    sw.advance(30)  # 98 days of quiet: warned afresh, once
    again = await sw.run()
    assert again.report.counts["warned"] == 1
    assert len(sw.bot_messages(chat)) == 2
    assert sw.actions("warned") == {chat: 2}


async def test_keep_button_decision_is_honoured_and_ends_the_warning(sw: Sweep) -> None:
    chat = sw.chat("Релизный поезд")
    sw.advance(100)
    sw.job()
    await sw.run()
    # What the bot's handler records when a member presses «Оставить чат» on day 1.
    sw.advance(1)
    sw.set_chat_state(chat, kept_until=sw.now() + timedelta(days=30),
                      keep_by_user=sw.people(1)[0])

    sw.advance(7)
    mark = sw.mark()
    kept = await sw.run()
    assert kept.status == "succeeded", kept.error
    assert sw.writes(mark) == [] and not sw.archived(chat)
    assert kept.report.counts["skipped:kept"] == 1
    assert any("kept until" in line for line in kept.report.lines)

    sw.advance(30)  # the keep has ended, but the chat is not archived on the old warning
    mark = sw.mark()
    await sw.run()
    assert not sw.archived(chat)
    assert ("PUT", f"/chats/{chat}/archive") not in sw.writes(mark)


async def test_archive_now_button_archives_at_the_next_run(sw: Sweep) -> None:
    chat = sw.chat("Старый проект")
    asker = sw.people(1)[0]
    sw.advance(100)
    sw.job(allow_archive_now=True)
    await sw.run()
    [warning] = sw.bot_messages(chat)
    assert [b["text"] for row in warning.buttons for b in row] == [
        "Оставить чат", "Архивировать сейчас"]
    action = parse_button_data(warning.buttons[1][0]["data"], sw.button_key())
    assert (action.action, action.chat_id) == ("archive_now", chat)

    sw.advance(1)
    sw.set_chat_state(chat, archive_requested_at=sw.now(), archive_requested_by=asker)
    sw.advance(1)  # day 2: long before warn_days
    out = await sw.run()
    assert out.status == "succeeded", out.error
    assert sw.archived(chat)
    assert sw.mention(asker) in sw.bot_messages(chat)[-1].content


async def test_rerunning_the_same_day_does_not_warn_twice(sw: Sweep) -> None:
    chats = [sw.chat(f"Тихий чат {i}") for i in range(3)]
    sw.advance(100)
    sw.job()
    first = await sw.run()
    second = await sw.run()  # run-job again: a new run key
    assert first.report.counts["warned"] == 3
    assert second.report.counts["warned"] == 0 and second.report.counts["waiting"] == 3
    assert all(len(sw.bot_messages(c)) == 1 for c in chats)


async def test_report_is_posted_to_the_report_chat(sw: Sweep) -> None:
    report_chat = sw.chat("Отчёты уборки")
    quiet = sw.chat("Забытый чат")
    sw.advance(100)
    sw.say(report_chat)
    sw.job(report_chat_id=report_chat, warn_days=0)
    out = await sw.run()
    assert out.status == "succeeded", out.error
    assert sw.archived(quiet)
    [report] = sw.bot_messages(report_chat)
    assert "Уборка неактивных чатов" in report.content
    assert "«Забытый чат»" in report.content and "Перенесены в архив (1)" in report.content
    assert "Проверено 2 чата" in report.content


async def test_max_archive_per_run_leaves_the_rest_for_later_runs(sw: Sweep) -> None:
    chats = [sw.chat(f"Архивный кандидат {i}") for i in range(5)]
    sw.advance(100)
    sw.job(warn_days=0, max_archive_per_run=2, closing_message=False)

    first = await sw.run()
    assert first.report.counts["archived"] == 2
    assert first.report.counts["skipped:limit"] == 3
    assert any("3 more chats wait for later runs" in line for line in first.report.lines)
    second = await sw.run()
    third = await sw.run()
    assert (second.report.counts["archived"], third.report.counts["archived"]) == (2, 1)
    assert all(sw.archived(c) for c in chats)
    assert sw.archive_puts() == {c: 1 for c in chats}
    assert sw.actions("archived") == {c: 1 for c in chats}


async def test_of_many_candidates_the_longest_silent_are_archived_and_the_rest_counted(
    sw: Sweep
) -> None:
    # More quiet chats than the run keeps decisions for (2 × max_archive_per_run and a
    # margin), each last written to at its own time: the oldest go first.
    chats = sw.chats([f"Тихий чат {i}" for i in range(90)])
    for chat in chats:
        sw.say(chat)
        sw.advance(0.01)
    sw.advance(100)
    sw.job(warn_days=0, max_archive_per_run=5, closing_message=False)

    first = await sw.run()
    assert first.status == "succeeded", first.error
    assert first.report.counts["archived"] == 5
    assert first.report.counts["skipped:limit"] == 85
    assert any("85 more chats wait for later runs" in line for line in first.report.lines)
    assert sw.archive_puts() == {c: 1 for c in chats[:5]}
    second = await sw.run()
    assert second.report.counts["archived"] == 5
    assert sw.archive_puts() == {c: 1 for c in chats[:10]}
