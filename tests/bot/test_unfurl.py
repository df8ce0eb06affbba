"""Link previews: a ``link_shared`` event -> the source JSON (a tiny local server) ->
``POST /messages/{id}/link_previews`` with the rendered title and description."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from runner import app
from runner.bot import service
from runner.workspace import WorkspaceServer
from tests.bot.support import Bot
from tests.bot.test_intake import PATH, SECRET, signed
from tests.jobs.sweep_support import EMPTY, Sweep
from tests.waiting import GUARD_S, eventually

TRACKER_KEY = "tracker-secret-42"
ISSUES = {"42": {"title": "Починить выгрузку", "status": "в работе",
                 "assignee": {"name": "Анна"}},
          "43": {"title": "Обновить отчёт", "status": "готово", "assignee": {"name": "Олег"}},
          "8": {"title": "Медленный трекер", "status": "новая", "assignee": {"name": "Ия"}}}


class Tracker(BaseHTTPRequestHandler):
    """``GET /issues/<n>``: the issue as JSON (401 without the key, 500 for issue 500)."""

    seen: ClassVar[list[dict[str, Any]]] = []
    gate: ClassVar[threading.Event] = threading.Event()
    """Issue 8 is answered only once this is set (a slow tracker)."""

    def do_GET(self) -> None:
        Tracker.seen.append({"path": self.path, "auth": self.headers.get("Authorization")})
        number = self.path.rsplit("/", 1)[-1]
        if number == "8":
            Tracker.gate.wait(60)
        if self.headers.get("Authorization") != f"Bearer {TRACKER_KEY}":
            self.send_response(401)
            self.end_headers()
            return
        if number not in ISSUES:
            self.send_response(500)
            self.end_headers()
            return
        body = json.dumps(ISSUES[number], ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def tracker() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Tracker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Tracker.seen = []
    Tracker.gate = threading.Event()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    Tracker.gate.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def bot(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Bot]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    bot = Bot(sweep)
    # An unfurl bot for two domains (the catalogue has rules for one), with the event ticked.
    bot.subscribe("message_link_shared", unfurl_domains=["tracker.example.com", "other.org"])
    yield bot
    sweep.close()


def catalogue(bot: Bot, tracker: str, events: str = "poll", poll_every: str = "10s") -> None:
    bot.sw.h.write_catalogue(f"""
        timezone: Europe/Moscow
        bot: {{events: {events}, poll_every: {poll_every}, webhook_path: {PATH}}}
        unfurl:
          - domain: tracker.example.com
            source: "{tracker}/issues/{{{{ segments[-1] }}}}"
            headers: {{Authorization: "Bearer {TRACKER_KEY}"}}
            title: "Задача {{{{ segments[-1] }}}}: {{{{ data.title }}}}"
            description: "{{{{ data.status }}}}, исполнитель — {{{{ data.assignee.name }}}}"
            image_url: "https://tracker.example.com/logo.png"
        jobs:
          hello:
            kind: message
            schedule: "0 10 * * 1"
            to: {{chats: [1]}}
            text: Привет
    """)


def shared(bot: Bot, links: list[dict[str, Any]]) -> int:
    """A person posts a message with links (hiding the previews of those with ``skip``);
    the workspace tells the bot of those on its unfurl domains (link_shared)."""
    sw = bot.sw
    chat = sw.chat("Разработка")
    person = sw.people(1)[0]
    text = " ".join(link["url"] for link in links)
    message = sw.control("POST", "messages", json={
        "user_id": person, "chat_id": chat, "content": text,
        "skip_previews": [link["url"] for link in links if link["skip"]]})["data"]
    store = sw.ws.store
    [event] = sw.ws.call(lambda: [e.payload for e in store.events.values()
                                  if e.payload["event"] == "link_shared"
                                  and e.payload["message_id"] == message["id"]])
    assert event["links"] == links and event["user_id"] == person
    return int(message["id"])


async def test_links_of_configured_domains_get_previews(
    bot: Bot, tracker: str, caplog: pytest.LogCaptureFixture
) -> None:
    catalogue(bot, tracker)
    message_id = shared(bot, [
        {"url": "https://tracker.example.com/issues/42", "domain": "tracker.example.com",
         "skip": False},
        {"url": "https://tracker.example.com/issues/7", "domain": "tracker.example.com",
         "skip": True},  # the author hid its preview
        {"url": "https://tracker.example.com/issues/500", "domain": "tracker.example.com",
         "skip": False},  # the tracker fails for this one
        {"url": "https://docs.other.org/page", "domain": "docs.other.org", "skip": False},
    ])

    with caplog.at_level(logging.DEBUG, logger="runner"):
        result = await bot.poll()

    assert result.counts["unfurl:posted"] == 1
    [posted] = bot.sw.control("GET", "link_previews")["link_previews"]
    assert posted["message_id"] == message_id
    assert posted["link_previews"] == {"https://tracker.example.com/issues/42": {
        "title": "Задача 42: Починить выгрузку",
        "description": "в работе, исполнитель — Анна",
        "image_url": "https://tracker.example.com/logo.png",
    }}
    # Fetched with the rule's headers; the hidden and the unknown links were not fetched.
    assert sorted(s["path"] for s in Tracker.seen) == ["/issues/42", "/issues/500"]
    assert {s["auth"] for s in Tracker.seen} == {f"Bearer {TRACKER_KEY}"}
    # The failure is logged, the tracker's key is not.
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "issues/500 skipped" in logs and "HTTP 500" in logs
    assert TRACKER_KEY not in logs


async def test_a_link_a_person_posts_gets_its_preview_from_the_running_bot(
    bot: Bot, tracker: str
) -> None:
    """End to end, nothing injected: a person posts a tracker link through Pachca's API
    in a chat the bot is not in; the workspace tells its unfurl bot (link_shared in the
    history), and the runner's bot side, polling as ``run`` does, fetches the issue and
    adds the preview."""
    catalogue(bot, tracker, poll_every="1s")
    sw = bot.sw
    url = "https://tracker.example.com/issues/43"
    person = {"Authorization": f"Bearer {sw.ws.owner_token}"}
    settings = sw.h.settings()
    async with (app.runtime(settings, sw.h.catalogue()) as rt, service.started(settings, rt),
                httpx.AsyncClient(base_url=sw.ws.base_url, headers=person, timeout=GUARD_S,
                                  trust_env=False) as http):
        chat = (await http.post("/chats", json={"chat": {"name": "Без бота"}})).json()["data"]
        assert sw.bot not in chat["member_ids"]
        posted = await http.post("/messages", json={"message": {
            "entity_id": chat["id"], "content": f"Глянь {url}, пожалуйста"}})
        assert posted.status_code == 201, posted.text

        async def previewed() -> list[dict[str, Any]]:
            return list(sw.control("GET", "link_previews")["link_previews"])

        [preview] = await eventually(previewed, "the runner to add the link's preview")

        async def acknowledged() -> bool:
            return bot.pending() == []

        await eventually(acknowledged, "the link_shared event to be deleted once handled")
    assert preview["message_id"] == posted.json()["data"]["id"]
    assert preview["token_kind"] == "bot"
    assert preview["link_previews"] == {url: {
        "title": "Задача 43: Обновить отчёт",
        "description": "готово, исполнитель — Олег",
        "image_url": "https://tracker.example.com/logo.png",
    }}
    assert [s["path"] for s in Tracker.seen] == ["/issues/43"]


async def test_a_link_a_person_posts_is_pushed_signed_to_the_runners_webhook(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path, tracker: str
) -> None:
    """End to end by push, nothing injected and no history kept: the workspace POSTs the
    link_shared to the bot's outgoing webhook, signed with the bot's secret, and the
    runner (which refuses what is not signed so) adds the preview."""
    # Pachca stamps webhook_timestamp by the real clock, which the runner checks against
    # its own: this workspace's clock is not pinned.
    sw = Sweep.make(fresh_workspace(**{**EMPTY, "start_time": None}, webhook_secret=SECRET),
                    tmp_path)
    try:
        bot = Bot(sw)
        bot.subscribe("message_link_shared", events_history_enabled=False)
        catalogue(bot, tracker, events="push")
        url = "https://tracker.example.com/issues/42"
        maker, other = sw.people(2)
        [chat] = sw.control("POST", "chats", json={"user_id": maker, "chats": [
            {"name": "Без бота", "member_ids": [other]}]})["data"]
        settings = sw.h.settings(webhook_secret=SECRET)
        async with (app.runtime(settings, sw.h.catalogue(), server=True) as rt,
                    service.started(settings, rt)):
            sw.control("POST", "bot", json={"outgoing_url": rt.server.url + PATH})
            message = sw.control("POST", "messages", json={
                "user_id": other, "chat_id": chat["id"], "content": url})["data"]

            async def previewed() -> list[dict[str, Any]]:
                return list(sw.control("GET", "link_previews")["link_previews"])

            [preview] = await eventually(previewed, "the pushed link's preview")
        assert preview["message_id"] == message["id"]
        assert list(preview["link_previews"]) == [url]
        assert [(t["event"], t["status"]) for t in sw.control("GET", "pushes")["pushes"]] == [
            ("link_shared", 200)]
        assert bot.pending() == [], "nothing kept in a history the bot does not keep"
    finally:
        sw.close()


async def test_nothing_is_posted_when_no_link_can_be_previewed(bot: Bot, tracker: str) -> None:
    catalogue(bot, tracker)
    shared(bot, [{"url": "https://tracker.example.com/issues/500",
                  "domain": "tracker.example.com", "skip": False}])
    mark = bot.sw.mark()

    result = await bot.poll()

    assert result.counts["unfurl:nothing"] == 1
    assert bot.sw.control("GET", "link_previews")["link_previews"] == []
    assert not [w for w in bot.sw.writes(mark) if "link_previews" in w[1]]


async def test_links_delivered_again_under_a_new_event_id_get_one_preview(
    bot: Bot, tracker: str
) -> None:
    """Delivery is at least once: the same message's links may come again as a new event
    (its own id and webhook_timestamp); Pachca keeps every preview posted, so a second
    one would be a duplicate."""
    catalogue(bot, tracker)
    links = [{"url": "https://tracker.example.com/issues/42", "domain": "tracker.example.com",
              "skip": False}]
    message_id = shared(bot, links)
    store = bot.sw.ws.store
    again = dict(bot.sw.ws.call(lambda: next(e.payload for e in store.events.values()
                                             if e.payload["event"] == "link_shared")))
    bot.sw.control("POST", "clock", json={"advance": 2})
    again["webhook_timestamp"] += 2
    bot.sw.control("POST", "events", json={"payload": again})
    assert len(bot.pending()) == 3  # the message's message_new, then its links twice

    result = await bot.poll()
    bot.sw.control("POST", "events", json={"payload": again})
    later = await bot.poll()

    assert result.counts["unfurl:posted"] == 1 and result.counts["already_handled"] == 1
    assert later.counts["already_handled"] == 1 and bot.pending() == []
    posted = bot.sw.control("GET", "link_previews")["link_previews"]
    assert [p["message_id"] for p in posted] == [message_id]


async def test_a_link_edited_out_of_the_message_costs_only_its_own_preview(
    bot: Bot, tracker: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Pachca makes no preview at all when one URL of the request is not in the message
    (its author edited it out before the bot got to it): the others are posted alone."""
    catalogue(bot, tracker)
    sw = bot.sw
    kept, dropped = (f"https://tracker.example.com/issues/{n}" for n in (42, 43))
    owner = sw.ws.store.owner_id  # the author: the workspace has a token of theirs
    message = sw.control("POST", "messages", json={
        "user_id": owner, "chat_id": sw.chat("Задачи"), "content": f"{kept} и {dropped}"})["data"]
    async with httpx.AsyncClient(timeout=10) as http:
        edited = await http.put(f"{sw.ws.base_url}/messages/{message['id']}",
                                headers={"Authorization": f"Bearer {sw.ws.owner_token}"},
                                json={"message": {"content": f"Только {kept}"}})
    assert edited.status_code == 200

    with caplog.at_level(logging.INFO, logger="runner.bot"):
        result = await bot.poll()

    assert result.counts["unfurl:posted"] == 1
    [posted] = sw.control("GET", "link_previews")["link_previews"]
    assert posted["message_id"] == message["id"] and list(posted["link_previews"]) == [kept]
    assert f"{dropped}" in caplog.text


