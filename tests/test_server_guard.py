"""The runner's server against hostile clients, over real sockets: clients that leave
mid-body, bodies that never finish, and JSON that Python reads but JSON does not allow.
Both unauthenticated entry points are probed: the export webhook and the bot's push."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from runner import app
from runner.bot import service
from runner.kinds.export.hub import webhook_url
from runner.kinds.export.table import export_chunks
from runner.runtime import Runtime
from runner.server import RunnerServer
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.waiting import eventually

SECRET = "whsec-guard-0123456789"
PUSH_PATH = "/pachca/events"
CATALOGUE = f"""
timezone: UTC
bot: {{events: push, webhook_path: {PUSH_PATH}}}
jobs:
  exp:
    kind: export
    schedule: "0 3 1 * *"
    period: {{start: 2026-10-01, end: 2026-10-31}}
"""
SERVER_LOGGERS = ("runner.server", "runner.bot.push", "uvicorn")


@asynccontextmanager
async def served(workspace: WorkspaceServer, tmp_path: Path, **settings: Any
                 ) -> AsyncIterator[tuple[Runtime, dict[str, str]]]:
    """The runner's server as ``run`` has it (push route included); its two hook URLs."""
    harness = Harness(workspace, tmp_path)
    harness.write_catalogue(CATALOGUE)
    config = harness.settings(webhook_secret=SECRET, **settings)
    async with (app.runtime(config, harness.catalogue(), server=True) as rt,
                service.started(config, rt)):
        server = rt.server
        assert isinstance(server, RunnerServer)
        yield rt, {"export": await webhook_url(server),
                   "push": server.url + PUSH_PATH}


@pytest.fixture
async def hooks(workspace: WorkspaceServer, tmp_path: Path
                ) -> AsyncIterator[tuple[Runtime, dict[str, str]]]:
    async with served(workspace, tmp_path) as pair:
        yield pair


def signed(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json",
            "Pachca-Signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}


async def open_post(url: str, length: int, first: bytes
                    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A raw POST to ``url`` announcing ``length`` body bytes and sending only ``first``."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nPachca-Signature: {'0' * 64}\r\n"
            f"Content-Length: {length}\r\n\r\n")
    writer.write(head.encode() + first)
    await writer.drain()
    return reader, writer


def server_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.name.startswith(SERVER_LOGGERS) and r.levelno >= logging.WARNING]


