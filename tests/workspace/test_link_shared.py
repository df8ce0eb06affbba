"""link_shared: the workspace tells its unfurl bot of links on its domains, as Pachca's guides
describe; and injected events reach the bot only as Pachca would deliver them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from runner.workspace import WorkspaceServer

from .helpers import Factory, client, collect, control


@dataclass
class World:
    """A private workspace whose bot is an unfurl bot for ``example.com``."""

    server: WorkspaceServer
    ctl: httpx.Client
    owner: httpx.Client
    bot: httpx.Client

    def post(self, user_id: int, chat_id: int, content: str, **extra: Any) -> dict[str, Any]:
        """A message posted by ``user_id`` (control API: people talking)."""
        answer = self.ctl.post("/messages", json={"user_id": user_id, "chat_id": chat_id,
                                                  "content": content, **extra})
        assert answer.status_code == 201, answer.text
        return dict(answer.json()["data"])

    def shared(self) -> list[dict[str, Any]]:
        """The link_shared events in the bot's history (through the API), oldest first."""
        events, _ = collect(self.bot, "/webhooks/events", {"limit": 50})
        assert all(e["event_type"] == "message_link_shared"
                   for e in events if e["payload"]["event"] == "link_shared")
        return [e["payload"] for e in reversed(events) if e["payload"]["event"] == "link_shared"]

    def settings(self, **changes: Any) -> dict[str, Any]:
        """The bot's settings, changed first (if any given) as an admin does in Pachca's UI."""
        answer = self.ctl.post("/bot", json=changes) if changes else self.ctl.get("/bot")
        assert answer.status_code == 200, answer.text
        return dict(answer.json()["data"])

    def person(self) -> int:
        """Someone who is neither the owner nor the bot."""
        store = self.server.store
        return next(u.id for u in store.users.values()
                    if not u.bot and u.id not in (store.owner_id, store.limited_id))


@pytest.fixture
def world(fresh_workspace: Factory) -> Iterator[World]:
    server = fresh_workspace(unfurl_domains=("example.com",))
    with (control(server) as ctl, client(server, "owner") as owner,
          client(server, "bot") as bot):
        world = World(server, ctl, owner, bot)
        world.settings(events=["message_new", "button_click", "message_link_shared"])
        yield world