async def test_a_pushed_link_is_acknowledged_before_its_source_answers(
    bot: Bot, tracker: str
) -> None:
    """Pachca waits 5 s for a link_shared to be answered (its guide: answer 200 at once,
    work in the background); a slow source must not hold that answer."""
    catalogue(bot, tracker, events="push")
    sw = bot.sw
    url = "https://tracker.example.com/issues/8"
    person = sw.people(1)[0]
    message = sw.control("POST", "messages", json={
        "user_id": person, "chat_id": sw.chat("Задачи"), "content": url})["data"]
    settings = sw.h.settings(webhook_secret=SECRET)
    async with (app.runtime(settings, sw.h.catalogue(), server=True) as rt,
                service.started(settings, rt)):
        body = json.dumps({
            "type": "message", "event": "link_shared", "chat_id": message["chat_id"],
            "message_id": message["id"], "user_id": person,
            "created_at": message["created_at"], "webhook_timestamp": int(rt.clock().timestamp()),
            "links": [{"url": url, "domain": "tracker.example.com", "skip": False}]}).encode()
        async with httpx.AsyncClient(timeout=GUARD_S) as http:
            answer = await http.post(rt.server.url + PATH, content=body, headers=signed(body))
        assert answer.status_code == 200 and answer.json() == {"status": "ok"}
        assert not Tracker.gate.is_set() and sw.control("GET", "link_previews")[
            "link_previews"] == [], "answered while the source was still being read"
        Tracker.gate.set()

        async def previewed() -> bool:
            return bool(sw.control("GET", "link_previews")["link_previews"])

        await eventually(previewed, "the preview to be posted once the source answers")
    [posted] = sw.control("GET", "link_previews")["link_previews"]
    assert list(posted["link_previews"]) == [url]


