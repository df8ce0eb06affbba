"""A fan-out keeps at most ``FAN_OUT`` posts in flight, while it serves twice as many
recipients: their records before and after each post overlap the requests, and each
chat still gets its message exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

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
