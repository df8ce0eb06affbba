"""How a listing by last message is cut into time windows: every chat read once, no two
windows sharing an instant, whatever the chats' times (none, all at one instant, older
than every recent window). The windows' arithmetic first, then real listings."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

from runner.pachca import dense, windows
from runner.pachca.models import Chat
from runner.preflight import LISTING_RECENT
from runner.workspace.server import WorkspaceServer
from tests.jobs.sweep_support import EMPTY
from tests.pachca.test_client import client_of, log_of

MS = timedelta(milliseconds=1)
NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
AGES = (timedelta(days=1), timedelta(days=2), timedelta(days=4))


def covers_in_order(found: list[windows.Window]) -> None:
    """Newest first, each window ending 1 ms before the newer one starts."""
    for (start, _), (older_start, older_end) in itertools.pairwise(found):
        assert start is not None and older_start is not None and older_end is not None
        assert older_end == start - MS and older_start <= older_end


def test_recent_windows_go_back_from_now_each_ending_where_the_newer_one_starts() -> None:
    found, rest = windows.recent(None, None, AGES, NOW)

    assert [w[0] for w in found] == [(NOW - age).replace(microsecond=123000) for age in AGES]
    assert found[0][1] is None  # the newest stays open: a chat written to meanwhile is in it
    covers_in_order(found)
    assert rest is not None and rest + MS == found[-1][0]  # older chats: up to just before


def test_recent_windows_count_back_from_before_and_stop_at_after() -> None:
    before = NOW - timedelta(days=10)
    after = before - timedelta(days=3)

    found, rest = windows.recent(after, before, AGES, NOW)

    assert [w[0] for w in found] == [before.replace(microsecond=123000) - timedelta(days=d)
                                     for d in (1, 2)]  # 4 days back is past `after`
    assert found[0][1] == before
    covers_in_order(found)
    assert rest is not None and after < rest and rest + MS == found[-1][0]


def test_ages_within_one_millisecond_make_one_window_and_no_ages_leave_the_whole_range() -> None:
    found, rest = windows.recent(None, None, [timedelta(microseconds=10),
                                              timedelta(microseconds=20)], NOW)
    assert found == [(NOW.replace(microsecond=123000), None)]
    assert rest is not None and rest + MS == found[0][0]
    assert windows.recent(None, NOW, [], NOW) == ([], NOW)
    assert windows.recent(None, None, [], NOW) == ([], None)


def test_equal_windows_are_consecutive_and_a_single_instant_is_one_window() -> None:
    start = NOW - timedelta(days=300)
    end = NOW - timedelta(days=20)

    found = windows.split(start, end, 8, NOW)

    assert len(found) == 8 and found[0][0] == start.replace(microsecond=123000)
    assert found[-1][1] == end
    covers_in_order(list(reversed(found)))
    instant = NOW.replace(microsecond=123000)  # a chat's time: millisecond precision
    assert windows.split(instant, instant, 8, NOW) == [(instant, instant)]
    assert len(windows.split(instant, instant + 3 * MS, 8, NOW)) == 3  # none under 1 ms
    assert windows.split(start, None, 2, NOW)[-1][1] is None


def listed_windows(ws: WorkspaceServer, since: int) -> list[tuple[str, str]]:
    """The (after, before) of each window's first page, from the request log."""
    found = []
    for entry in log_of(ws, since):
        query = parse_qs(entry["query"])
        if entry["path"].endswith("/chats") and "cursor" not in query and "sort" not in query:
            found.append((query["last_message_at_after"][0],
                          query.get("last_message_at_before", ["~"])[0]))  # "~": open
    return found


def never_overlap(found: list[tuple[str, str]]) -> None:
    ordered = sorted(found)
    for (_, end), (start, _) in itertools.pairwise(ordered):
        assert end < start  # the API's own ISO-8601 UTC form sorts as time does


async def read(ws: WorkspaceServer, now: datetime, **kwargs: object) -> list[Chat]:
    async with client_of(ws) as client:
        return [c async for c in client.list_chats_by_last_message(
            after=None, before=None, personal=False, now=now, **kwargs)]  # type: ignore[arg-type]


def workspace_now(ws: WorkspaceServer) -> datetime:
    body = httpx.get(f"{ws.root_url}/_workspace/clock", trust_env=False).json()
    return datetime.fromisoformat(body["now"])


def frozen(ws: WorkspaceServer, **move: object) -> WorkspaceServer:
    """``ws`` with its clock stopped (and moved: ``advance=SECONDS``): chats made
    meanwhile share one last-message instant."""
    httpx.post(f"{ws.root_url}/_workspace/clock", json={"freeze": True, **move},
               trust_env=False).raise_for_status()
    return ws