async def test_a_link_edited_into_the_message_gets_its_preview_and_the_others_no_second(
    bot: Bot, tracker: str
) -> None:
    """An edit that brings a link sends link_shared again, listing the message's links
    (which ones Pachca lists is not said: all of them here); Pachca keeps every preview
    posted, so the link previewed before must not get a second one."""
    catalogue(bot, tracker)
    sw = bot.sw
    first, added = (f"https://tracker.example.com/issues/{n}" for n in (42, 43))
    owner = sw.ws.store.owner_id  # the author: the workspace has a token of theirs
    message = sw.control("POST", "messages", json={
        "user_id": owner, "chat_id": sw.chat("Задачи"), "content": first})["data"]
    assert (await bot.poll()).counts["unfurl:posted"] == 1
    async with httpx.AsyncClient(timeout=GUARD_S, trust_env=False) as http:
        edited = await http.put(f"{sw.ws.base_url}/messages/{message['id']}",
                                headers={"Authorization": f"Bearer {sw.ws.owner_token}"},
                                json={"message": {"content": f"{first} и {added}"}})
    assert edited.status_code == 200

    result = await bot.poll()

    assert result.counts["unfurl:posted"] == 1
    posted = sw.control("GET", "link_previews")["link_previews"]
    assert [list(p["link_previews"]) for p in posted] == [[first], [added]]
