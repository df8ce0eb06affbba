"""The sweep and threads: a chat quiet on top but talking in a thread is active.

A comment does not move its chat's last_message_at, so a sweep that looks only at that
would archive a chat while people talk in its threads. Threads and comments are made
through the workspace's control API; the runner uses the bot's token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from runner.workspace import WorkspaceServer
from runner.workspace.scopes import scopes_for
from tests.cli.test_plan import cli
from tests.jobs.sweep_support import EMPTY, JOB, Sweep
from tests.threads_support import comment, post, thread


@pytest.fixture
def sw(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Sweep]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield sweep
    sweep.close()


def _thread_listings(sw: Sweep, since: int) -> list[dict[str, list[str]]]:
    log = sw.control("GET", "requests", params={"since": since})["requests"]
    return [parse_qs(r["query"]) for r in log
            if r["method"] == "GET" and r["path"].endswith("/threads")]


async def test_a_chat_quiet_on_top_but_active_in_a_thread_is_neither_warned_nor_archived(
    sw: Sweep,
) -> None:
    alive = sw.chat("Проект «Север»")
    quiet = sw.chat("Проект «Юг»")
    person, other = sw.people(2)
    talked = thread(sw.ws, person, post(sw.ws, alive, person, "Обсудим план?"))
    old = thread(sw.ws, person, post(sw.ws, quiet, person, "Старое обсуждение"))
    comment(sw.ws, old["id"], other, "Давно это было")
    sw.advance(100)
    comment(sw.ws, talked["id"], other, "Ещё обсуждаем, не архивируйте")
    top = sw.ws.call(lambda: sw.ws.store.chats[alive].last_message_ms)
    assert sw.now().timestamp() * 1000 - top > 99 * 86_400_000, "quiet on top"
    sw.job()

    mark = sw.mark()
    day0 = await sw.run()

    assert day0.status == "succeeded", day0.error
    assert sw.bot_messages(alive) == [] and len(sw.bot_messages(quiet)) == 1
    assert day0.report.counts["warned"] == 1 and day0.report.counts["skipped:thread"] == 1
    assert "skipped «Проект «Север»»: active in a thread: last comment 0 days ago" in (
        day0.report.lines)
    # The threads are read once per run, since the cutoff, not chat by chat.
    [listing] = _thread_listings(sw, mark)
    cutoff = sw.now() - timedelta(days=90)
    since = datetime.fromisoformat(listing["last_message_at_after"][0])
    assert abs(since - cutoff) < timedelta(seconds=5)

    sw.advance(8)
    day8 = await sw.run()

    assert day8.status == "succeeded", day8.error
    assert sw.archived(quiet) and not sw.archived(alive)
    assert sw.bot_messages(alive) == []
    assert day8.report.counts["skipped:thread"] == 1


async def test_an_answer_in_a_thread_under_the_warning_keeps_the_chat(sw: Sweep) -> None:
    chat = sw.chat("Бюджет 2026")
    person = sw.people(1)[0]
    sw.advance(100)
    sw.job()
    day0 = await sw.run()
    assert day0.status == "succeeded", day0.error
    [warning] = sw.bot_messages(chat)

    sw.advance(2)
    answer = thread(sw.ws, person, warning.id)
    comment(sw.ws, answer["id"], person, "Чат ещё нужен, в пятницу созвон")
    sw.advance(6)
    day8 = await sw.run()

    assert day8.status == "succeeded", day8.error
    assert not sw.archived(chat)
    assert day8.report.counts["skipped:thread"] == 1
    assert any("someone wrote in a thread on" in line and "after the warning" in line
               for line in day8.report.lines)
    state = sw.chat_state(chat)
    assert state is None or state.warned_at is None, "the warning no longer stands"


def test_the_plan_says_active_in_a_thread(sw: Sweep) -> None:
    chat = sw.chat("Проект «Север»")
    person = sw.people(1)[0]
    talked = thread(sw.ws, person, post(sw.ws, chat, person))
    sw.advance(100)
    comment(sw.ws, talked["id"], person, "Мы тут")
    sw.job()

    result = cli(sw, "plan", JOB)

    assert result.exit_code == 0, result.output
    assert f"skip     «Проект «Север»» (#{chat}): active in a thread" in result.output


async def test_a_token_that_may_not_list_threads_stops_the_sweep_before_any_write(
    sw: Sweep,
) -> None:
    quiet = sw.chat("Проект «Юг»")
    sw.advance(100)
    sw.job()
    scopes = sorted(scopes_for("bot") - {"threads:read"})
    token = sw.control("POST", "tokens", json={"kind": "bot", "scopes": scopes})["token"]
    mark = sw.mark()

    outcome = await sw.run(token=token)

    assert outcome.status == "failed"
    assert "threads:read" in (outcome.error or "")
    assert sw.writes(mark) == [] and sw.bot_messages(quiet) == []
    # The sweep always reads threads, so the token's learnt scopes tell it up front, with
    # where Pachca grants the scope, not a refusal half-way through the listing.
    assert "Automations → Integrations" in (outcome.error or "")
    calls = sw.control("GET", "requests", params={"since": mark})["requests"]
    assert [r["path"].rsplit("/v1", 1)[-1] for r in calls] == ["/oauth/token/info"]
