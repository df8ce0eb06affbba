"""A fan-out keeps at most ``FAN_OUT`` posts in flight, while it serves twice as many
recipients: their records before and after each post overlap the requests, and each
chat still gets its message exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.recipients import FAN_OUT, RECORDS_AHEAD
from runner.workspace import WorkspaceServer
from tests.harness import Harness

CHATS = 60  # past preflight.LISTING_FROM: the recipients are checked in the chat listing

CATALOGUE = """
    jobs:
      everyone:
        kind: message
        schedule: "0 10 * * 1"
        to: {{chats: [{chats}]}}
        text: "Планёрка в 10:00"
"""


async def test_a_fan_out_keeps_at_most_fan_out_posts_in_flight_and_posts_each_chat_once(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    # Latency keeps every post in flight long enough for the others to pile up behind it.
    ws = fresh_workspace(latency=0.05)
    harness = Harness(ws, tmp_path)
    chats = [chat["id"] for chat in harness.control("POST", "chats", json={
        "user_id": ws.store.owner_id,
        "chats": [{"name": f"Отдел {n}", "member_ids": [ws.store.bot_id]}
                  for n in range(CHATS)]})["data"]]
    harness.write_catalogue(CATALOGUE.format(chats=", ".join(map(str, chats))))
    harness.control("POST", "reset_log")
    assert RECORDS_AHEAD > 1  # more recipients served than posts in flight

    outcome = await harness.run("everyone")

    assert outcome.status == "succeeded", outcome.error
    posts = Counter(r["chat_id"] for r in harness.writes() if r["path"].endswith("/messages"))
    assert posts == Counter(chats)  # every chat once
    assert harness.control("GET", "stats")["most_in_flight"] <= FAN_OUT


def fan_out_to_sixty(ws: WorkspaceServer, harness: Harness, channel: bool = False) -> list[int]:
    """Sixty chats the bot is in (the last one a channel it only reads, if ``channel``)."""
    specs = [{"name": f"Отдел {n}", "member_ids": [ws.store.bot_id]} for n in range(CHATS)]
    specs[-1]["channel"] = channel
    chats = [chat["id"] for chat in harness.control("POST", "chats", json={
        "user_id": ws.store.owner_id, "chats": specs})["data"]]
    if channel:
        harness.control("POST", "chat_roles", json={
            "chat_id": chats[-1], "user_id": ws.store.bot_id, "role": "member"})
    harness.write_catalogue(CATALOGUE.format(chats=", ".join(map(str, chats))))
    return chats


@pytest.mark.parametrize("user_id_set", [True, False], ids=["bot-user-id-set", "asked"])
async def test_the_listing_runs_beside_the_token_info_and_checks_all(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path, user_id_set: bool
) -> None:
    # The token info is asked once: by the runtime (whose user is the bot, unless
    # PACHCA_RUNNER_BOT_USER_ID says) and by the run's check, which lists the chats
    # meanwhile; the channel's check waits for the token's user.
    ws = fresh_workspace()
    harness = Harness(ws, tmp_path)
    chats = fan_out_to_sixty(ws, harness, channel=True)
    mark = harness.mark()

    outcome = await harness.run("everyone", **(
        {"bot_user_id": ws.store.bot_id} if user_id_set else {}))

    assert outcome.status == "failed" and outcome.error is not None
    assert f"the bot only reads the channel «Отдел {CHATS - 1}» ({chats[-1]})" in outcome.error
    assert outcome.report.counts["cannot_post"] == 1  # found by the check, before posting
    posts = Counter(r["chat_id"] for r in harness.writes(mark))
    assert posts == Counter(chats[:-1])  # every chat it may post to, once
    asked = [r for r in harness.requests(mark) if r["path"].endswith("/oauth/token/info")]
    assert len(asked) == 1


async def test_a_missing_scope_still_fails_a_fan_out_first_when_the_listing_ran_beside_it(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    ws = fresh_workspace()
    harness = Harness(ws, tmp_path)
    fan_out_to_sixty(ws, harness)
    token = harness.control("POST", "tokens", json={
        "kind": "bot", "scopes": ["chats:read", "messages:read"]})["token"]
    mark = harness.mark()

    outcome = await harness.run("everyone", token=token, bot_user_id=ws.store.bot_id)

    assert outcome.status == "failed" and outcome.error is not None
    assert outcome.error.startswith("job 'everyone' needs the scope(s) messages:create, which"
                                    " the bot's token (PACHCA_TOKEN) lacks; nothing was done.")
    assert harness.writes(mark) == []


async def test_a_token_pachca_refuses_fails_the_run_before_anything_is_written(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    ws = fresh_workspace()
    harness = Harness(ws, tmp_path)
    fan_out_to_sixty(ws, harness)
    mark = harness.mark()

    outcome = await harness.run("everyone", token="not-a-token-pachca-issued")

    assert outcome.status == "failed" and outcome.error is not None
    assert "401: token rejected" in outcome.error and "check PACHCA_TOKEN" in outcome.error
    assert harness.writes(mark) == []
