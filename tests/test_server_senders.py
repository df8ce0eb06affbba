"""Webhooks only from the senders the settings accept, over real sockets on loopback.

The test client always connects from 127.0.0.1, so "refused" is a setting that leaves
loopback out, and a forwarded sender is one a trusted (or untrusted) proxy names in
X-Forwarded-For. The export-ready webhook is the probe: a refused one must leave its
chunk as it was.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner import app
from runner.addresses import webhook_senders
from runner.errors import SettingsError
from runner.kinds.export.hub import webhook_url
from runner.kinds.export.table import export_chunks, upsert_export_chunk
from runner.runtime import Runtime
from runner.server import RunnerServer
from runner.settings import OFFICIAL_BASE_URL, load_settings
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.test_server import CATALOGUE, END, START, ready

PACHCA = "37.200.70.177"

@asynccontextmanager
async def served(workspace: WorkspaceServer, tmp_path: Path, **settings: Any
                 ) -> AsyncIterator[tuple[Runtime, RunnerServer]]:
    """The runner's server with ``settings``, and a chunk waiting for its webhook."""
    harness = Harness(workspace, tmp_path)
    harness.write_catalogue(CATALOGUE)
    async with app.runtime(harness.settings(**settings), harness.catalogue(),
                           server=True) as rt:
        await asyncio.to_thread(upsert_export_chunk, rt.state.sync, "exp", START, END,
                                status="requested",
                                requested_at=datetime(2026, 11, 20, 6, tzinfo=UTC))
        server = rt.server
        assert isinstance(server, RunnerServer)
        yield rt, server


async def deliver(server: RunnerServer, headers: dict[str, str] | None = None
                  ) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10.0) as http:
        return await http.post(await webhook_url(server), json=ready(), headers=headers)


async def chunk_status(rt: Runtime) -> tuple[str, int | None]:
    [chunk] = await asyncio.to_thread(export_chunks, rt.state.sync, "exp")
    return chunk.status, chunk.export_id


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "runner.server" and r.levelno == logging.WARNING]


