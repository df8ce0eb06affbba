"""Event intake as the daemon runs it: the signed push endpoint on the runner's server,
and the polling loop. Both feed the same dispatcher; here a click is the probe (its
effect, a direct message to the clicker, is what a person would notice)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner import app
from runner.bot import service
from runner.bot.push import MAX_PUSH_BODY
from runner.runtime import Runtime
from runner.workspace import WorkspaceServer
from tests.bot.support import Bot
from tests.jobs.sweep_support import EMPTY, Sweep
from tests.waiting import eventually

SECRET = "whsec-test-1234567890"
PATH = "/pachca/events"


@pytest.fixture
def bot(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Bot]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield Bot(sweep)
    sweep.close()


def catalogue(bot: Bot, events: str, poll_every: str = "1s") -> None:
    bot.sw.h.write_catalogue(f"""
        timezone: Europe/Moscow
        bot: {{events: {events}, poll_every: {poll_every}, webhook_path: {PATH}}}
        jobs:
          hello:
            kind: message
            schedule: "0 10 * * 1"
            to: {{chats: [1]}}
            text: Привет
    """)


@pytest.fixture
async def daemon_side(bot: Bot) -> AsyncIterator[tuple[Runtime, str]]:
    """The runner's server with the bot side started, as ``run`` has it; (rt, hook URL)."""
    catalogue(bot, "push")
    settings = bot.sw.h.settings(webhook_secret=SECRET)
    async with (app.runtime(settings, bot.sw.h.catalogue(), server=True) as rt,
                service.started(settings, rt)):
        yield rt, rt.server.url + PATH


def click(user_id: int, *, at: float | None = None, **extra: Any) -> bytes:
    payload = {"type": "button", "event": "click", "data": "pr1.keep.1.0." + "x" * 22,
               "message_id": 1, "trigger_id": "t-1", "user_id": user_id, "chat_id": 1,
               "webhook_timestamp": int(at if at is not None else time.time()), **extra}
    return json.dumps(payload).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json",
            "Pachca-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


async def test_push_accepts_a_signed_event_once(bot: Bot, daemon_side: tuple[Runtime, str]
                                                ) -> None:
    _, url = daemon_side
    person = bot.sw.people(1)[0]
    body = click(person)
    async with httpx.AsyncClient(timeout=10) as http:
        first = await http.post(url, content=body, headers=signed(body))
        replay = await http.post(url, content=body, headers=signed(body))

    assert first.status_code == 200 and first.json() == {"status": "ok"}
    assert replay.status_code == 200 and replay.json() == {"status": "duplicate"}
    [answer] = bot.dms(person)  # handled once: the forged data was refused politely
    assert "создал не я" in answer


REJECTED = {"unsigned": 401, "bad_signature": 401, "other_secret": 401, "stale": 400,
            "future": 400, "not_json": 400, "not_object": 400, "no_timestamp": 400,
            "content_type": 400, "too_large": 413}


def bad_request(case: str, person: int) -> tuple[bytes, dict[str, str]]:
    """A request that must be refused, as ``case`` names it."""
    body = click(person)
    headers = signed(body)
    if case == "unsigned":
        del headers["Pachca-Signature"]
    elif case == "bad_signature":
        headers["Pachca-Signature"] = "0" * 64
    elif case == "other_secret":
        headers = signed(body, "another-secret")
    elif case in ("stale", "future"):
        body = click(person, at=time.time() + (-120 if case == "stale" else 120))
        headers = signed(body)
    elif case in ("not_json", "not_object", "no_timestamp"):
        body = {"not_json": b"type=button&event=click", "not_object": b"[1, 2]",
                "no_timestamp": b'{"type": "button", "event": "click"}'}[case]
        headers = signed(body)
    elif case == "content_type":
        headers["Content-Type"] = "text/plain"
    elif case == "too_large":
        body = click(person, padding="x" * MAX_PUSH_BODY)
        headers = signed(body)
    return body, headers


async def test_push_rejects_what_pachca_did_not_sign_now(
    bot: Bot, daemon_side: tuple[Runtime, str]
) -> None:
    _, url = daemon_side
    person = bot.sw.people(1)[0]
    answers = {}
    async with httpx.AsyncClient(timeout=10) as http:
        for case in REJECTED:
            body, headers = bad_request(case, person)
            answers[case] = (await http.post(url, content=body, headers=headers)).status_code

    assert answers == REJECTED
    assert bot.dms(person) == []  # none of them was processed


