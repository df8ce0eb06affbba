"""The bot's outgoing webhook: events delivered to the bot are POSTed to its outgoing_url,
signed with its secret, and tried again while not answered 2xx."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from tests.waiting import wait_for

from .helpers import Factory, client, control

SECRET = "signing-secret-7"


class Receiver(BaseHTTPRequestHandler):
    """Records each POST; answers the next of ``answers`` (then 200)."""

    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    answers: ClassVar[list[int]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with Receiver.lock:
            Receiver.got.append((dict(self.headers), body))
            status = Receiver.answers.pop(0) if Receiver.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.got, Receiver.answers = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_events_are_pushed_signed_and_tried_again_until_answered_2xx(
    fresh_workspace: Factory, receiver: str
) -> None:
    server = fresh_workspace(webhook_secret=SECRET)
    store = server.store
    Receiver.answers = [503]
    with control(server) as ctl, client(server, "bot") as bot:
        assert ctl.post("/bot", json={"outgoing_url": receiver, "events_history_enabled": False,
                                      "events": ["message_new"]}).status_code == 200
        chat = bot.post("/chats", json={"chat": {"name": "Вебхук"}}).json()["data"]["id"]
        person = next(u.id for u in store.users.values() if not u.bot and u.id != store.bot_id)
        message = ctl.post("/messages", json={"user_id": person, "chat_id": chat,
                                              "content": "Привет, бот"}).json()["data"]

        tries = wait_for(lambda: [t for t in ctl.get("/pushes").json()["pushes"]
                                  if t.get("status") == 200], what="the second try's 200")
        assert [t["status"] for t in ctl.get("/pushes").json()["pushes"]] == [503, 200]
        assert tries[0]["event"] == "new" and "url" not in tries[0]
        kept = ctl.post("/events", json={"payload": {
            "type": "message", "event": "new", "id": message["id"], "chat_id": chat,
            "user_id": person, "content": "ещё раз", "entity_type": "discussion",
            "entity_id": chat, "created_at": message["created_at"]}})
        assert kept.status_code == 201 and kept.json()["id"] is None, "no history kept"
        wait_for(lambda: len(Receiver.got) == 3, what="the injected event's push")
    (headers, first), (_, again), (_, injected) = Receiver.got
    assert first == again, "a try again is the same body"
    payload = json.loads(first)
    assert payload["id"] == message["id"] and payload["content"] == "Привет, бот"
    assert headers["Pachca-Signature"] == hmac.new(SECRET.encode(), first,
                                                   hashlib.sha256).hexdigest()
    assert headers["Content-Type"] == "application/json"
    assert json.loads(injected)["content"] == "ещё раз"
    assert store.events == {}, "the bot keeps no history"


def test_without_history_or_a_webhook_an_event_is_refused(fresh_workspace: Factory) -> None:
    server = fresh_workspace()  # no signing secret: the workspace pushes nothing
    with control(server) as ctl:
        ctl.post("/bot", json={"events_history_enabled": False,
                               "outgoing_url": "http://127.0.0.1:9/hook"})
        chat = next(c for c in server.store.chats.values()
                    if server.store.is_member(c, server.store.bot_id))
        refused = ctl.post("/events", json={"payload": {
            "type": "button", "event": "click", "data": "x", "message_id": 1,
            "chat_id": chat.id, "user_id": server.store.owner_id}})
    assert refused.status_code == 409 and "webhook_secret" in refused.json()["error"]
