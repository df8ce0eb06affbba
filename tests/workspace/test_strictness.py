"""What an outside strictness check probes, where the workspace used to be more lenient
than Pachca: error bodies a client must not take for JSON, headers a refusal carries,
field limits of the spec and its descriptions."""

from __future__ import annotations

import json

import httpx

from runner.workspace import WorkspaceServer

from .helpers import Factory, client, control


def test_a_throttled_call_gets_plain_text_not_json(fresh_workspace: Factory) -> None:
    # Pachca's guide on errors: the frequency limit answers before the API is reached,
    # with a short text/plain body; a client must look at Content-Type before parsing.
    server = fresh_workspace()
    with control(server) as ctl, client(server, "bot") as api:
        ctl.post("/clock", json={"freeze": True})
        answers = [api.get("/webhooks/events", params={"limit": 1}) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    throttled = answers[-1]
    assert throttled.headers["content-type"].startswith("text/plain")
    assert int(throttled.headers["retry-after"]) >= 1
    assert throttled.text.strip() and not throttled.text.lstrip().startswith("{")


def test_a_forced_429_is_plain_text_too(fresh_workspace: Factory) -> None:
    server = fresh_workspace(burst_429_rate=1.0)
    with client(server) as api:
        answer = api.get("/users", params={"limit": 1})
    assert answer.status_code == 429
    assert answer.headers["content-type"].startswith("text/plain")
    assert float(answer.headers["retry-after"]) > 0


def test_a_missing_scope_is_named_in_www_authenticate(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with client(server, "limited") as api:
        refused = api.post("/messages", json={"message": {"entity_id": 1, "content": "x"}})
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    header = refused.headers["www-authenticate"]
    assert header.startswith("Bearer ")
    assert 'error="insufficient_scope"' in header and 'scope="messages:create"' in header


def _bot_chat(server: WorkspaceServer) -> int:
    store = server.store
    return next(c.id for c in store.chats.values() if store.bot_id in c.member_ids
                and store.owner_id in c.member_ids and not c.archived and not c.personal
                and not c.channel and c.thread_id is None)


def test_an_entity_type_outside_the_list_is_a_400_invalid(fresh_workspace: Factory) -> None:
    # The spec's description of ``entity_type``: "A value outside the list returns 400
    # with the invalid code".
    server = fresh_workspace()
    with client(server, "bot") as api:
        answer = api.post("/messages", json={"message": {
            "entity_type": "chat", "entity_id": _bot_chat(server), "content": "x"}})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["key"] == "entity_type"
    assert answer.json()["errors"][0]["code"] == "invalid"


def test_custom_sender_fields_are_a_bots_and_at_most_255(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    chat_id = _bot_chat(server)
    before = len(server.store.messages)
    with client(server, "bot") as bot, client(server) as owner:
        long_name = bot.post("/messages", json={"message": {
            "entity_id": chat_id, "content": "x", "display_name": "Я" * 256}})
        long_avatar = bot.post("/messages", json={"message": {
            "entity_id": chat_id, "content": "x",
            "display_avatar_url": "https://example.com/" + "a" * 236}})
        by_a_person = owner.post("/messages", json={"message": {
            "entity_id": chat_id, "content": "x", "display_name": "Робот"}})
        fine = bot.post("/messages", json={"message": {
            "entity_id": chat_id, "content": "x", "display_name": "Я" * 255}})
    assert (long_name.status_code, long_name.json()["errors"][0]["key"]) == (
        422, "display_name")
    assert (long_avatar.status_code, long_avatar.json()["errors"][0]["key"]) == (
        422, "display_avatar_url")
    assert by_a_person.status_code == 422, "the spec: only with a bot's access token"
    assert fine.status_code == 201 and fine.json()["data"]["display_name"] == "Я" * 255
    assert len(server.store.messages) == before + 1


def test_a_reply_needs_a_live_message_of_the_same_chat(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    chat_id = _bot_chat(server)
    other = next(c.id for c in server.store.chats.values() if c.id != chat_id
                 and server.store.bot_id in c.member_ids and not c.archived)
    with control(server) as ctl, client(server, "bot") as bot:
        here = ctl.post("/messages", json={"user_id": server.store.owner_id,
                                           "chat_id": chat_id, "content": "вопрос"}).json()
        there = ctl.post("/messages", json={"user_id": server.store.owner_id,
                                            "chat_id": other, "content": "чужой"}).json()

        def reply(parent: int) -> httpx.Response:
            return bot.post("/messages", json={"message": {
                "entity_id": chat_id, "content": "ответ", "parent_message_id": parent}})

        unknown, elsewhere = reply(999_999_999), reply(there["data"]["id"])
        answered = reply(here["data"]["id"])
    for refused in (unknown, elsewhere):
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["key"] == "parent_message_id"
    assert answered.status_code == 201
    assert answered.json()["data"]["parent_message_id"] == here["data"]["id"]


def test_a_chat_admin_cannot_change_their_own_role(fresh_workspace: Factory) -> None:
    # Pachca's permissions guide: nobody changes their own role, nor the creator's.
    server = fresh_workspace()
    store = server.store
    creator, other = [u.id for u in store.users.values()
                      if u.role == "user" and u.id not in (store.bot_id, store.limited_id)][:2]
    with control(server) as ctl:
        chat = ctl.post("/chats", json={"user_id": creator, "chats": [
            {"name": "Роли", "member_ids": [store.owner_id, other]}]}).json()["data"][0]
    path = f"/chats/{chat['id']}/members/{{}}/"[:-1]
    with client(server) as owner:  # the workspace Owner joined as the chat's admin
        assert owner.get(f"/chats/{chat['id']}/members",
                         params={"role": "admin"}).json()["data"][0]["id"] == store.owner_id
        own = owner.put(path.format(store.owner_id), json={"role": "member"})
        others = owner.put(path.format(other), json={"role": "admin"})
    assert own.status_code == 403
    assert own.json()["errors"][0]["code"] == "not_authorized"
    assert others.status_code == 204, "an admin may change another member's role"
    assert store.owner_id in store.chats[chat["id"]].admin_ids


def test_a_bots_token_gets_no_ones_email_and_cannot_search_by_it(
    fresh_workspace: Factory
) -> None:
    # Pachca's permissions guide: admins always see email and phone_number; a bot's
    # token follows only the workspace's "show personal data" setting (off here: the
    # harder case) and never an admin's privilege; everyone sees their own.
    server = fresh_workspace()
    store = server.store
    person = next(u for u in store.users.values()
                  if u.email and not u.bot and u.id != store.owner_id)
    # An address nothing else holds, so only an email match could find the person.
    server.call(lambda: setattr(person, "email", "kvazar777@example.ru"))
    local = "kvazar777"
    with client(server, "bot") as bot, client(server) as owner:
        as_bot = bot.get(f"/users/{person.id}").json()["data"]
        as_owner = owner.get(f"/users/{person.id}").json()["data"]
        listed = bot.get("/users", params={"limit": 50}).json()["data"]
        by_email = bot.get("/users", params={"query": local, "limit": 50}).json()["data"]
        searched = bot.get("/search/users", params={"query": local}).json()["data"]
        own = owner.get("/profile").json()["data"]
    assert as_bot["email"] is None and as_bot["phone_number"] is None
    assert as_owner["email"] == "kvazar777@example.ru", "the Owner is an admin: sees it"
    assert all(u["email"] is None for u in listed if u["id"] != store.bot_id)
    assert by_email == [] and searched == [], "no match on an email the bot cannot see"
    with client(server) as owner:
        found = owner.get("/search/users", params={"query": local}).json()["data"]
    assert [u["id"] for u in found] == [person.id], "the Owner's search does match it"
    assert own["email"] == store.users[store.owner_id].email


def test_a_body_not_sent_as_json_is_a_400_and_changes_nothing(
    fresh_workspace: Factory
) -> None:
    # A Rails API reads JSON parameters only from an application/json body: without
    # that Content-Type the required "message" is missing.
    server = fresh_workspace()
    chat_id = _bot_chat(server)
    body = json.dumps({"message": {"entity_id": chat_id, "content": "без типа"}}).encode()
    before = len(server.store.messages)
    with client(server, "bot") as bot:
        bare = bot.post("/messages", content=body)
        as_text = bot.post("/messages", content=body, headers={"content-type": "text/plain"})
        as_json = bot.post("/messages", content=body,
                           headers={"content-type": "application/json; charset=utf-8"})
    assert (bare.status_code, as_text.status_code, as_json.status_code) == (400, 400, 201)
    assert len(server.store.messages) == before + 1


def test_boolean_fields_of_a_body_must_be_booleans(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    chats_before = len(server.store.chats)
    with client(server) as owner:
        channel = owner.post("/chats", json={"chat": {"name": "Канал?", "channel": "yes"}})
        public = owner.post("/chats", json={"chat": {"name": "Открыт?", "public": 1}})
        mine = owner.post("/chats", json={"chat": {"name": "Мой"}}).json()["data"]
        renamed = owner.put(f"/chats/{mine['id']}", json={"chat": {"public": "true"}})
        export = owner.post("/chats/exports", json={
            "start_at": "2026-11-01", "end_at": "2026-11-02",
            "webhook_url": "https://example.com/hook", "skip_chats_file": "no"})
    for refused, key in ((channel, "channel"), (public, "public"), (renamed, "public"),
                         (export, "skip_chats_file")):
        assert refused.status_code == 422, key
        assert refused.json()["errors"][0]["key"] == key
    assert len(server.store.chats) == chats_before + 1
    assert server.store.chats[mine["id"]].public is False
    assert server.store.exports == {}


def test_a_reaction_is_one_emoji(fresh_workspace: Factory) -> None:
    # The spec and Pachca's guide: ``code`` is an emoji character, not its name or text.
    server = fresh_workspace()
    chat_id = _bot_chat(server)
    with control(server) as ctl, client(server, "bot") as bot:
        message = ctl.post("/messages", json={"user_id": server.store.owner_id,
                                              "chat_id": chat_id, "content": "реакции"}).json()
        path = f"/messages/{message['data']['id']}/reactions"
        refused = {code: bot.post(path, json={"code": code}).status_code
                   for code in ("👍👍", "Ура", "🇷🇺🇷🇺", "a👍")}
        taken = {code: bot.post(path, json={"code": code}).status_code
                 for code in ("👍", "👍🏽", "👨‍💻", "🇷🇺", "1️⃣", "❤️")}
    assert set(refused.values()) == {422}, refused
    assert set(taken.values()) == {201}, taken


def test_a_person_writes_to_the_bot_only_after_it_wrote_first(
    fresh_workspace: Factory
) -> None:
    # Pachca's guide on bots: a bot that is not public takes direct messages from a
    # person only after it has written to that person through the API.
    server = fresh_workspace()
    store = server.store
    to_bot = {"message": {"entity_type": "user", "entity_id": store.bot_id,
                          "content": "Привет, бот"}}
    with client(server) as owner, client(server, "bot") as bot:
        first = owner.post("/messages", json=to_bot)
        chats = len(store.chats)
        greeted = bot.post("/messages", json={"message": {
            "entity_type": "user", "entity_id": store.owner_id, "content": "Здравствуйте"}})
        answer = owner.post("/messages", json=to_bot)
    assert first.status_code == 403
    assert first.json()["errors"][0]["code"] == "not_authorized"
    assert greeted.status_code == 201 and len(store.chats) == chats + 1
    assert answer.status_code == 201
    assert answer.json()["data"]["chat_id"] == greeted.json()["data"]["chat_id"]
