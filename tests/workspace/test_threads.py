"""Threads: starting them, comments, who sees them, and the ``GET /threads`` listing.

Runs against private workspaces (any OpenAPI violation in their answers fails the test)
and the shared one (checked as a whole by ``test_zz_contract``).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from runner.workspace import WorkspaceServer
from runner.workspace.clock import format_ms
from runner.workspace.models import Chat

from .helpers import Factory, client, collect


def _group_chat(ws: WorkspaceServer, member: int, *, archived: bool = False) -> Chat:
    """A seeded group chat ``member`` belongs to, with messages."""
    store = ws.store
    return ws.call(lambda: min(
        (c for c in store.chats.values()
         if not c.personal and c.thread_id is None and c.archived == archived
         and store.is_member(c, member) and store.chat_messages[c.id]),
        key=lambda c: c.id))


def _say(api: httpx.Client, entity_id: int, content: str, entity_type: str = "discussion"
         ) -> httpx.Response:
    return api.post("/messages", json={"message": {"entity_type": entity_type,
                                                   "entity_id": entity_id, "content": content}})


def _outsider(ws: WorkspaceServer, chat: Chat) -> int:
    """A person outside ``chat`` (not the owner, bot or limited user)."""
    store = ws.store
    special = {store.owner_id, store.bot_id, store.limited_id}
    return next(uid for uid, u in sorted(store.users.items())
                if not u.bot and uid not in chat.member_ids and uid not in special)


def test_a_thread_is_a_chat_of_its_own_whose_comments_leave_the_parent_quiet(
    fresh_workspace: Factory,
) -> None:
    ws = fresh_workspace()
    with client(ws, "owner") as owner:
        chat = _group_chat(ws, ws.store.owner_id)
        parent = _say(owner, chat.id, "Обсудим в треде?").json()["data"]
        before = owner.get(f"/chats/{chat.id}").json()["data"]["last_message_at"]
        ws.store.advance(60)

        started = owner.post(f"/messages/{parent['id']}/thread")
        again = owner.post(f"/messages/{parent['id']}/thread")

        assert started.status_code == 201 and again.status_code == 201, started.text
        thread = started.json()["data"]
        assert again.json()["data"]["id"] == thread["id"], "the message's thread is returned"
        assert thread["message_id"] == parent["id"] and thread["message_chat_id"] == chat.id
        assert thread["chat_id"] != chat.id
        carried = owner.get(f"/messages/{parent['id']}").json()["data"]["thread"]
        assert carried == {"id": thread["id"], "chat_id": thread["chat_id"]}

        ws.store.advance(60)
        by_thread = _say(owner, thread["id"], "Первый комментарий", "thread")
        ws.store.advance(60)
        by_chat = _say(owner, thread["chat_id"], "Второй, по id чата треда")

        for response in (by_thread, by_chat):
            assert response.status_code == 201, response.text
            comment = response.json()["data"]
            assert comment["chat_id"] == thread["chat_id"]
            assert comment["root_chat_id"] == chat.id
            assert (comment["entity_type"], comment["entity_id"]) == ("thread", thread["id"])
            assert comment["thread"] is None
        assert owner.get(f"/chats/{chat.id}").json()["data"]["last_message_at"] == before
        now = owner.get(f"/threads/{thread['id']}").json()["data"]
        assert now["updated_at"] == by_chat.json()["data"]["created_at"] > thread["updated_at"]
        comments = owner.get("/messages", params={"chat_id": thread["chat_id"]}).json()["data"]
        assert [m["content"] for m in comments] == ["Второй, по id чата треда",
                                                    "Первый комментарий"]
        listed, _ = collect(owner, "/chats", {"limit": 50})
        assert thread["chat_id"] not in {c["id"] for c in listed}, "GET /chats lists no thread"


def test_who_may_start_see_and_join_a_thread(fresh_workspace: Factory) -> None:
    ws = fresh_workspace()
    store = ws.store
    with client(ws, "owner") as owner, client(ws, "bot") as bot:
        closed = ws.call(lambda: next(
            c for c in sorted(store.chats.values(), key=lambda c: c.id)
            if not c.personal and c.thread_id is None and not c.archived and not c.public
            and not store.is_member(c, store.bot_id) and store.is_member(c, store.owner_id)))
        parent = _say(owner, closed.id, "Только для своих").json()["data"]
        thread = owner.post(f"/messages/{parent['id']}/thread").json()["data"]
        comment = _say(owner, thread["id"], "Комментарий", "thread").json()["data"]

        # The bot is in neither the thread nor its chat: it sees nothing of either.
        assert bot.post(f"/messages/{parent['id']}/thread").status_code == 403
        assert bot.get(f"/threads/{thread['id']}").status_code == 403
        assert bot.get("/messages", params={"chat_id": thread["chat_id"]}).status_code == 403
        assert _say(bot, thread["id"], "Можно?", "thread").status_code == 403
        assert thread["id"] not in {t["id"] for t in collect(bot, "/threads", {})[0]}
        # A comment takes no thread of its own; unknown ids are 404.
        assert owner.post(f"/messages/{comment['id']}/thread").status_code == 403
        assert owner.post("/messages/999999999/thread").status_code == 404
        assert owner.get("/threads/999999999").status_code == 404

        # Added to the thread only (not to its chat), the bot sees and joins the talk.
        added = owner.post(f"/chats/{thread['chat_id']}/members",
                           json={"member_ids": [store.bot_id]})
        assert added.status_code == 204, added.text
        assert not ws.call(lambda: store.is_member(store.chats[closed.id], store.bot_id))
        assert bot.get(f"/threads/{thread['id']}").status_code == 200
        assert _say(bot, thread["id"], "Я здесь", "thread").status_code == 201
        assert thread["id"] in {t["id"] for t in collect(bot, "/threads", {})[0]}
        assert bot.get(f"/chats/{closed.id}").status_code == 403


def test_no_new_threads_or_comments_in_an_archived_chat(fresh_workspace: Factory) -> None:
    ws = fresh_workspace()
    store = ws.store
    with client(ws, "owner") as owner:
        chat = _group_chat(ws, store.owner_id)
        first, second = (_say(owner, chat.id, text).json()["data"] for text in ("раз", "два"))
        thread = owner.post(f"/messages/{first['id']}/thread").json()["data"]
        ws.call(lambda: setattr(store.chats[chat.id], "archived", True))

        assert owner.post(f"/messages/{second['id']}/thread").status_code == 403
        assert _say(owner, thread["id"], "После архивации", "thread").status_code == 403
        assert owner.get(f"/threads/{thread['id']}").status_code == 200, "still readable"


def test_a_standalone_thread_belongs_to_its_creator_alone(fresh_workspace: Factory) -> None:
    ws = fresh_workspace()
    with client(ws, "bot") as bot, client(ws, "owner") as owner:
        created = bot.post("/threads")
        assert created.status_code == 201, created.text
        thread = created.json()["data"]
        assert thread["message_id"] is None and thread["message_chat_id"] is None
        members = bot.get(f"/chats/{thread['chat_id']}/members").json()["data"]
        assert [m["id"] for m in members] == [ws.store.bot_id]
        comment = _say(bot, thread["id"], "Заметка", "thread").json()["data"]
        assert comment["root_chat_id"] == comment["chat_id"] == thread["chat_id"]
        assert owner.get(f"/threads/{thread['id']}").status_code == 403
        assert collect(bot, "/threads", {"limit": 1})[0][0]["id"] == thread["id"]


def _visible(ws: WorkspaceServer, user_id: int) -> list[dict[str, Any]]:
    """Every thread ``user_id`` may see, newest activity first (from the store)."""
    store = ws.store

    def compute() -> list[dict[str, Any]]:
        mine = store.user_chats[user_id]
        found = [t for t in store.threads.values()
                 if t.chat_id in mine or t.message_chat_id in mine]
        found.sort(key=lambda t: (t.updated_ms, t.id), reverse=True)
        return [t.to_json() for t in found]

    return ws.call(compute)


@pytest.mark.parametrize("kind", ["owner", "bot", "limited"])
def test_listing_threads_newest_activity_first_page_by_page(
    workspace: WorkspaceServer, kind: str
) -> None:
    user_id = {"owner": workspace.store.owner_id, "bot": workspace.store.bot_id,
               "limited": workspace.store.limited_id}[kind]
    want = _visible(workspace, user_id)
    with client(workspace, kind) as api:
        got, sizes = collect(api, "/threads", {"limit": 3})
    assert got == want
    if kind == "owner":
        assert len(want) > 6 and len(sizes) >= 3, "the seed should give threads to page over"
        seeded = workspace.store.threads.values()
        assert any(t.message_id is None for t in seeded), "the seed has standalone threads"


def test_listing_filters_by_the_last_comment_bounds_included(
    workspace: WorkspaceServer, owner: httpx.Client
) -> None:
    want = _visible(workspace, workspace.store.owner_id)
    assert len(want) >= 5
    newest, oldest = want[1]["updated_at"], want[-2]["updated_at"]
    after, _ = collect(owner, "/threads", {"last_message_at_after": oldest, "limit": 2})
    before, _ = collect(owner, "/threads", {"last_message_at_before": newest})
    both, _ = collect(owner, "/threads", {"last_message_at_after": oldest,
                                          "last_message_at_before": newest})

    assert after == [t for t in want if t["updated_at"] >= oldest] == want[:-1]
    assert before == [t for t in want if t["updated_at"] <= newest] == want[1:]
    assert both == want[1:-1]


def test_listing_refuses_a_bad_date_or_cursor(fresh_workspace: Factory) -> None:
    ws = fresh_workspace()  # bad requests on purpose: not on the contract-checked shared one
    with client(ws, "owner") as owner:
        bad = owner.get("/threads", params={"last_message_at_after": "вчера"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["key"] == "last_message_at_after"
        assert owner.get("/threads", params={"cursor": "garbage"}).status_code == 422
        assert owner.get("/threads", params={"limit": 51}).status_code == 422


def test_seeded_chats_alive_only_in_their_threads(fresh_workspace: Factory) -> None:
    # A private workspace: other tests post into the shared one's chats, which wakes them.
    workspace = fresh_workspace()
    store = workspace.store

    def quiet_on_top() -> list[tuple[str, str]]:
        out = []
        for t in store.threads.values():
            parent = store.chats.get(t.message_chat_id) if t.message_chat_id else None
            if parent is not None and t.updated_ms - parent.last_message_ms > 30 * 86_400_000:
                out.append((format_ms(parent.last_message_ms), format_ms(t.updated_ms)))
        return out

    assert len(workspace.call(quiet_on_top)) >= 3
