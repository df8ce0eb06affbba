"""The client against the embedded workspace over real HTTP: pagination, filters,
rate limits, retries, error mapping, the export download, and the contract."""

from __future__ import annotations

import asyncio
import logging
import zipfile
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from runner import errors
from runner.pachca.client import PachcaClient
from runner.pachca.limits import RateLimits, RetryPolicy
from runner.workspace.server import WorkspaceServer
from tests.virtual_time import VirtualTime
from tests.waiting import GUARD_S, eventually


def client_of(ws: WorkspaceServer, token: str | None = None, **kwargs) -> PachcaClient:
    kwargs.setdefault("retry", RetryPolicy(backoff_base=0.01))
    return PachcaClient(ws.base_url, SecretStr(token or ws.owner_token), **kwargs)


def log_of(ws: WorkspaceServer, since: int = 0) -> list[dict]:
    body = httpx.get(f"{ws.root_url}/_workspace/requests", params={"since": since}).json()
    return body["requests"]


def stats_of(ws: WorkspaceServer) -> dict:
    return httpx.get(f"{ws.root_url}/_workspace/stats").json()


async def test_pagination_streams_every_page_and_sends_limit(fresh_workspace):
    ws = fresh_workspace(conversations=300, channels=20, short_page_rate=0.3)
    async with client_of(ws) as client:
        pages: list[int] = []
        ids = [c.id async for c in client.list_chats(archived=True, on_page=pages.append)]
    assert len(ids) == len(set(ids)), "a record came twice"
    assert len(pages) > 6
    # Short middle pages exist and did not end the listing early.
    assert any(n < 50 for n in pages[:-1])
    requests = [r for r in log_of(ws) if r["path"].endswith("/chats")]
    assert all("limit=50" in r["query"] for r in requests)
    # Everything the owner can see came through, each once.
    info = httpx.get(f"{ws.root_url}/_workspace/info").json()  # noqa: ASYNC210 - after the run
    assert len(ids) >= info["counts"]["group_chats"] * 0.9


async def test_listing_holds_one_page_in_memory(fresh_workspace):
    ws = fresh_workspace(conversations=200)
    async with client_of(ws) as client:
        chats = client.list_chats()
        first = await anext(chats)
        # Only the first page was fetched: the rest comes as the iterator is consumed.
        assert len([r for r in log_of(ws) if r["path"].endswith("/chats")]) == 1
        assert first.id > 0
        await chats.aclose()