async def test_a_sender_the_setting_leaves_out_is_refused_before_the_body_is_read(
    workspace: WorkspaceServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with served(workspace, tmp_path, webhook_senders=PACHCA) as (rt, server):
        hook = await webhook_url(server)
        refused = await deliver(server)
        status = await chunk_status(rt)
        async with httpx.AsyncClient(timeout=10.0) as http:  # people's pages stay open
            health = await http.get(server.url + "/healthz")
            metrics = await http.get(server.url + "/metrics")
            front = await http.get(server.url + "/")  # a page: the console's, when on
            posted = await http.post(server.url + "/", json=ready())  # the bot's path may be /

    assert refused.status_code == 403 and refused.json() == {"error": "sender not allowed"}
    assert refused.headers["connection"] == "close"
    assert status == ("requested", None)  # the webhook changed nothing
    assert (health.status_code, metrics.status_code) == (200, 200)
    assert (front.status_code, posted.status_code) == (404, 403)
    line, _ = refusals(caplog)
    assert "127.0.0.1" in line and PACHCA in line
    assert "PACHCA_RUNNER_WEBHOOK_SENDERS" in line and "PACHCA_RUNNER_TRUSTED_PROXIES" in line
    assert hook.rsplit("/", 1)[-1] not in line  # never the hook's secret path segment
    assert any(f"webhooks accepted from {PACHCA} (set in PACHCA_RUNNER_WEBHOOK_SENDERS)"
               in r.getMessage() for r in caplog.records)


async def test_the_refusal_is_logged_in_russian_under_lang_ru(
    workspace: WorkspaceServer, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")
    async with served(workspace, tmp_path, webhook_senders="192.0.2.0/24") as (_, server):
        hook = await webhook_url(server)
        refused = await deliver(server)

    assert refused.status_code == 403
    [line] = refusals(caplog)
    assert line.startswith("вебхук с адреса 127.0.0.1 отклонён (403): вебхуки принимаются"
                           " только с 192.0.2.0/24")
    assert "PACHCA_RUNNER_WEBHOOK_SENDERS" in line
    assert hook.rsplit("/", 1)[-1] not in line


@pytest.mark.parametrize("senders", ["127.0.0.1", "10.1.2.3, 127.0.0.0/8", "any"])
async def test_a_sender_the_setting_includes_is_accepted(
    workspace: WorkspaceServer, tmp_path: Path, senders: str
) -> None:
    async with served(workspace, tmp_path, webhook_senders=senders) as (rt, server):
        accepted = await deliver(server)
        status = await chunk_status(rt)

    assert (accepted.status_code, accepted.json()) == (200, {"status": "accepted"})
    assert status == ("ready", 77)


async def test_by_default_the_embedded_workspace_on_loopback_is_accepted(
    workspace: WorkspaceServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with served(workspace, tmp_path) as (rt, server):
        accepted = await deliver(server)
        status = await chunk_status(rt)

    assert accepted.status_code == 200 and status == ("ready", 77)
    assert any("webhooks accepted from 127.0.0.0/8, ::1 (the API is on loopback"
               in r.getMessage() for r in caplog.records)


async def test_a_trusted_proxy_names_the_sender_and_only_its_own_entry_counts(
    workspace: WorkspaceServer, tmp_path: Path
) -> None:
    async with served(workspace, tmp_path, webhook_senders=PACHCA,
                      trusted_proxies="127.0.0.1") as (rt, server):
        bare = await deliver(server)  # the proxy itself is not Pachca
        # A stranger writes Pachca's address in the header; the proxy appends the
        # stranger's own: the nearest entry is the stranger's.
        spoofed = await deliver(server, {"X-Forwarded-For": f"{PACHCA}, 203.0.113.9"})
        unchanged = await chunk_status(rt)
        forwarded = await deliver(server, {"X-Forwarded-For": PACHCA})
        status = await chunk_status(rt)

    assert bare.status_code == 403 and spoofed.status_code == 403
    assert unchanged == ("requested", None)
    assert forwarded.status_code == 200 and status == ("ready", 77)


@pytest.mark.parametrize("proxies", [None, "192.0.2.7"])  # no proxy trusted, another one
async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(
    workspace: WorkspaceServer, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    proxies: str | None
) -> None:
    async with served(workspace, tmp_path, webhook_senders=PACHCA,
                      trusted_proxies=proxies) as (rt, server):
        refused = await deliver(server, {"X-Forwarded-For": PACHCA})
        status = await chunk_status(rt)

    assert refused.status_code == 403 and status == ("requested", None)
    [line] = refusals(caplog)
    assert line.startswith("webhook from 127.0.0.1 refused"), line


async def test_the_default_follows_the_api_the_runner_talks_to() -> None:
    pachca = await webhook_senders(None, OFFICIAL_BASE_URL)
    # The guide's address and the two the newer reference on webhook events adds.
    assert str(pachca) == f"{PACHCA}, 185.209.115.174, 135.106.159.61"
    assert pachca.origin == "pachca"
    assert pachca.allows(PACHCA) and pachca.allows(f"::ffff:{PACHCA}")
    assert pachca.allows("185.209.115.174") and pachca.allows("135.106.159.61")
    assert not pachca.allows("185.209.115.175")
    assert not pachca.allows("127.0.0.1") and not pachca.allows(None)

    loopback = await webhook_senders(None, "http://localhost:8000/api/shared/v1")
    assert loopback.allows("127.0.0.1") and loopback.allows("::1")
    assert not loopback.allows(PACHCA)

    elsewhere = await webhook_senders(None, "http://192.0.2.10:8000/api/shared/v1")
    assert elsewhere.allows("192.0.2.10") and not elsewhere.allows(PACHCA)

    given = await webhook_senders("10.0.0.0/8", OFFICIAL_BASE_URL)  # the setting wins
    assert given.allows("10.9.8.7") and not given.allows(PACHCA)
    assert (await webhook_senders("ANY", OFFICIAL_BASE_URL)).allows("198.51.100.1")


@pytest.mark.parametrize(("setting", "value", "expected"), [
    ("webhook_senders", "37.200.70", "'37.200.70' is not an IP address or network"),
    ("webhook_senders", "37.200.70.177;10.0.0.1", "item 1 is not an IP address"),
    ("webhook_senders", "any, 37.200.70.177", "'any' turns the check off"),
    ("webhook_senders", "37.200.70.177,,10.0.0.1", "item 2 is empty"),
    ("trusted_proxies", "*", "believing X-Forwarded-For from anyone"),
    ("trusted_proxies", "any", "believing X-Forwarded-For from anyone"),
    ("trusted_proxies", "proxy.internal", "item 1 is not an IP address"),
])
def test_a_wrong_list_stops_the_start_with_one_line_naming_the_setting(
    setting: str, value: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**{setting: value})

    message = str(caught.value)
    assert message.startswith(f"PACHCA_RUNNER_{setting.upper()}: {expected}"), message
    assert "\n" not in message and message.endswith("fix it in the environment or in .env")


def test_a_wrong_list_is_explained_in_russian_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")
    with pytest.raises(SettingsError) as caught:
        load_settings(webhook_senders="37.200.70")

    assert str(caught.value) == (
        "PACHCA_RUNNER_WEBHOOK_SENDERS: '37.200.70' — не IP-адрес и не сеть (например,"
        " 37.200.70.177 или 10.0.0.0/8); несколько разделяйте запятыми — исправьте в"
        " окружении или в .env")


async def test_a_network_is_read_as_nginx_reads_it() -> None:
    settings = load_settings(webhook_senders=" 10.0.0.1/8 , 2001:db8::/32 ")
    senders = await webhook_senders(settings.webhook_senders, OFFICIAL_BASE_URL)

    assert str(senders) == "10.0.0.0/8, 2001:db8::/32"
    assert senders.allows("10.200.0.1") and senders.allows("2001:db8::5")
    assert not senders.allows("11.0.0.1")
