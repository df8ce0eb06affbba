"""Buttons on sweep warnings, pressed by people and picked up by ``bot poll --once``.

Each test makes its chats in a private workspace, lets the sweep warn them (the
workspace clock moved by days), injects the click into the bot's event history as
Pachca would, and looks at what people see: the warning, the bot's direct messages,
and whether the next sweep archives the chat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runner import app
from runner.bot import service
from runner.workspace import WorkspaceServer
from tests.bot.support import Bot
from tests.jobs.sweep_support import EMPTY, Sweep


@pytest.fixture
def bot(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Bot]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield Bot(sweep)
    sweep.close()


async def warned(bot: Bot, name: str = "Проект «Альфа»", **job: object) -> tuple[int, Any]:
    """A chat quiet for 100 days, warned by the sweep; (chat id, the warning message)."""
    sw = bot.sw
    chat = sw.chat(name)
    sw.advance(100)
    sw.job(**job)
    outcome = await sw.run()
    assert outcome.status == "succeeded", outcome.error
    [warning] = sw.bot_messages(chat)
    return chat, warning


def data_of(warning: Any, row: int = 0) -> str:
    return str(warning.buttons[row][0]["data"])


async def test_keep_click_saves_the_chat_from_the_sweep(bot: Bot) -> None:
    sw = bot.sw
    chat, warning = await warned(bot)
    member = sw.people(1)[0]
    event = bot.click(data_of(warning), message_id=warning.id, chat_id=chat,
                      user_id=member)

    result = await bot.poll()

    assert result.counts["decided:keep"] == 1
    assert event not in bot.pending()  # handled, then deleted
    edited = bot.message(warning.id)
    assert edited.buttons is None  # cannot be pressed twice
    assert "остаётся" in edited.content and bot.sw.mention(member) in edited.content
    [answer] = bot.dms(member)
    assert answer.startswith("Готово") and "Проект «Альфа»" in answer
    state = sw.chat_state(chat)
    assert state is not None and state.keep_by_user == member

    sw.advance(8)  # past warn_days: without the click the chat would be archived now
    after = await sw.run()
    assert after.status == "succeeded", after.error
    assert not sw.archived(chat)
    assert after.report.counts["skipped:kept"] == 1


async def test_second_click_on_a_decided_warning_changes_nothing(bot: Bot) -> None:
    sw = bot.sw
    chat, warning = await warned(bot)
    first, second = sw.people(2)
    data = data_of(warning)
    bot.click(data, message_id=warning.id, chat_id=chat, user_id=first)
    await bot.poll()
    kept = sw.chat_state(chat)
    mark = sw.mark()

    # A client that still shows the old buttons sends the same data again.
    bot.click(data, message_id=warning.id, chat_id=chat, user_id=second)
    result = await bot.poll()

    assert result.counts["already_decided"] == 1
    [answer] = bot.dms(second)
    assert "уже решено" in answer and bot.sw.mention(first) in answer
    assert sw.chat_state(chat) == kept
    assert not [w for w in sw.writes(mark) if w[0] == "PUT"]  # the warning is left alone


async def test_click_from_a_non_member_is_refused(bot: Bot) -> None:
    sw = bot.sw
    chat, warning = await warned(bot)
    stranger = bot.outsider(chat)
    bot.click(data_of(warning), message_id=warning.id, chat_id=chat,
              user_id=stranger)

    result = await bot.poll()

    assert result.counts["refused:not_member"] == 1
    [answer] = bot.dms(stranger)
    assert "только его участники" in answer
    state = sw.chat_state(chat)
    assert state is not None and state.kept_until is None and state.archive_requested_at is None
    assert bot.message(warning.id).buttons
    sw.advance(8)
    assert (await sw.run()).report.counts["archived"] == 1
    assert sw.archived(chat)


async def test_forged_button_data_is_refused_and_nothing_recorded(bot: Bot) -> None:
    sw = bot.sw
    chat, warning = await warned(bot)
    member = sw.people(1)[0]
    real = data_of(warning)
    forged = real[:-22] + ("A" * 22 if not real.endswith("A" * 22) else "B" * 22)
    before = sw.chat_state(chat)

    bot.click(forged, message_id=warning.id, chat_id=chat, user_id=member)
    bot.click(f"pr1.keep.{chat}.0.{'x' * 22}", message_id=warning.id, chat_id=chat,
              user_id=member)
    result = await bot.poll()

    assert result.counts["refused:forged"] == 2
    assert all("создал не я" in text for text in bot.dms(member))
    assert sw.chat_state(chat) == before
    assert bot.message(warning.id).buttons


async def test_a_button_pressed_on_another_message_is_refused(bot: Bot) -> None:
    sw = bot.sw
    chat, warning = await warned(bot)
    member = sw.people(1)[0]
    # The same (validly signed) data, but on a message that is not the chat's warning.
    copy = sw.control("POST", "messages", json={"user_id": member, "chat_id": chat,
                                                "content": "смотрите"})["data"]["id"]

    bot.click(data_of(warning), message_id=copy, chat_id=chat, user_id=member)
    result = await bot.poll()

    assert result.counts["refused:stale"] == 1
    state = sw.chat_state(chat)
    assert state is not None and state.kept_until is None


async def test_archive_now_click_has_the_next_sweep_archive_the_chat(bot: Bot) -> None:
    sw = bot.sw
    chat, warning = await warned(bot, allow_archive_now=True)
    [[_], [archive_now]] = warning.buttons
    assert archive_now["text"] == "Архивировать сейчас"
    member = sw.people(1)[0]
    # archiving a chat is its creator's and admins' right in Pachca, so the bot's too
    sw.control("POST", "chat_roles", json={"chat_id": chat, "user_id": member, "role": "admin"})
    bot.click(archive_now["data"], message_id=warning.id, chat_id=chat,
              user_id=member)

    assert (await bot.poll()).counts["decided:archive_now"] == 1
    assert "архив" in bot.message(warning.id).content

    sw.advance(0.01)  # the same day: no need to wait out warn_days
    outcome = await sw.run()
    assert outcome.status == "succeeded", outcome.error
    assert sw.archived(chat)
    closing = sw.bot_messages(chat)[-1]
    assert sw.mention(member) in closing.content  # «Архивировать чат попросил(а) ...»


async def test_archive_now_from_a_plain_member_is_refused(bot: Bot) -> None:
    """A member may not archive a chat in Pachca; the button must not let them."""
    sw = bot.sw
    chat, warning = await warned(bot, allow_archive_now=True)
    [[keep], [archive_now]] = warning.buttons
    member = sw.people(1)[0]
    bot.click(archive_now["data"], message_id=warning.id, chat_id=chat, user_id=member)

    assert (await bot.poll()).counts["refused:not_chat_admin"] == 1
    [answer] = bot.dms(member)
    assert "создатель и администраторы" in answer
    state = sw.chat_state(chat)
    assert state is not None and state.archive_requested_at is None
    assert bot.message(warning.id).buttons  # still open to the others
    sw.advance(0.01)
    assert (await sw.run()).status == "succeeded"
    assert not sw.archived(chat)  # nothing sped up: the warning period still runs

    # «Оставить чат» stays every member's to press
    bot.click(keep["data"], message_id=warning.id, chat_id=chat, user_id=member)
    assert (await bot.poll()).counts["decided:keep"] == 1


async def test_polling_handles_a_click_once_across_a_crash(bot: Bot) -> None:
    """Handled but not deleted (the process died in between): the next pass only deletes."""
    sw = bot.sw
    chat, warning = await warned(bot)
    member = sw.people(1)[0]
    event = bot.click(data_of(warning), message_id=warning.id, chat_id=chat,
                      user_id=member)
    h = sw.h
    async with app.runtime(h.settings(), h.catalogue()) as rt:
        poller = service.BotService(rt, background=False).poller
        [pending] = [e async for e in rt.client.list_events() if e.id == event]
        assert await poller.handle(pending) == "decided:keep"
        # ...and the process dies here, before DELETE /webhooks/events/{id}.
    assert event in bot.pending()
    mark = sw.mark()

    result = await bot.poll()

    assert result.counts["already_handled"] == 1 and result.counts["deleted"] >= 1
    assert event not in bot.pending()
    assert len(bot.dms(member)) == 1  # answered once
    assert ("PUT", f"/messages/{warning.id}") not in sw.writes(mark)