async def test_filters_reach_the_server_and_are_honoured(workspace):
    async with client_of(workspace) as client:
        all_chats = [c async for c in client.list_chats(archived=True)]
        personal = [c async for c in client.list_chats(personal=True)]
        groups = [c async for c in client.list_chats(personal=False)]
        archived_too = [c async for c in client.list_chats(archived=True, personal=False)]
        public = [c async for c in client.list_chats(availability="public")]
        by_recent = [c async for c in client.list_chats(sort="last_message_at", order="desc")]
        assert personal and all(c.personal for c in personal)
        assert groups and not any(c.personal for c in groups)
        assert not any(c.archived for c in groups)
        assert any(c.archived for c in archived_too)
        assert all(c.public for c in public)
        stamps = [c.last_message_at for c in by_recent]
        assert stamps == sorted(stamps, reverse=True)
        middle = sorted(c.last_message_at for c in all_chats if not c.archived)[len(all_chats) // 2]
        before = [c async for c in client.list_chats(last_message_before=middle)]
        after = [c async for c in client.list_chats(last_message_after=middle)]
        assert before and all(c.last_message_at <= middle for c in before)
        assert after and all(c.last_message_at >= middle for c in after)


async def test_listing_by_last_message_in_windows_gives_each_chat_once(fresh_workspace):
    ws = fresh_workspace(conversations=400, channels=20, short_page_rate=0.3)
    async with client_of(ws) as client:
        groups = {c.id: c async for c in client.list_chats(personal=False)}
        stamps = sorted(c.last_message_at for c in groups.values())
        split = stamps[len(stamps) // 3]  # a chat's own instant: the bound must not double it
        mark = len(log_of(ws))
        older = [c.id async for c in client.list_chats_by_last_message(
            after=None, before=split - timedelta(milliseconds=1), personal=False, parts=4)]
        newer = [c.id async for c in client.list_chats_by_last_message(
            after=split, before=None, personal=False, parts=4)]
    assert sorted(older + newer) == sorted(groups)  # every chat, none twice
    assert all(groups[c].last_message_at < split for c in older)
    listings = [r for r in log_of(ws, mark) if r["path"].endswith("/chats")]
    assert sum("limit=1" in r["query"] for r in listings) == 1  # the probe for the oldest
    windows = {(r["query"].split("last_message_at_after=")[1].split("&")[0])
               for r in listings if "last_message_at_after=" in r["query"]}
    assert len(windows) == 8  # four windows on each side, read at the same time


async def test_listing_by_last_message_of_nothing_is_one_request(fresh_workspace):
    ws = fresh_workspace(conversations=10, channels=0)
    async with client_of(ws) as client:
        oldest = min([c.last_message_at async for c in client.list_chats(personal=False)])
        mark = len(log_of(ws))
        found = [c async for c in client.list_chats_by_last_message(
            after=None, before=oldest - timedelta(days=1), personal=False)]
    assert found == [] and len(log_of(ws, mark)) == 1


def paced(ws: WorkspaceServer, time: VirtualTime, limits: RateLimits, **kwargs) -> PachcaClient:
    """A client whose limiter and requests run on ``time`` (see tests/virtual_time.py)."""
    return client_of(ws, limiter=time.limiter(limits), transport=time.transport, **kwargs)


async def test_no_429_when_the_limiter_keeps_the_documented_pace(fresh_workspace):
    # Virtual time on both sides: a request reaches the workspace when its limiter said,
    # however loaded this machine is (real time bunches requests on the way).
    ws = fresh_workspace()
    limits = RateLimits()
    async with VirtualTime(f"{ws.root_url}/_workspace") as time, paced(ws, time, limits) as client:
        chat = await anext(c async for c in client.list_chats(personal=False))
        started = time.now
        # 60 calls at once at ~50/s, then 40 message reads at once at ~10/s.
        await asyncio.gather(*(client.get_chat(chat.id) for _ in range(60)))
        await asyncio.gather(
            *(anext(client.list_messages(chat.id)) for _ in range(40))
        )
        elapsed = time.now - started
    assert stats_of(ws)["rate_limited"] == 0 and client.stats["429"] == 0
    # ...and at that pace, not slower: about 60/50 + 40/10 s, within the client's margin.
    documented = 60 / 50 + 40 / 10
    assert documented - 1 < elapsed < documented / limits.margin


async def test_recovers_when_the_server_throttles_harder_than_documented(fresh_workspace):
    ws = fresh_workspace(throttle=0.3)  # reads: 3/s in bursts of 3, against our ~10/s
    limits = RateLimits()
    async with VirtualTime(f"{ws.root_url}/_workspace") as time, paced(ws, time, limits) as client:
        chat = await anext(c async for c in client.list_chats(personal=False))
        results = await asyncio.gather(
            *(anext(client.list_messages(chat.id)) for _ in range(40))
        )
        assert len(results) == 40
        assert client.stats["429"] > 0
    assert stats_of(ws)["rate_limited"] == client.stats["429"]


async def test_long_retry_after_surfaces_as_rate_limited(fresh_workspace):
    ws = fresh_workspace(speed=1, throttle=0.05)  # reads: one per 2 s
    retry = RetryPolicy(backoff_base=0.01, max_retry_after=0.5)
    async with VirtualTime(f"{ws.root_url}/_workspace"), client_of(
        ws, limits=RateLimits(enabled=False), retry=retry
    ) as client:
        chat = await anext(c async for c in client.list_chats(personal=False))
        await anext(client.list_messages(chat.id))
        with pytest.raises(errors.RateLimited) as info:
            await anext(client.list_messages(chat.id))  # no time has passed
    assert info.value.retry_after >= 1
    assert info.value.status == 429


async def test_5xx_is_retried_for_get_but_not_for_post(fresh_workspace):
    ws = fresh_workspace(error_rate=1.0, rate_limits=False)
    async with client_of(ws) as client:
        with pytest.raises(errors.ServerError):
            await client.get_chat(1)
        gets = [r for r in log_of(ws) if r["method"] == "GET"]
        assert len(gets) == 1 + 3  # the call and its three retries
        mark = len(log_of(ws))
        with pytest.raises(errors.ServerError):
            await client.send_message(1, "Привет")
        posts = [r for r in log_of(ws, mark) if r["method"] == "POST"]
        assert len(posts) == 1  # a POST that reached the server is never repeated


async def test_get_recovers_from_occasional_faults(fresh_workspace):
    ws = fresh_workspace(error_rate=0.2, drop_rate=0.1, rate_limits=False, conversations=400)
    async with client_of(ws) as client:
        chats = [c async for c in client.list_chats(archived=True)]
    assert len(chats) == len({c.id for c in chats}) > 50
    assert client.stats["retries"] > 0


async def test_post_is_retried_when_it_never_reached_the_server():
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request.method)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(201, json={"data": {
            "id": 1, "entity_id": 5, "chat_id": 5, "content": "x", "user_id": 2,
            "created_at": "2026-01-01T00:00:00.000Z"}})

    client = PachcaClient("http://127.0.0.1:9/api", SecretStr("t"),
                          transport=httpx.MockTransport(handler),
                          limits=RateLimits(enabled=False), retry=RetryPolicy(backoff_base=0.001))
    message = await client.send_message(5, "x")
    assert message.id == 1 and attempts == ["POST"] * 3
    await client.aclose()


async def test_error_mapping_over_http(workspace):
    async with client_of(workspace, token="wrong-token") as bad:
        with pytest.raises(errors.TokenRejected) as rejected:
            await bad.get_profile()
    assert "token rejected" in str(rejected.value)
    async with client_of(workspace, token=workspace.limited_token) as limited:
        with pytest.raises(errors.PermissionDenied) as denied:
            await limited.archive_chat(1)
    assert denied.value.path == "/chats/1/archive" and denied.value.method == "PUT"
    async with client_of(workspace) as client:
        with pytest.raises(errors.NotFound) as missing:
            await client.get_chat(987654)
        with pytest.raises(errors.ValidationFailed) as invalid:
            await client.create_chat("")
    assert missing.value.status == 404
    assert invalid.value.items and invalid.value.status in (400, 422)


async def test_token_never_appears_in_logs_or_errors(fresh_workspace, caplog):
    ws = fresh_workspace(error_rate=1.0)
    caplog.set_level(logging.DEBUG)
    async with client_of(ws, token=ws.owner_token) as client:
        with pytest.raises(errors.ServerError) as info:
            await client.get_chat(1)
        text = f"{info.value} {info.value!r} {client!r}"
    assert ws.owner_token not in text
    assert ws.owner_token not in caplog.text


async def test_export_302_download_streams_the_archive(fresh_workspace, tmp_path):
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    ready: asyncio.Queue[int] = asyncio.Queue()

    async def hook(request: Request) -> Response:
        await ready.put((await request.json())["export_id"])
        return Response(status_code=200)

    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/hook", hook, methods=["POST"])]),
                                           host="127.0.0.1", port=0, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    async def started() -> bool:
        return bool(server.started)

    await eventually(started, "the webhook receiver to start")
    port = server.servers[0].sockets[0].getsockname()[1]
    ws = fresh_workspace(export_delay=0.05)
    try:
        async with client_of(ws) as client:
            chat = await anext(c async for c in client.list_chats(personal=False))
            end = ws.store.clock.now().date() - timedelta(days=1)  # the last ended UTC day
            await client.request_export(end - timedelta(days=30), end,
                                        f"http://127.0.0.1:{port}/hook", chat_ids=[chat.id])
            export_id = await asyncio.wait_for(ready.get(), timeout=GUARD_S)
            size, sha = await client.download_export(export_id, tmp_path / "x.zip")
    finally:
        server.should_exit = True
        await serving
    assert size == (tmp_path / "x.zip").stat().st_size > 0 and len(sha) == 64
    names = zipfile.ZipFile(tmp_path / "x.zip").namelist()
    assert "chats.json" in names
    assert any(n.startswith(f"{chat.name}_{chat.id}/") for n in names)
    download = [r for r in log_of(ws) if "/chats/exports/" in r["path"]]
    assert download and download[0]["status"] == 302


async def test_every_request_the_client_sends_matches_the_spec(fresh_workspace, require_openapi):
    ws = fresh_workspace()
    async with client_of(ws) as owner, client_of(ws, ws.bot_token) as bot:
        chat = await anext(c async for c in owner.list_chats(personal=False))
        profile = await owner.get_profile()
        [u async for u in owner.list_users()]
        [m async for m in owner.list_members(chat.id)]
        message = await owner.send_message(chat.id, "Проверка", buttons=None)
        await owner.update_message(message.id, content="Проверка 2", chat_id=chat.id)
        await owner.get_message(message.id)
        await owner.send_message(ws.store.limited_id, "Лично", entity_type="user")
        created = await owner.create_chat("Контракт", member_ids=[profile.id])
        await owner.update_chat(created.id, name="Контракт 2")
        await owner.add_members(created.id, [profile.id + 1])
        await owner.archive_chat(created.id)
        await owner.unarchive_chat(created.id)
        [e async for e in bot.list_events()]
        # Link previews are a bot's call (an unfurl bot), on a message in a chat it sees.
        unfurled = await bot.send_message((await bot.create_chat("Ссылки")).id,
                                          "https://tracker.example.com/a", buttons=None)
        await bot.add_link_previews(unfurled.id, {"https://tracker.example.com/a": {
            "title": "A", "description": "B"}})
        bot_user = (await bot.get_profile()).id
        await owner.update_bot_webhook(bot_user, "http://127.0.0.1:9/hook")
        await owner.get_bot(bot_user)
    requests = [v for v in ws.violations if v["kind"] == "request"]
    assert requests == []
    assert stats_of(ws)["openapi_checked"] is True
