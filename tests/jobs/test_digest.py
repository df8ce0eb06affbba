"""The ``digest`` kind end to end: run-job against a real workspace over HTTP.

People's messages are posted through the workspace's control API; the digest is run with
``at=T`` (the workspace clock starts an hour before T, so those messages fall in the
window); what reached Pachca is read back from the workspace's store and request log.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, update

from runner.render import plural
from runner.state import StateStore
from runner.state.schema import runs
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.json_endpoint import JsonHandler
from tests.threads_support import NO_THREADS

T = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # Friday 09:00 in Moscow
KEY = f"morning-digest@{T.isoformat()}"
SECRET = "s3cret-key-do-not-leak"


# ---------------------------------------------------------------------- a JSON endpoint
class _Endpoint(JsonHandler):
    seen_keys: ClassVar[list[str | None]] = []
    release: ClassVar[threading.Event] = threading.Event()

    def do_GET(self) -> None:
        type(self).seen_keys.append(self.headers.get("X-Api-Key"))
        path = urlsplit(self.path).path
        if path == "/ok":
            self._send(200, json.dumps({"выручка": 1250000, "сделки": 14}).encode())
        elif path == "/down":
            self._send(503, b"maintenance")
        elif path == "/garbage":
            self._send(200, b"<html>not json</html>")
        elif path == "/hang":
            type(self).release.wait(10)  # held until the test ends: the client must give up
            self._send(200, b"{}")

    def _send(self, status: int, body: bytes) -> None:
        self.send_json(status, body)


@pytest.fixture
def endpoint() -> Iterator[str]:
    """Base URL of a local JSON endpoint (``/ok``, ``/down``, ``/garbage``, ``/hang``)."""
    _Endpoint.seen_keys = []
    _Endpoint.release = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _Endpoint.release.set()
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------------- workspace and jobs
@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    return fresh_workspace(start_time=(T - timedelta(hours=1)).isoformat(), speed=4.0,
                           **NO_THREADS)


def bot_chats(ws: WorkspaceServer) -> list[int]:
    store = ws.store
    return ws.call(lambda: sorted(c.id for c in store.chats.values() if not c.personal
                                  and not c.archived and store.is_member(c, store.bot_id)))


def say(ws: WorkspaceServer, h: Harness, chat_id: int, n: int) -> list[int]:
    """``n`` people write in ``chat_id`` (inside the window); returns their ids."""
    members = ws.call(lambda: [u for u in ws.store.chats[chat_id].member_ids
                               if u != ws.store.bot_id])
    authors = []
    for i in range(n):
        author = members[i % len(members)]
        h.control("POST", "messages", json={"user_id": author, "chat_id": chat_id,
                                            "content": f"Сообщение {i}"})
        authors.append(author)
    return authors


def bot_messages(ws: WorkspaceServer, chat_id: int) -> list[Any]:
    store = ws.store
    return ws.call(lambda: [store.messages[i] for (i,) in store.chat_messages[chat_id]
                            if store.messages[i].user_id == store.bot_id])


def truth(ws: WorkspaceServer, start: datetime, end: datetime) -> tuple[int, int, int]:
    """(messages, chats, distinct authors) by people in the bot's group chats, from the store."""
    lo, hi = int(start.timestamp() * 1000), int(end.timestamp() * 1000)

    def compute() -> tuple[int, int, int]:
        store = ws.store
        inside = [m for m in store.messages.values()
                  if lo <= m.created_ms < hi and m.user_id != store.bot_id
                  and not store.chats[m.chat_id].personal
                  and not store.chats[m.chat_id].archived
                  and store.is_member(store.chats[m.chat_id], store.bot_id)]
        return len(inside), len({m.chat_id for m in inside}), len({m.user_id for m in inside})

    return ws.call(compute)


def direct_chat(ws: WorkspaceServer, user_id: int) -> int:
    store = ws.store
    pair = (min(user_id, store.bot_id), max(user_id, store.bot_id))
    return ws.call(lambda: store.direct_pairs[pair])