def test_a_persons_links_on_the_unfurl_domains_reach_the_bot_from_a_chat_it_is_not_in(
    world: World,
) -> None:
    """Pachca's guide: the unfurl bot watches its domains (and their subdomains, either
    scheme) in every chat, without being added; other domains are not its business."""
    store = world.server.store
    closed = world.owner.post("/chats", json={"chat": {"name": "Без бота"}}).json()["data"]
    assert store.bot_id not in closed["member_ids"]
    text = ("Смотри https://docs.example.com/a?x=1, и [задачу](http://example.com/t/2). "
            "Ещё раз https://docs.example.com/a?x=1 и чужое https://example.org/3 "
            "и https://notexample.com/4.")
    message = world.post(store.owner_id, closed["id"], text)

    [event] = world.shared()

    assert event == {
        "type": "message", "event": "link_shared", "chat_id": closed["id"],
        "message_id": message["id"], "user_id": store.owner_id,
        "created_at": message["created_at"], "webhook_timestamp": event["webhook_timestamp"],
        "links": [
            {"url": "https://docs.example.com/a?x=1", "domain": "docs.example.com",
             "skip": False},
            {"url": "http://example.com/t/2", "domain": "example.com", "skip": False},
        ],
    }
    assert abs(event["webhook_timestamp"] - store.now_ms() // 1000) <= 1
    assert not any(m == message["id"] for m in _new_messages(world)), \
        "no message_new: the bot is not in that chat"
    plain = world.post(store.owner_id, closed["id"], "без ссылок https://example.org/5")
    assert [e["message_id"] for e in world.shared()] == [message["id"]], plain


def _new_messages(world: World) -> list[int]:
    events, _ = collect(world.bot, "/webhooks/events", {"limit": 50})
    return [e["payload"]["id"] for e in events if e["event_type"] == "message_new"]


def test_hidden_previews_come_with_skip(world: World) -> None:
    chat = world.bot.post("/chats", json={"chat": {"name": "Ссылки"}}).json()["data"]["id"]
    person = world.person()
    world.post(person, chat, "https://example.com/1 https://example.com/2",
               skip_previews=["https://example.com/2"])

    [event] = world.shared()

    assert [(link["url"], link["skip"]) for link in event["links"]] == [
        ("https://example.com/1", False), ("https://example.com/2", True)]


def test_nothing_reaches_a_bot_not_subscribed_to_link_shared(world: World) -> None:
    """Pachca's guide: the unfurl bot needs the "links sent" event ticked."""
    world.settings(events=["message_new", "button_click"])
    chat = world.bot.post("/chats", json={"chat": {"name": "Ссылки"}}).json()["data"]["id"]
    message = world.post(world.person(), chat, "https://example.com/1")

    assert world.shared() == []
    assert message["id"] in _new_messages(world), "the other events still come"


def test_the_bots_own_links_reach_it_only_while_it_hears_its_own_messages(
    world: World,
) -> None:
    """ignore_self_messages: no webhooks about the bot's own messages."""
    chat = world.bot.post("/chats", json={"chat": {"name": "Ссылки"}}).json()["data"]["id"]
    assert world.settings()["ignore_self_messages"] is True
    own = world.bot.post("/messages", json={"message": {
        "entity_id": chat, "content": "https://example.com/own"}}).json()["data"]
    assert world.shared() == []

    world.settings(ignore_self_messages=False)
    heard = world.bot.post("/messages", json={"message": {
        "entity_id": chat, "content": "https://example.com/heard"}}).json()["data"]

    assert [e["message_id"] for e in world.shared()] == [heard["id"]] != [own["id"]]
    assert heard["id"] in _new_messages(world)


def test_an_edit_that_brings_a_link_sends_every_link_of_the_message(world: World) -> None:
    """The guide sends link_shared when a link appears; which links an edit's event lists
    is not said, so all of them: a runner must not preview twice those it did."""
    owner_id = world.server.store.owner_id
    chat = world.owner.post("/chats", json={"chat": {"name": "Правки"}}).json()["data"]["id"]
    first = world.post(owner_id, chat, "https://example.com/1")

    def edit(content: str) -> None:
        answer = world.owner.put(f"/messages/{first['id']}",
                                 json={"message": {"content": content}})
        assert answer.status_code == 200, answer.text

    edit("https://example.com/1 и ещё текст")  # no new link: nothing
    edit("https://example.com/1 и https://sub.example.com/2")
    edit("только https://sub.example.com/2")  # a link gone: nothing

    urls = [[link["url"] for link in e["links"]] for e in world.shared()]
    assert urls == [["https://example.com/1"],
                    ["https://example.com/1", "https://sub.example.com/2"]]


def test_injected_events_are_refused_where_pachca_would_not_deliver_them(
    world: World,
) -> None:
    store = world.server.store
    ours = world.bot.post("/chats", json={"chat": {"name": "Наш"}}).json()["data"]["id"]
    theirs = world.owner.post("/chats", json={"chat": {"name": "Чужой"}}).json()["data"]["id"]
    message = world.post(store.owner_id, theirs, "https://example.com/1 https://example.org/2")

    def inject(payload: dict[str, Any]) -> httpx.Response:
        return world.ctl.post("/events", json={"payload": payload})

    reaction = {"type": "reaction", "event": "new", "chat_id": ours, "message_id": message["id"],
                "code": "👍", "name": "+1", "user_id": store.owner_id,
                "created_at": message["created_at"]}
    refused = inject(reaction)
    assert refused.status_code == 409
    assert "not subscribed to reaction_new" in refused.json()["error"]

    world.settings(events=["reaction_new", "button_click", "message_link_shared"])
    assert inject(reaction).status_code == 201
    elsewhere = inject({**reaction, "chat_id": theirs})
    assert elsewhere.status_code == 409 and f"not in chat {theirs}" in elsewhere.json()["error"]

    link = {"type": "message", "event": "link_shared", "chat_id": theirs,
            "message_id": message["id"], "user_id": store.owner_id,
            "created_at": message["created_at"]}
    off = inject({**link, "links": [
        {"url": "https://example.org/2", "domain": "example.org", "skip": False}]})
    assert off.status_code == 409 and "example.org/2" in off.json()["error"]
    on = inject({**link, "links": [
        {"url": "https://example.com/1", "domain": "example.com", "skip": False}]})
    assert on.status_code == 201, on.text  # a redelivery of what the workspace sent

    mismatch = world.ctl.post("/events", json={"payload": reaction, "event_type": "button_click"})
    assert mismatch.status_code == 400
    unknown = inject({"type": "view", "event": "submit", "user_id": store.owner_id})
    assert unknown.status_code == 409 and "not an event Pachca sends bots" in unknown.text

    world.settings(events_history_enabled=False)
    kept_nowhere = inject(reaction)
    assert kept_nowhere.status_code == 409 and "events_history_enabled" in kept_nowhere.text


def test_bot_settings_are_checked_as_pachca_checks_them(world: World) -> None:
    before = world.settings()
    for bad in ({"events": ["link_shared"]}, {"unfurl_domains": ["https://example.com"]},
                {"unfurl_domains": [f"d{n}.ru" for n in range(6)]}, {"colour": "red"}, {}):
        answer = world.ctl.post("/bot", json=bad)
        assert answer.status_code == 400, bad
        assert answer.json()["error"], bad
    assert world.ctl.get("/bot").json()["data"] == before, "a refused change changes nothing"
    assert world.settings(unfurl_domains=["tracker.example.ru"])["unfurl_domains"] == [
        "tracker.example.ru"]


def test_a_click_is_delivered_only_from_someone_who_sees_the_message(world: World) -> None:
    """A closed chat's messages, buttons included, are shown to its members only; a
    click names a message of its chat that exists."""
    store = world.server.store
    closed = world.bot.post("/chats", json={"chat": {"name": "Закрытый"}}).json()["data"]["id"]
    opened = world.bot.post("/chats", json={"chat": {"name": "Открытый", "public": True}}
                            ).json()["data"]["id"]
    closed_msg = world.bot.post("/messages", json={"message": {
        "entity_id": closed, "content": "?", "buttons": [[{"text": "Да", "data": "yes"}]]}}
    ).json()["data"]["id"]
    open_msg = world.bot.post("/messages", json={"message": {
        "entity_id": opened, "content": "?", "buttons": [[{"text": "Да", "data": "yes"}]]}}
    ).json()["data"]["id"]
    world.settings(events=["button_click"])
    outsider = world.person()
    assert not store.is_member(store.chats[closed], outsider)

    def press(chat: int, message: int, user: int) -> httpx.Response:
        return world.ctl.post("/events", json={"payload": {
            "type": "button", "event": "click", "data": "yes", "message_id": message,
            "chat_id": chat, "user_id": user}})

    hidden = press(closed, closed_msg, outsider)
    assert hidden.status_code == 409 and "cannot see chat" in hidden.json()["error"]
    assert press(opened, open_msg, outsider).status_code == 201  # an open chat: anyone
    assert press(closed, closed_msg, store.bot_id).status_code == 201
    moved = press(closed, open_msg, store.bot_id)
    assert moved.status_code == 409 and "not " in moved.json()["error"]
    gone = press(closed, 999_999_999, store.bot_id)
    assert gone.status_code == 409 and "not found" in gone.json()["error"]