def make_chats(ws: WorkspaceServer, count: int, first: int = 0) -> list[dict[str, Any]]:
    """``count`` new chats of the owner's, through the control API."""
    body = httpx.post(f"{ws.root_url}/_workspace/chats", trust_env=False, json={
        "user_id": ws.store.owner_id,
        "chats": [{"name": f"Отдел {first + n}"} for n in range(count)]}).json()
    return list(body["data"])


async def test_recent_and_equal_windows_read_every_chat_once_over_a_year_of_chats(
    fresh_workspace: Callable[..., WorkspaceServer]
) -> None:
    ws = fresh_workspace(conversations=400, channels=20, short_page_rate=0.3)
    now = workspace_now(ws)
    async with client_of(ws) as client:
        every = {c.id: c async for c in client.list_chats(personal=False)}
    assert any(c.last_message_at < now - max(LISTING_RECENT) for c in every.values())
    assert any(c.last_message_at > now - min(LISTING_RECENT) for c in every.values())
    mark = len(log_of(ws))

    found = [c.id for c in await read(ws, now, parts=4, recent=LISTING_RECENT)]

    assert sorted(found) == sorted(every)  # every chat, none twice
    used = listed_windows(ws, mark)
    assert len(used) == len(LISTING_RECENT) + 4
    never_overlap(used)


async def test_an_empty_listing_reads_each_recent_window_once_and_no_older_one(
    fresh_workspace: Callable[..., WorkspaceServer]
) -> None:
    ws = fresh_workspace(**EMPTY)

    assert await read(ws, workspace_now(ws), parts=4, recent=AGES) == []
    chats = [r for r in log_of(ws) if r["path"].endswith("/chats")]
    assert len(chats) == len(AGES) + 1  # and the look-up of the oldest chat, which finds none


async def test_chats_all_at_one_instant_are_read_once_wherever_that_instant_falls(
    fresh_workspace: Callable[..., WorkspaceServer]
) -> None:
    ws = frozen(fresh_workspace(**EMPTY))
    made = make_chats(ws, 120)
    instant = datetime.fromisoformat(str(made[0]["last_message_at"]))
    assert {c["last_message_at"] for c in made} == {made[0]["last_message_at"]}

    # In the newest window; on a window's first instant; just past it, in the next one;
    # older than every recent window, where the equal windows start at that instant.
    for now in (instant, instant + AGES[0], instant + AGES[0] + MS, instant + timedelta(days=90)):
        mark = len(log_of(ws))
        found = [c.id for c in await read(ws, now, parts=4, recent=AGES)]
        assert sorted(found) == sorted(c["id"] for c in made), now
        never_overlap(listed_windows(ws, mark))


def test_a_dense_window_is_cut_back_from_its_first_pages_oldest_instant() -> None:
    edge = NOW.replace(microsecond=123000)
    width = timedelta(seconds=2)

    found = dense.below(edge - timedelta(seconds=5), edge, width, 8)

    assert found[0] == (edge - width + MS, edge)  # the instant itself, for its other chats
    assert found[-1][0] == edge - timedelta(seconds=5)  # stops at the window's start
    assert len(found) == 3
    covers_in_order(found)
    assert dense.below(None, edge, timedelta(0), 2) == [  # at least 1 ms; then open
        (edge, edge), (edge - MS, edge - MS), (None, edge - 2 * MS)]


async def test_chats_clustered_in_time_are_read_once_through_the_slices(
    fresh_workspace: Callable[..., WorkspaceServer]
) -> None:
    # Batches of chats at instants 7 ms apart, as after one fan-out: more than a page at
    # one instant, a page exactly, a few, one; read with 3 slices at each cut.
    ws = frozen(fresh_workspace(**EMPTY))
    made: list[int] = []
    for size in (70, 3, 120, 1, 45, 50, 61, 2):
        made += [c["id"] for c in make_chats(ws, size, len(made))]
        frozen(ws, advance=0.007)
    now = workspace_now(ws)
    mark = len(log_of(ws))

    found = [c.id for c in await read(ws, now, parts=4, recent=AGES, split_dense=3)]

    assert sorted(found) == sorted(made)  # every chat, none twice
    slices = [e for e in log_of(ws, mark) if "order=desc" in e["query"]
              and "cursor" not in e["query"]]
    assert len(slices) > len(AGES) + 4  # the dense window was cut, not only chained


async def test_chats_at_one_instant_past_a_page_are_read_once_when_dense_windows_split(
    fresh_workspace: Callable[..., WorkspaceServer]
) -> None:
    ws = frozen(fresh_workspace(**EMPTY))
    made = [c["id"] for c in make_chats(ws, 130)]

    found = [c.id for c in await read(ws, workspace_now(ws), parts=4, recent=AGES,
                                      split_dense=8)]

    assert sorted(found) == sorted(made)