def catalogue(chat: int, user: int, *, window: str = "since_last_run", extra: str = "",
              sources: str = "") -> str:
    sources = sources or """
          activity: {type: pachca_activity, top: 5}
          info: {type: vars, values: {team: Продажи}}"""
    return f"""
    timezone: Europe/Moscow
    jobs:
      morning-digest:
        kind: digest
        description: Утренняя сводка по активности
        schedule: "0 9 * * 1-5"
        window: {window}
        to: {{chats: [{chat}], users: [{user}]}}
        sources:{sources}
        {extra}
    """


@pytest.fixture
def h(ws: WorkspaceServer, tmp_path: Path) -> Harness:
    return Harness(ws, tmp_path, overrides={"rate_limit_scale": 4.0})


def someone(ws: WorkspaceServer) -> int:
    store = ws.store
    return ws.call(lambda: next(u.id for u in sorted(store.users.values(), key=lambda u: u.id)
                                if not u.bot and u.id not in (store.owner_id, store.limited_id)))


# ---------------------------------------------------------------------- tests
async def test_posts_the_digest_once_to_each_chat_and_person(
    ws: WorkspaceServer, h: Harness, endpoint: str
) -> None:
    chat, other = bot_chats(ws)[:2]
    user = someone(ws)
    authors = say(ws, h, chat, 4) + say(ws, h, other, 1)
    h.env = {"SALES_URL": f"{endpoint}/ok", "SALES_KEY": SECRET}
    h.write_catalogue(catalogue(chat, user, sources="""
          activity: {type: pachca_activity, top: 5}
          sales: {type: http, url: "${SALES_URL}", headers: {X-Api-Key: "${SALES_KEY}"}}""",
        extra='buttons: [{text: Открыть дашборд, url: "https://example.com/dash"}]'))

    outcome = await h.run("morning-digest", at=T)

    assert outcome.status == "succeeded", outcome.error
    posted = bot_messages(ws, chat)
    assert len(posted) == 1
    text = posted[0].content
    assert "**Утренняя сводка по активности**" in text
    # Exactly the people's messages of the last 24 h, in the chats the bot can read.
    messages, chats, people = truth(ws, T - timedelta(hours=24), T)
    assert messages >= 5 and chats >= 2 and people >= len(set(authors))
    assert (plural(messages, "сообщение", "сообщения", "сообщений") + " в "
            + plural(chats, "чате", "чатах", "чатах") + " от "
            + plural(people, "участника", "участников", "участников")) in text, text
    assert f"[{ws.store.chats[chat].name}](https://app.pachca.com/chats/{chat})" in text
    assert "сделки: 14" in text and "1\xa0250\xa0000" in text
    assert _Endpoint.seen_keys == [SECRET]
    assert posted[0].buttons == [[{"text": "Открыть дашборд", "url": "https://example.com/dash"}]]
    dm = bot_messages(ws, direct_chat(ws, user))
    assert [m.content for m in dm] == [text]

    mark = h.mark()
    again = await h.run("morning-digest", at=T)
    assert again.status == "skipped"  # run-job --at T twice: the key is done
    assert h.writes(mark) == []


