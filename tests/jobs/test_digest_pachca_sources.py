"""The digest's ``pachca_search``, ``pachca_tasks`` and ``pachca_threads`` sources over real
HTTP against the workspace: each returns the window's records and nothing else.

Records inside and outside the window are made through the control API; the run is at
``T`` (24 h window); what the template got is rendered by a test template as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.jobs.test_digest import T, bot_chats, catalogue, someone
from tests.threads_support import NO_THREADS


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    # The clock starts 3 days before T: records made now are before the window, then it
    # is moved to just before T for the records inside it.
    return fresh_workspace(start_time=(T - timedelta(days=3)).isoformat(), speed=1.0,
                           **NO_THREADS)


@pytest.fixture
def h(ws: WorkspaceServer, tmp_path: Path) -> Harness:
    return Harness(ws, tmp_path, overrides={"rate_limit_scale": 4.0})


def _at(h: Harness, when: Any) -> None:
    h.control("POST", "clock", json={"now": when.isoformat()})


def _post(h: Harness, chat: int, user: int, content: str) -> int:
    return int(h.control("POST", "messages", json={"user_id": user, "chat_id": chat,
                                                   "content": content})["data"]["id"])


async def _dump(h: Harness, ws: WorkspaceServer, sources: str, dump: str) -> Any:
    """What the template got from ``sources``: ``dump`` renders it as JSON."""
    chat = bot_chats(ws)[0]
    h.write_catalogue(catalogue(chat, someone(ws), sources=sources,
                                extra="template: dump.md.j2"), templates={"dump.md.j2": dump})
    outcome = await h.run("morning-digest", at=T, dry_run=True)
    assert outcome.status == "succeeded", outcome.error
    return json.loads(outcome.report.messages[0])


def _member(ws: WorkspaceServer, chat: int) -> int:
    return ws.call(lambda: next(u for u in ws.store.chats[chat].member_ids
                                if u != ws.store.bot_id))


async def test_search_returns_the_windows_matches_with_links(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat, other = bot_chats(ws)[:2]
    author = _member(ws, chat)
    old = _post(h, chat, author, "Инцидент с оплатой: старый")
    _at(h, T - timedelta(hours=2))
    inside = _post(h, chat, author, "Новый инцидент с оплатой, разбираемся")
    elsewhere = _post(h, other, _member(ws, other), "Инцидент в другом чате")
    _post(h, chat, author, "Про другое")

    data = await _dump(h, ws, f"""
          found: {{type: pachca_search, query: инцидент, chat_ids: [{chat}]}}""",
        '{"count": {{ found.count }}, "ids": {{ found.messages | map(attribute="id") | list }},'
        ' "urls": {{ found.messages | map(attribute="url") | list | tojson }}}')

    assert data["ids"] == [inside] and data["count"] == 1 and old != inside != elsewhere
    assert data["urls"] == [f"https://app.pachca.com/chats/{chat}?message={inside}"]


async def test_tasks_are_grouped_as_due_overdue_and_done(
    ws: WorkspaceServer, h: Harness
) -> None:
    bot = ws.call(lambda: ws.store.bot_id)
    ws.call(lambda: ws.store.tasks.clear())  # only this test's tasks
    person = someone(ws)

    def task(content: str, due: Any, status: str = "undone", user: int = bot) -> None:
        h.control("POST", "tasks", json={"user_id": user, "content": content,
                                         "due_at": due and due.isoformat(), "status": status,
                                         "performer_ids": [user]})

    task("Сегодня", T - timedelta(hours=5))
    task("Просрочена", T - timedelta(days=2))
    task("Сделана", T - timedelta(hours=3), "done")
    task("Сделана давно", T - timedelta(days=2), "done")
    task("Завтра", T + timedelta(hours=20))
    task("Без срока", None)
    task("Чужая", T - timedelta(hours=1), user=person)  # not the token's: not listed

    data = await _dump(h, ws, """
          tasks: {type: pachca_tasks}""",
        '{% set g = ["due", "overdue", "done"] %}{ '
        '{% for k in g %}"{{ k }}": {{ tasks[k] | map(attribute="content") | list | tojson }},'
        '{% endfor %}"counts": {{ tasks.counts | tojson }}}')

    tasks = data
    assert tasks["due"] == ["Сегодня"]
    assert tasks["overdue"] == ["Просрочена"]
    assert tasks["done"] == ["Сделана"]
    assert tasks["counts"] == {"due": 1, "overdue": 1, "done": 1}


async def test_threads_with_comments_in_the_window_come_with_parent_and_counts(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat = bot_chats(ws)[0]
    author = _member(ws, chat)
    quiet_parent = _post(h, chat, author, "Старое обсуждение")
    quiet = h.control("POST", "threads", json={"user_id": author,
                                               "message_id": quiet_parent})["data"]
    h.control("POST", f"threads/{quiet['id']}/messages",
              json={"user_id": author, "content": "давний комментарий"})
    parent = _post(h, chat, author, "План релиза на пятницу")
    live = h.control("POST", "threads", json={"user_id": author, "message_id": parent})["data"]
    h.control("POST", f"threads/{live['id']}/messages",
              json={"user_id": author, "content": "вчерашний"})
    _at(h, T - timedelta(hours=2))
    for text in ("согласен", "а тесты?"):
        h.control("POST", f"threads/{live['id']}/messages",
                  json={"user_id": author, "content": text})

    data = await _dump(h, ws, """
          talk: {type: pachca_threads}""",
        '[{% for t in talk.threads %}{"id": {{ t.id }}, "new_comments": {{ t.new_comments }},'
        ' "comments": {{ t.comments }}, "url": "{{ t.url }}",'
        ' "parent": {"text": {{ t.parent.text | tojson }}}}{{ "," if not loop.last }}'
        '{% endfor %}]')

    threads = data
    assert [t["id"] for t in threads] == [live["id"]]
    assert threads[0]["new_comments"] == 2 and threads[0]["comments"] == 3
    assert threads[0]["parent"]["text"] == "План релиза на пятницу"
    assert threads[0]["url"] == f"https://app.pachca.com/chats/{chat}?message={parent}"


async def test_the_default_template_shows_every_pachca_source(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat = bot_chats(ws)[0]
    _at(h, T - timedelta(hours=2))
    _post(h, chat, _member(ws, chat), "Инцидент закрыт")
    h.write_catalogue(catalogue(chat, someone(ws), sources="""
          found: {type: pachca_search, query: инцидент}
          tasks: {type: pachca_tasks}
          talk: {type: pachca_threads}"""))
    outcome = await h.run("morning-digest", at=T, dry_run=True)
    assert outcome.status == "succeeded", outcome.error
    text = outcome.report.messages[0]
    assert "**Поиск «инцидент»** — 1 сообщение" in text and "Инцидент закрыт" in text
    assert "**Задачи**" in text and "**Обсуждали в тредах**" in text


async def test_the_bots_own_comments_are_not_news(ws: WorkspaceServer, h: Harness) -> None:
    """As in activity and search: comments count by people; the bot's own are not counted."""
    chat = bot_chats(ws)[0]
    author = _member(ws, chat)
    bot = ws.call(lambda: ws.store.bot_id)
    both = h.control("POST", "threads", json={"user_id": author, "message_id": _post(
        h, chat, author, "Обсуждаем")})["data"]
    only_bot = h.control("POST", "threads", json={"user_id": author, "message_id": _post(
        h, chat, author, "Напоминание")})["data"]
    _at(h, T - timedelta(hours=2))
    for thread, who in ((both, author), (both, bot), (only_bot, bot)):
        h.control("POST", f"threads/{thread['id']}/messages",
                  json={"user_id": who, "content": "комментарий"})

    data = await _dump(h, ws, """
          talk: {type: pachca_threads}""",
        '{"count": {{ talk.count }}, "threads": [{% for t in talk.threads %}{"id": {{ t.id }},'
        ' "new": {{ t.new_comments }}, "all": {{ t.comments }}, "authors": {{ t.authors }}}'
        '{{ "," if not loop.last }}{% endfor %}]}')

    assert data == {"count": 1, "threads": [
        {"id": both["id"], "new": 1, "all": 2, "authors": 1}]}