async def test_clients_leaving_mid_body_cost_one_short_line_each(
    hooks: tuple[Runtime, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    _, urls = hooks
    clients = 25
    for url in urls.values():
        for _ in range(clients):
            _, writer = await open_post(url, 1000, b'{"type": "exp')
            writer.close()
            await writer.wait_closed()

    await eventually(lambda: _at_least(server_records(caplog), 2 * clients),
                     "the server to notice every client that left")

    records = server_records(caplog)
    assert len(records) == 2 * clients  # one line each, nothing else
    for record in records:
        assert record.exc_info is None and "\n" not in record.getMessage()
        assert "went away" in record.getMessage()
        assert urls["export"].rsplit("/", 1)[1] not in record.getMessage()  # the secret
    assert "Traceback" not in caplog.text


async def _at_least(records: list[logging.LogRecord], n: int) -> bool:
    return len(records) >= n


@pytest.mark.parametrize("hook", ["export", "push"])
async def test_a_body_that_never_finishes_is_cut_off_by_the_deadline(
    workspace: WorkspaceServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, hook: str
) -> None:
    async with served(workspace, tmp_path, server_body_timeout=0.3) as (_, urls):
        stalled_reader, stalled = await open_post(urls[hook], 1000, b'{"type"')
        trickle_reader, trickle = await open_post(urls[hook], 1000, b"{")

        async def trickle_until_answered() -> bytes:
            # A byte at a time, each well inside any per-read timeout, until the server
            # answers and closes: only a deadline on the whole body stops this client.
            answer = b""
            while not trickle_reader.at_eof():
                if not trickle.is_closing():
                    trickle.write(b" ")
                try:
                    answer += await asyncio.wait_for(trickle_reader.read(4096), 0.02)
                except TimeoutError:
                    continue
                except ConnectionError:
                    break
            return answer

        async with asyncio.timeout(60):  # a safety net; the server's 0.3 s decides
            stalled_answer = await stalled_reader.read()  # until the server closes
            trickled_answer = await trickle_until_answered()
        stalled.close()
        trickle.close()

    for answer in (stalled_answer, trickled_answer):
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
        assert b"request body not received in time" in answer
    lines = [r.getMessage() for r in server_records(caplog)]
    assert len(lines) == 2 and all("refused (408)" in line for line in lines)
    assert "Traceback" not in caplog.text


async def test_a_request_head_that_never_finishes_is_cut_off_too(
    workspace: WorkspaceServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with served(workspace, tmp_path, server_body_timeout=0.3) as (_, urls):
        parts = urlsplit(urls["push"])
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n".encode())
        answer = b""
        async with asyncio.timeout(60):  # a safety net; the server's 0.3 s decides
            while not reader.at_eof():  # a header line at a time, the head never ended
                if not writer.is_closing():
                    writer.write(b"X-Slow: 1\r\n")
                try:
                    answer += await asyncio.wait_for(reader.read(4096), 0.02)
                except TimeoutError:
                    continue
                except ConnectionError:
                    break
        writer.close()

    assert answer == b""  # closed without a request to answer
    lines = [r.getMessage() for r in server_records(caplog)]
    assert len(lines) == 1 and "no whole request head" in lines[0], lines


DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_SMALL = b"[" * 30_000 + b"]" * 30_000  # inside the export webhook's 64 KiB cap


def push_body(stamp: str, extra: bytes = b"") -> bytes:
    # An event the runner ignores once accepted: only the intake's checks are probed.
    return (b'{"type": "message", "event": "new", "id": 1, "chat_id": 1,'
            b' "webhook_timestamp": ' + stamp.encode() + extra + b"}")


def export_body(extra: bytes) -> bytes:
    return (b'{"type": "export", "event": "ready", "export_id": 77,'
            b' "created_at": "2026-11-20T06:00:00.000Z"' + extra + b"}")


PUSH_CASES = {
    "NaN": push_body("NaN"),
    "Infinity": push_body("Infinity"),
    "-Infinity": push_body("-Infinity"),
    "1e400": push_body("1e400"),  # valid JSON, read as infinity
    "400 digits": push_body("9" * 400),  # too large for a float
    "deep": push_body(str(int(time.time())), b', "x": ' + DEEP),
    "deep_top": DEEP,
}
EXPORT_CASES = {
    "NaN": export_body(b', "webhook_timestamp": NaN'),
    "Infinity": export_body(b', "webhook_timestamp": Infinity'),
    "deep": export_body(b', "x": ' + DEEP_SMALL),
}


async def test_non_json_numbers_and_deep_nesting_are_refused_with_400(
    hooks: tuple[Runtime, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    rt, urls = hooks
    answers: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        for name, body in PUSH_CASES.items():
            response = await http.post(urls["push"], content=body, headers=signed(body))
            answers["push " + name] = response.status_code
        for name, body in EXPORT_CASES.items():
            response = await http.post(urls["export"], content=body,
                                       headers={"Content-Type": "application/json"})
            answers["export " + name] = response.status_code
        # The same bodies with proper JSON are accepted: the refusals are about the values.
        fine = push_body(str(int(time.time())))
        assert (await http.post(urls["push"], content=fine, headers=signed(fine))
                ).status_code == 200

    assert answers == {name: 400 for name in answers}
    assert "Traceback" not in caplog.text
    chunks = await asyncio.to_thread(export_chunks, rt.state.sync, None)
    assert chunks == []  # no webhook was taken for an export
