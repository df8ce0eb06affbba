"""Events in the order they happened, and one press acting once however often Pachca
delivers it: the history is served newest first, a click may come again under a new
event id (same ``trigger_id``), by poll or by push."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from runner import app
from runner.pachca.limits import CallClass, classify
from runner.runtime import Runtime
from tests.bot.support import Bot
from tests.bot.test_clicks import warned
from tests.bot.test_intake import bot, daemon_side, signed

__all__ = ["bot", "daemon_side"]  # fixtures shared with the intake tests


def seconds(bot: Bot, n: float) -> None:
    bot.sw.control("POST", "clock", json={"advance": n})


def admin(bot: Bot, chat: int, user: int) -> None:
    bot.sw.control("POST", "chat_roles", json={"chat_id": chat, "user_id": user, "role": "admin"})


async def test_two_clicks_are_handled_in_the_order_they_happened(bot: Bot) -> None:
    sw = bot.sw
    chat, warning = await warned(bot, allow_archive_now=True)
    [[keep], [archive_now]] = warning.buttons
    first, second = sw.people(2)
    admin(bot, chat, first)  # archiving is a chat admin's right
    early = bot.click(archive_now["data"], message_id=warning.id, chat_id=chat, user_id=first)
    # Events the runner does not handle, enough to put the two clicks on different pages.
    bot.subscribe("reaction_new")
    for _ in range(60):
        seconds(bot, 1)
        sw.control("POST", "events", json={"payload": {
            "type": "reaction", "event": "new", "chat_id": chat, "message_id": warning.id,
            "code": "👍", "name": "+1", "user_id": first,
            "created_at": sw.now().isoformat().replace("+00:00", "Z")}})
    seconds(bot, 1)
    late = bot.click(keep["data"], message_id=warning.id, chat_id=chat, user_id=second)
    h = sw.h
    async with app.runtime(h.settings(), h.catalogue()) as rt:
        served = [e.id async for e in rt.client.list_events()]
    assert served[0] == late and served[-1] == early, "Pachca serves the newest first"

    result = await bot.poll()

    assert result.counts["decided:archive_now"] == 1 and result.counts["already_decided"] == 1
    state = sw.chat_state(chat)
    assert state is not None
    assert state.archive_requested_by == first and state.kept_until is None
    [answer] = bot.dms(second)
    assert "уже решено" in answer and sw.mention(first) in answer
    assert result.counts["ignored"] == 60 and result.counts["deleted"] == 62
    assert bot.pending() == [], "what can never be handled is acknowledged too"


async def test_a_click_delivered_again_under_a_new_event_id_acts_once_by_poll(bot: Bot) -> None:
    sw = bot.sw
    chat, warning = await warned(bot)
    member = sw.people(1)[0]
    data = str(warning.buttons[0][0]["data"])
    first = bot.click(data, message_id=warning.id, chat_id=chat, user_id=member,
                      trigger_id="press-1")
    seconds(bot, 1)
    again = bot.click(data, message_id=warning.id, chat_id=chat, user_id=member,
                      trigger_id="press-1")
    assert first != again

    result = await bot.poll()
    seconds(bot, 30)
    bot.click(data, message_id=warning.id, chat_id=chat, user_id=member, trigger_id="press-1")
    later = await bot.poll()

    assert result.counts["decided:keep"] == 1 and result.counts["already_handled"] == 1
    assert later.counts["already_handled"] == 1 and bot.pending() == []
    assert len(bot.dms(member)) == 1, "answered once"


async def test_a_click_pushed_again_with_a_new_body_acts_once(
    bot: Bot, daemon_side: tuple[Runtime, str]
) -> None:
    rt, url = daemon_side
    person = bot.sw.people(1)[0]
    now = int(rt.clock().timestamp())
    click = {"type": "button", "event": "click", "data": "pr1.keep.1.0." + "x" * 22,
             "message_id": 1, "trigger_id": "press-7", "user_id": person, "chat_id": 1}
    async with httpx.AsyncClient(timeout=10) as http:
        answers = []
        for stamp in (now, now + 1):  # a redelivery: a new timestamp, so a new signed body
            body = json.dumps({**click, "webhook_timestamp": stamp}).encode()
            answers.append(await http.post(url, content=body, headers=signed(body)))

    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json()["status"] for a in answers] == ["ok", "duplicate"]
    [answer] = bot.dms(person)  # the (forged) click was refused once, not twice
    assert "создал не я" in answer


async def test_a_signed_event_that_can_never_be_handled_is_acknowledged(
    bot: Bot, daemon_side: tuple[Runtime, str], caplog: pytest.LogCaptureFixture
) -> None:
    rt, url = daemon_side
    person = bot.sw.people(1)[0]
    now = int(rt.clock().timestamp())
    unknown = {"type": "reaction", "event": "new", "webhook_timestamp": now}
    gone = {"type": "button", "event": "click", "data": "pr1.keep.1.0." + "x" * 22,
            "message_id": 987654, "trigger_id": "press-8", "user_id": person, "chat_id": 1,
            "webhook_timestamp": now}
    with caplog.at_level(logging.INFO, logger="runner.bot"):
        async with httpx.AsyncClient(timeout=10) as http:
            bodies = [json.dumps(payload).encode() for payload in (unknown, gone)]
            answers = [await http.post(url, content=body, headers=signed(body))
                       for body in bodies]

    assert [a.status_code for a in answers] == [200, 200], "else Pachca delivers them again"
    assert "event reaction/new ignored" in caplog.text


def test_deleting_an_event_is_an_ordinary_call_not_a_history_read() -> None:
    assert classify("GET", "/webhooks/events") is CallClass.EVENTS
    assert classify("DELETE", "/webhooks/events/01JX0000000000000000000000") is CallClass.OTHER


async def test_clicks_made_within_one_millisecond_keep_the_order_pachca_lists_them(
    bot: Bot,
) -> None:
    """Event ids are ULIDs: within one millisecond their random part says nothing about
    order, so two presses that close are told apart only by where the history lists them."""
    sw = bot.sw
    chats = sw.chats([f"Проект {n}" for n in range(6)])
    sw.advance(100)
    sw.job(allow_archive_now=True)
    assert (await sw.run()).status == "succeeded"
    first, second = sw.people(2)
    for chat in chats:
        admin(bot, chat, first)  # archiving is a chat admin's right
    sw.control("POST", "clock", json={"freeze": True})
    for chat in chats:
        [warning] = sw.bot_messages(chat)
        [[keep], [archive_now]] = warning.buttons
        bot.click(archive_now["data"], message_id=warning.id, chat_id=chat, user_id=first)
        bot.click(keep["data"], message_id=warning.id, chat_id=chat, user_id=second)

    result = await bot.poll()

    assert result.counts["decided:archive_now"] == 6 and result.counts["already_decided"] == 6
    decided = {chat: sw.chat_state(chat) for chat in chats}
    assert {chat: state.archive_requested_by if state else None
            for chat, state in decided.items()} == dict.fromkeys(chats, first)


async def test_a_malformed_event_is_logged_naming_the_field(
    bot: Bot, daemon_side: tuple[Runtime, str], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rt, url = daemon_side
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")
    payload = {"type": "button", "event": "click", "data": "x", "chat_id": 1,
               "trigger_id": "press-9", "user_id": bot.sw.people(1)[0],
               "webhook_timestamp": int(rt.clock().timestamp())}  # no message_id
    body = json.dumps(payload).encode()

    with caplog.at_level(logging.WARNING, logger="runner.bot"):
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(url, content=body, headers=signed(body))

    assert answer.status_code == 200, "Pachca would send it again and again"
    assert ("событие button/click с ошибками пропущено: ошибок — 1, первая: нет поля"
            " message_id") in caplog.text