async def test_push_endpoint_answers_404_when_the_bot_polls(bot: Bot) -> None:
    catalogue(bot, "poll", poll_every="1h")
    settings = bot.sw.h.settings(webhook_secret=SECRET)
    body = click(bot.sw.people(1)[0])
    async with (app.runtime(settings, bot.sw.h.catalogue(), server=True) as rt,
                service.started(settings, rt), httpx.AsyncClient(timeout=10) as http):
        response = await http.post(rt.server.url + PATH, content=body,
                                   headers=signed(body))
    assert response.status_code == 404


async def test_push_without_a_secret_refuses_to_start(bot: Bot) -> None:
    catalogue(bot, "push")
    settings = bot.sw.h.settings()
    async with app.runtime(settings, bot.sw.h.catalogue(), server=True) as rt:
        with pytest.raises(Exception, match="PACHCA_WEBHOOK_SECRET"):
            async with service.started(settings, rt):
                pass


def message_in(bot: Bot, chat: int, person: int) -> int:
    """A message of ``person`` in ``chat``: Pachca has clicks only on messages that exist."""
    made = bot.sw.control("POST", "messages", json={"user_id": person, "chat_id": chat,
                                                    "content": "Кнопки ниже"})
    return int(made["data"]["id"])


async def test_the_daemon_polls_handles_and_deletes_events(bot: Bot) -> None:
    catalogue(bot, "poll")
    person = bot.sw.people(1)[0]
    chat = bot.sw.chat("Разработка")  # Pachca sends clicks only from chats the bot is in
    message = message_in(bot, chat, person)
    event = bot.click("pr1.keep.1.0." + "y" * 22, message_id=message, chat_id=chat,
                      user_id=person)
    settings = bot.sw.h.settings()
    async with app.runtime(settings, bot.sw.h.catalogue()) as rt, service.started(settings, rt):
        async def handled() -> bool:
            return event not in bot.pending()

        await eventually(handled, "the event to be handled and deleted")
    assert event not in bot.pending()
    assert len(bot.dms(person)) == 1



async def test_refusals_are_logged_in_the_operators_language_without_the_secret(
    bot: Bot, daemon_side: tuple[Runtime, str], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, url = daemon_side
    person = bot.sw.people(1)[0]
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")
    with caplog.at_level(logging.WARNING, logger="runner.bot.push"):
        async with httpx.AsyncClient(timeout=10) as http:
            for case in REJECTED:
                body, headers = bad_request(case, person)
                await http.post(url, content=body, headers=headers)

    lines = [r.getMessage() for r in caplog.records if r.name == "runner.bot.push"]
    assert len(lines) == len(REJECTED)
    for line in lines:
        assert line.startswith("вебхук бота отклонён"), line
        said = line.split(": ", 1)[1]
        # Russian words around the names of the header, the field and the format.
        prose = said
        for name in ("Pachca-Signature", "webhook_timestamp", "Content-Type",
                     "application/json", "JSON"):
            prose = prose.replace(name, "")
        assert not re.search(r"[A-Za-z]{3,}", prose), line
        assert SECRET not in line


async def test_push_catches_up_with_clicks_the_history_kept_while_it_was_down(bot: Bot) -> None:
    """Pachca retries a push only while it cannot connect, a few times: a click made
    while the runner was down survives in the event history (its guide: keep history on
    so as not to lose events), which the runner reads with push too."""
    catalogue(bot, "push")
    person = bot.sw.people(1)[0]
    chat = bot.sw.chat("Разработка")  # Pachca sends clicks only from chats the bot is in
    message = message_in(bot, chat, person)
    event = bot.click("pr1.keep.1.0." + "z" * 22, message_id=message, chat_id=chat,
                      user_id=person)
    settings = bot.sw.h.settings(webhook_secret=SECRET)
    async with (app.runtime(settings, bot.sw.h.catalogue(), server=True) as rt,
                service.started(settings, rt)):
        async def handled() -> bool:
            return event not in bot.pending()

        await eventually(handled, "the click kept in the history to be handled and deleted")
    [answer] = bot.dms(person)  # the (forged) click was answered, once
    assert "создал не я" in answer


async def test_push_without_the_history_scope_says_so_once(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    catalogue(bot, "push")
    token = bot.sw.control("POST", "tokens", json={"kind": "bot", "scopes": [
        "chats:read", "chat_members:read", "messages:read", "messages:create",
        "messages:update"]})["token"]
    settings = bot.sw.h.settings(webhook_secret=SECRET, token=token)
    with caplog.at_level(logging.INFO, logger="runner.bot"):
        async with (app.runtime(settings, bot.sw.h.catalogue(), server=True) as rt,
                    service.started(settings, rt)):
            async def told() -> bool:
                return "webhooks:events:read" in caplog.text

            await eventually(told, "the note that the history is not read")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    notes = [r for r in caplog.records if r.name == "runner.bot.polling"]
    assert len(notes) == 1 and notes[0].levelno == logging.WARNING
