"""Failure alerts in the alerts chat: one per streak, repeated only after repeat_every,
a recovery note after the first success, and «Повторить» rerunning the job."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from runner import app, words
from runner.bot import service
from runner.bot.alerts import notifier_of
from runner.execute import execute
from runner.workspace import WorkspaceServer
from tests.bot.support import Bot
from tests.jobs.sweep_support import EMPTY, Sweep
from tests.waiting import eventually

CATALOGUE = """
timezone: Europe/Moscow
alerts:
  chat_id: {alerts}
  repeat_every: 1h
bot: {{events: push, webhook_path: /pachca/events}}
jobs:
  reminder:
    kind: message
    description: Напоминание о планёрке
    schedule: "0 10 * * 1-5"
    to: {{chats: [{target}]}}
    text: Планёрка через 15 минут
"""


@pytest.fixture
def bot(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Bot]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield Bot(sweep)
    sweep.close()


def setup(bot: Bot, alerts_chat: int | None = None) -> tuple[int, int]:
    """An alerts chat (the bot and three people) and a chat the bot cannot post to."""
    sw = bot.sw
    alerts = alerts_chat or sw.chat("Оповещения")
    owner = sw.people(1)[0]
    target = sw.control("POST", "messages", json={"user_id": owner, "to_user_id": sw.people(2)[1],
                                                  "content": "привет"})["data"]["chat_id"]
    sw.h.write_catalogue(CATALOGUE.format(alerts=alerts, target=target))
    return alerts, int(target)


def let_bot_in(bot: Bot, chat: int) -> None:
    """The job's chat becomes writable for the bot (someone fixed the problem)."""
    sw = bot.sw
    sw.ws.call(lambda: sw.ws.store.add_member(sw.ws.store.chats[chat], sw.bot))


async def test_two_failures_make_one_alert_and_a_success_a_recovery_note(bot: Bot) -> None:
    sw = bot.sw
    alerts, target = setup(bot)
    t0 = sw.now()

    first = await sw.h.run("reminder", at=t0)
    second = await sw.h.run("reminder", at=t0 + timedelta(minutes=10))

    assert first.status == second.status == "failed"
    [alert] = sw.bot_messages(alerts)
    assert "Задание «reminder» завершилось с ошибкой" in alert.content
    assert "Напоминание о планёрке" in alert.content
    # The error (checked before posting), in Russian as all of Pachca is, whatever the
    # daemon speaks.
    assert "добавьте бота в чат" in alert.content
    assert sw.ws.bot_token not in alert.content
    [[retry]] = alert.buttons
    assert retry["text"] == "Повторить"

    let_bot_in(bot, target)
    third = await sw.h.run("reminder", at=t0 + timedelta(minutes=20))

    assert third.status == "succeeded", third.error
    alert_msg, recovery = sw.bot_messages(alerts)
    assert alert_msg.id == alert.id
    assert "снова работает" in recovery.content and "2 сбоев" in recovery.content
    store = sw.store()
    try:
        assert store.alert_state("reminder") is None
    finally:
        store.close()


async def test_a_recovery_note_that_could_not_be_posted_is_posted_after_the_next_success(
    bot: Bot,
) -> None:
    """People saw the alert: they must see the recovery too, once the chat takes it."""
    sw = bot.sw
    alerts, target = setup(bot)
    t0 = sw.now()
    assert (await sw.h.run("reminder", at=t0)).status == "failed"
    [alert] = sw.bot_messages(alerts)
    store, chat = sw.ws.store, sw.ws.store.chats[alerts]
    sw.ws.call(lambda: store.remove_member(chat, sw.bot))  # the bot was taken out
    let_bot_in(bot, target)

    assert (await sw.h.run("reminder", at=t0 + timedelta(minutes=10))).status == "succeeded"
    let_bot_in(bot, alerts)
    assert [m.id for m in sw.bot_messages(alerts)] == [alert.id]  # nowhere to say it

    assert (await sw.h.run("reminder", at=t0 + timedelta(minutes=20))).status == "succeeded"
    _, recovery = sw.bot_messages(alerts)
    assert "снова работает" in recovery.content and "после сбоя" in recovery.content
    assert (await sw.h.run("reminder", at=t0 + timedelta(minutes=30))).status == "succeeded"
    assert len(sw.bot_messages(alerts)) == 2  # said once


@pytest.mark.parametrize("daemon", ["en", "ru"])
async def test_the_alert_quotes_the_error_in_russian_whatever_the_runner_speaks(
        bot: Bot, daemon: str) -> None:
    sw = bot.sw
    alerts, target = setup(bot)

    with words.speaking(daemon):
        failed = await sw.h.run("reminder", at=sw.now())

    assert failed.status == "failed"
    [alert] = sw.bot_messages(alerts)
    assert f"проверьте id или добавьте бота в чат {target}" in alert.content
    assert "add the bot" not in alert.content


async def test_a_long_streak_is_recalled_after_repeat_every(bot: Bot) -> None:
    sw = bot.sw
    alerts, _ = setup(bot)
    t0 = sw.now()
    for minutes in (0, 10, 20):
        await sw.h.run("reminder", at=t0 + timedelta(minutes=minutes))
    assert len(sw.bot_messages(alerts)) == 1

    await sw.h.run("reminder", at=t0 + timedelta(minutes=70))  # past repeat_every: 1h

    _, reminder = sw.bot_messages(alerts)
    assert "4 сбоя подряд" in reminder.content