async def test_a_retried_run_finds_the_post_that_went_through_before_the_crash(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat = bot_chats(ws)[0]
    user = someone(ws)
    say(ws, h, chat, 2)
    h.write_catalogue(catalogue(chat, user))
    first = await h.run("morning-digest", at=T)
    assert first.status == "succeeded" and first.report.counts["posted"] == 2
    # The process died after the POST reached Pachca but before the target was finished:
    # the run is still "running" with an expired lease, its targets only "started".
    _crash(h, KEY, started=["chat:" + str(chat), f"user:{user}"])
    mark = h.mark()

    retry = await h.run("morning-digest", at=T)

    assert retry.status == "succeeded", retry.error
    assert retry.report.counts["already_posted"] == 2
    assert [r for r in h.writes(mark) if r["path"].endswith("/messages")] == []
    assert len(bot_messages(ws, chat)) == 1
    assert len(bot_messages(ws, direct_chat(ws, user))) == 1


async def test_a_retried_run_posts_what_never_reached_pachca(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat = bot_chats(ws)[0]
    user = someone(ws)
    say(ws, h, chat, 2)
    h.write_catalogue(catalogue(chat, user))
    # An attempt claimed the run and marked the chat "started", then died before its POST.
    state = StateStore(h.settings().state_url, replica="dead")
    handle = state.claim("morning-digest", KEY, kind="digest", scheduled_for=T, lease=60)
    assert handle is not None
    state.start_target(KEY, f"chat:{chat}", {"hash": "0" * 16, "chat_id": chat,
                                             "entity_type": "discussion", "entity_id": chat})
    state.close()
    _crash(h, KEY, started=[])

    retry = await h.run("morning-digest", at=T)

    assert retry.status == "succeeded", retry.error
    assert len(bot_messages(ws, chat)) == 1
    assert len(bot_messages(ws, direct_chat(ws, user))) == 1


def _crash(h: Harness, key: str, started: list[str]) -> None:
    """Leave run ``key`` as a dead runner leaves it: running, lease expired, targets started."""
    engine = create_engine(h.settings().state_url)
    with engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.key == key).values(
            status="running", lease_until=datetime(2000, 1, 1, tzinfo=UTC)))
        from runner.state.schema import targets

        for target in started:
            conn.execute(update(targets).where(targets.c.run_key == key,
                                               targets.c.target == target)
                         .values(status="started"))
    engine.dispose()


async def test_dry_run_renders_and_writes_nothing(ws: WorkspaceServer, h: Harness) -> None:
    chat = bot_chats(ws)[0]
    say(ws, h, chat, 3)
    h.write_catalogue(catalogue(chat, someone(ws)))
    mark = h.mark()

    outcome = await h.run("morning-digest", at=T, dry_run=True)

    assert outcome.status == "succeeded", outcome.error
    assert h.writes(mark) == []
    assert len(outcome.report.messages) == 2  # one text per recipient, shown, not sent
    assert "3 сообщения" in outcome.report.messages[0]
    assert any("would post" in line for line in outcome.report.lines)


async def test_since_last_run_covers_only_what_is_new_and_skips_an_empty_window(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat = bot_chats(ws)[0]
    say(ws, h, chat, 2)
    h.write_catalogue(catalogue(chat, someone(ws)))
    assert (await h.run("morning-digest", at=T)).status == "succeeded"
    mark = h.mark()

    # Nobody wrote between T and T+1h (the digest itself is the bot's and does not count).
    quiet = await h.run("morning-digest", at=T + timedelta(hours=1))

    assert quiet.status == "succeeded", quiet.error
    assert quiet.report.counts["skipped:empty"] == 1
    assert "nothing to post" in " ".join(quiet.report.lines)
    assert h.writes(mark) == []
    assert len(bot_messages(ws, chat)) == 1


async def test_a_failed_source_is_mentioned_or_fails_the_run_without_leaking_secrets(
    ws: WorkspaceServer, h: Harness, endpoint: str
) -> None:
    chat = bot_chats(ws)[0]
    say(ws, h, chat, 1)
    # Only the source that never answers gets a short timeout: the others answer at
    # once, and must not be timed out by a machine too busy to answer in half a second.
    for path, policy, reason, timeout in [("/down", "mention", "HTTP 503", "60s"),
                                          ("/garbage", "fail", "not valid JSON", "60s"),
                                          ("/hang", "fail", "no answer within", "0.5s")]:
        h.env = {"SALES_URL": f"{endpoint}{path}?token={SECRET}", "SALES_KEY": SECRET}
        h.write_catalogue(catalogue(chat, someone(ws), extra=f"on_source_error: {policy}",
                                    sources="""
          activity: {type: pachca_activity}
          sales: {type: http, url: "${SALES_URL}", headers: {X-Api-Key: "${SALES_KEY}"},
                  timeout: TIMEOUT}""".replace("TIMEOUT", timeout)))
        outcome = await h.run("morning-digest", at=T, dry_run=True)
        said = " ".join(outcome.report.lines) + str(outcome.error)
        assert reason in said
        assert SECRET not in said and "token=" not in said
        if policy == "mention":
            assert outcome.status == "succeeded"
            assert "Не удалось получить данные: «sales»" in outcome.report.messages[0]
        else:
            assert outcome.status == "failed"
            assert str(outcome.error).startswith("source 'sales' failed")
            assert outcome.report.messages == []


async def test_a_quiet_window_with_a_failed_source_still_posts_the_mention(
    ws: WorkspaceServer, h: Harness, endpoint: str
) -> None:
    # Nothing was said in the window, and the only other source failed: that is not
    # "nothing to post" (skip_if_empty), since what the source holds is unknown.
    chat = bot_chats(ws)[0]
    h.env = {"SALES_URL": f"{endpoint}/down"}
    h.write_catalogue(catalogue(chat, someone(ws), extra="on_source_error: mention", sources="""
          activity: {type: pachca_activity}
          sales: {type: http, url: "${SALES_URL}"}"""))
    mark = h.mark()

    outcome = await h.run("morning-digest", at=T)

    assert outcome.status == "succeeded", outcome.error
    assert "skipped:empty" not in outcome.report.counts
    assert outcome.report.counts["source_errors"] == 1
    (posted,) = bot_messages(ws, chat)
    assert "Не удалось получить данные: «sales»" in posted.content
    assert len(h.writes(mark)) == 2  # the chat and the person in `to`


async def test_a_long_digest_is_posted_in_parts_each_exactly_once(
    ws: WorkspaceServer, h: Harness
) -> None:
    chat = bot_chats(ws)[0]
    say(ws, h, chat, 1)
    h.write_catalogue(
        catalogue(chat, someone(ws), extra="template: long.md.j2"),
        templates={"long.md.j2": """\
            **{{ title }}**
            {% for i in range(300) %}
            - Пункт {{ i }}: {{ activity.totals.messages | plural("сообщение", "сообщения", "сообщений") }}
            {% endfor %}
            """},
    )
    outcome = await h.run("morning-digest", at=T)
    assert outcome.status == "succeeded", outcome.error
    parts = [m.content for m in bot_messages(ws, chat)]
    assert len(parts) >= 2 and all(len(p) <= 4000 for p in parts)
    assert "Пункт 0:" in parts[0] and "Пункт 299:" in parts[-1]

    _crash(h, KEY, started=[f"chat:{chat}#2"])
    assert (await h.run("morning-digest", at=T)).status == "succeeded"
    assert [m.content for m in bot_messages(ws, chat)] == parts


async def test_since_last_run_starts_at_the_latest_fire_not_the_latest_start(
    ws: WorkspaceServer, h: Harness
) -> None:
    """A run of an older fire that finished last (a back-dated manual run) does not pull
    the next window back over time the later fire already covered."""
    chat = bot_chats(ws)[0]
    h.control("POST", "clock", json={"now": (T - timedelta(minutes=30)).isoformat()})
    say(ws, h, chat, 1)  # covered by the run at T
    h.write_catalogue(catalogue(chat, someone(ws), extra="template: count.md.j2"),
                      templates={"count.md.j2": "{{ activity.totals.messages }} сообщ."})
    assert (await h.run("morning-digest", at=T)).status == "succeeded"
    assert (await h.run("morning-digest", at=T - timedelta(hours=1))).status == "succeeded"
    h.control("POST", "clock", json={"now": (T + timedelta(minutes=30)).isoformat()})
    say(ws, h, chat, 1)  # the only message of the next window

    later = await h.run("morning-digest", at=T + timedelta(hours=1))

    assert later.status == "succeeded", later.error
    assert later.report.messages[0] == "1 сообщ."