async def test_retry_button_reruns_the_job_and_tells_the_clicker(bot: Bot) -> None:
    sw = bot.sw
    alerts, target = setup(bot)
    await sw.h.run("reminder", at=sw.now())
    [alert] = sw.bot_messages(alerts)
    member = sw.people(1)[0]
    let_bot_in(bot, target)  # fixed meanwhile: the rerun will succeed

    data = alert.buttons[0][0]["data"]
    bot.click(data, message_id=alert.id, chat_id=alerts, user_id=member)
    result = await bot.poll()

    assert result.counts["retry"] == 1
    assert [m.content for m in sw.bot_messages(target)] == ["Планёрка через 15 минут"]
    started, finished = bot.dms(member)
    assert "ещё раз" in started and "выполнено успешно" in finished
    edited = bot.message(alert.id)
    assert edited.buttons is None and sw.mention(member) in edited.content
    assert "снова работает" in sw.bot_messages(alerts)[-1].content

    # Pressing it again (an old client still shows it) does not run the job again.
    bot.click(data, message_id=alert.id, chat_id=alerts, user_id=member)
    again = await bot.poll()
    assert again.counts["already_decided"] == 1
    assert len(sw.bot_messages(target)) == 1


async def test_retry_from_outside_the_alerts_chat_is_refused(bot: Bot) -> None:
    sw = bot.sw
    alerts, _ = setup(bot)
    await sw.h.run("reminder", at=sw.now())
    [alert] = sw.bot_messages(alerts)
    stranger = bot.outsider(alerts)

    bot.click(alert.buttons[0][0]["data"], message_id=alert.id, chat_id=alerts, user_id=stranger)
    result = await bot.poll()

    assert result.counts["refused:not_member"] == 1
    assert "участники чата оповещений" in bot.dms(stranger)[0]
    assert bot.message(alert.id).buttons  # still there for the people who may use it


async def test_a_missed_run_is_alerted_too(bot: Bot) -> None:
    sw = bot.sw
    alerts, _ = setup(bot)
    h = sw.h
    catalogue = h.catalogue()
    async with app.runtime(h.settings(), catalogue) as rt:
        await notifier_of(rt).on_missed(catalogue.jobs["reminder"], sw.now())

    [alert] = sw.bot_messages(alerts)
    assert "не запустилось вовремя" in alert.content
    # A message in Pachca: what it says of the fire is Russian, whatever the CLI speaks.
    assert "допустимая задержка" in alert.content and "• весь запуск" in alert.content
    assert "missed" not in alert.content and "the whole run" not in alert.content


async def test_an_alert_that_cannot_be_posted_is_logged_not_raised(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    sw = bot.sw
    setup(bot, alerts_chat=987654)  # no such chat

    with caplog.at_level(logging.ERROR, logger="runner.bot.alerts"):
        outcome = await sw.h.run("reminder", at=sw.now())

    assert outcome.status == "failed" and "add the bot to chat" in (outcome.error or "")
    assert any("could not post alert.md.j2" in r.getMessage() for r in caplog.records)


async def test_the_daemon_reruns_a_job_clicked_by_push_in_the_background(bot: Bot) -> None:
    sw = bot.sw
    alerts, target = setup(bot)
    settings = sw.h.settings(webhook_secret="whsec-1")
    catalogue = sw.h.catalogue()
    member = sw.people(1)[0]
    async with (app.runtime(settings, catalogue, server=True) as rt,
                service.started(settings, rt)):
        failed = await execute(rt, catalogue.jobs["reminder"])
        assert failed.status == "failed"
        [alert] = sw.bot_messages(alerts)
        let_bot_in(bot, target)
        body = json.dumps({"type": "button", "event": "click", "message_id": alert.id,
                           "trigger_id": "t1", "data": alert.buttons[0][0]["data"],
                           "user_id": member, "chat_id": alerts,
                           "webhook_timestamp": int(time.time())}).encode()
        signature = hmac.new(b"whsec-1", body, hashlib.sha256).hexdigest()
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                rt.server.url + "/pachca/events", content=body,
                headers={"Content-Type": "application/json", "Pachca-Signature": signature})
        assert response.status_code == 200
        async def answered() -> bool:
            return len(bot.dms(member)) >= 2

        await eventually(answered, "the outcome in a direct message")

    assert [m.content for m in sw.bot_messages(target)] == ["Планёрка через 15 минут"]
    assert "выполнено успешно" in bot.dms(member)[-1]


async def test_retry_resumes_the_failed_run_without_posting_twice(bot: Bot) -> None:
    sw = bot.sw
    alerts, target = setup(bot)
    reached = sw.chat("Дошло")
    # The reminder goes to a chat it can reach, then to one it cannot: the run fails
    # halfway, after its first post.
    sw.h.write_catalogue(CATALOGUE.format(alerts=alerts, target=f"{reached}, {target}"))
    first = await sw.h.run("reminder", at=sw.now())
    assert first.status == "failed"
    assert len(sw.bot_messages(reached)) == 1
    [alert] = sw.bot_messages(alerts)
    let_bot_in(bot, target)

    bot.click(alert.buttons[0][0]["data"], message_id=alert.id, chat_id=alerts,
              user_id=sw.people(1)[0])
    result = await bot.poll()

    assert result.counts["retry"] == 1
    # The rerun resumed the failed run: the chat it had reached is not posted to again.
    assert len(sw.bot_messages(reached)) == 1
    assert [m.content for m in sw.bot_messages(target)] == ["Планёрка через 15 минут"]
    with sw.store() as store:
        run = store.get_run(first.run_id)
    assert run is not None and run.status == "succeeded" and run.attempt == 2
