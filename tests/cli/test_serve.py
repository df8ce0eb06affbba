"""``workspace serve`` serves the demo's workspace: the sample catalogue, pointed at it with
the variables it prints, runs every job with ``run-job`` (Pachca's permission rules on),
and the official SDK, given the printed tokens, reads it as it reads Pachca.
"""

from __future__ import annotations

import asyncio
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from pachca import models as M
from pachca.client import PachcaClient
from pachca.models import ApiError as SdkApiError
from pachca.models import OAuthError as SdkOAuthError

from runner.cli import main
from runner.demo import runner_variables
from runner.workspace.config import WorkspaceConfig
from runner.workspace.runtime import Workspace
from runner.workspace.validation import ContractChecker

REPO = Path(__file__).resolve().parents[2]


def _read_lines(stream: object, into: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        into.put(line)


def _printed(args: list[str], cwd: Path, *, timeout: float) -> Iterator[dict[str, str]]:
    """``python -m runner ARGS`` as a process, until it printed the runner's variables;
    they are yielded exactly as an operator would copy them (each line one shell line)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", "COLUMNS": "80"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True).start()
    variables: dict[str, str] = {}
    shown: list[str] = []
    deadline = time.monotonic() + timeout  # a failure guard only
    try:
        while "PACHCA_EXPORT_TOKEN" not in variables:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line.strip().startswith("export "):
                name, _, value = line.strip().removeprefix("export ").partition("=")
                variables[name] = value.split()[0]
                shown.append(line.strip())
        # each line whole, as pasted into a shell (a wrapped comment would be a command)
        info = {"base_url": variables["PACHCA_BASE_URL"], "tokens": {
            "bot": variables["PACHCA_TOKEN"], "owner": variables["PACHCA_EXPORT_TOKEN"]}}
        assert shown == [line.strip() for line in runner_variables(info)]
        yield variables
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``pachca-runner workspace serve --port 0`` as a process; the variables it printed."""
    yield from _printed(["workspace", "serve", "--port", "0"], tmp_path, timeout=60)


def run_every_sample_job(variables: dict[str, str], folder: Path,
                         monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """``run-job`` for each job of the sample catalogue, in ``folder`` as an operator's
    folder (its state store is ./pachca-runner.db, the default); what went wrong, by job."""
    assert set(variables) == {"PACHCA_BASE_URL", "PACHCA_TOKEN", "PACHCA_EXPORT_TOKEN"}
    shutil.copy(REPO / "jobs.yaml", folder / "jobs.yaml")
    monkeypatch.chdir(folder)  # jobs.yaml, the state store and ./exports are found here
    unset = {name: None for name in os.environ if name.startswith("PACHCA_")}
    # The export's webhook server: any free port, as tests run side by side.
    env = {**unset, **variables, "PACHCA_RUNNER_SERVER_PORT": "0"}
    jobs = yaml.safe_load((REPO / "jobs.yaml").read_text(encoding="utf-8"))["jobs"]
    assert len(jobs) >= 6
    wrong = {}
    for name in jobs:
        result = CliRunner().invoke(main, ["run-job", name], env=env, catch_exceptions=False)
        out = " ".join(result.output.split())
        # succeeded, and not by shrugging: no source that failed, no recipient left out
        if (result.exit_code != 0 or f"✓ {name} succeeded" not in out
                or "source_errors" in out or "cannot post" in out or "not_posted" in out):
            wrong[name] = result.output
    assert any((folder / "exports").iterdir()), "the export job downloaded its archive"
    return wrong


def test_the_sample_catalogue_runs_every_job_against_workspace_serve(
    served: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_every_sample_job(served, tmp_path, monkeypatch) == {}


def test_demo_keep_prints_the_variables_and_the_workspace_answers_with_them(
    tmp_path: Path
) -> None:
    for variables in _printed(["demo", "--keep"], tmp_path, timeout=300):
        assert set(variables) == {"PACHCA_BASE_URL", "PACHCA_TOKEN", "PACHCA_EXPORT_TOKEN"}
        for token in (variables["PACHCA_TOKEN"], variables["PACHCA_EXPORT_TOKEN"]):
            me = httpx.get(f"{variables['PACHCA_BASE_URL']}/profile",
                           headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
        bot = httpx.get(f"{variables['PACHCA_BASE_URL']}/profile",
                        headers={"Authorization": f"Bearer {variables['PACHCA_TOKEN']}"})
        assert bot.json()["data"]["bot"] is True


def test_the_official_sdk_works_against_workspace_serve_with_the_printed_tokens(
    served: dict[str, str], require_openapi: str
) -> None:
    """From outside, as a Pachca user would check the imitation: the official SDK with
    both printed tokens reads every answer, the rules refuse what Pachca refuses, and
    every exchange satisfies the spec."""
    store = Workspace(WorkspaceConfig()).store  # the same seed: who is outside which chat
    closed = next(c.id for c in store.chats.values() if not c.personal and not c.public
                  and not c.archived and not store.is_member(c, store.owner_id))
    checker = ContractChecker(require_openapi)
    base = served["PACHCA_BASE_URL"]

    async def check(response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        checker.check(
            method=request.method, path=request.url.path,
            query=list(request.url.params.multi_items()),
            headers=dict(request.headers), body=request.content or None,
            status=response.status_code, response_headers=list(response.headers.items()),
            response_body=response.content)

    def sdk(token: str) -> tuple[httpx.AsyncClient, PachcaClient]:
        http = httpx.AsyncClient(base_url=base, trust_env=False, event_hooks={
            "response": [check]}, headers={"Authorization": f"Bearer {token}"})
        return http, PachcaClient.from_client(http)

    async def probe() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        bot_http, bot = sdk(served["PACHCA_TOKEN"])
        owner_http, owner = sdk(served["PACHCA_EXPORT_TOKEN"])
        async with bot_http, owner_http:
            for name, api in (("bot", bot), ("owner", owner)):
                me = await api.oauth.get_token_info()
                chats = await api.chats.list_chats(M.ListChatsParams(limit=50))
                await api.chats.get_chat(chats.data[0].id)
                await api.members.list_members(chats.data[0].id, M.ListMembersParams(limit=50))
                await api.messages.list_chat_messages(M.ListChatMessagesParams(
                    chat_id=chats.data[0].id, limit=50))
                threads = await api.threads.list_threads(M.ListThreadsParams(limit=50))
                thread = await api.threads.get_thread(threads.data[0].id)
                await api.messages.list_chat_messages(M.ListChatMessagesParams(
                    chat_id=thread.chat_id, limit=50))
                await api.users.list_users(M.ListUsersParams(limit=50))
                seen[name] = me.user_id
            created = await bot.chats.create_chat(M.ChatCreateRequest(
                chat=M.ChatCreateRequestChat(name="Проверка SDK", member_ids=[seen["owner"]])))
            made = created.data
            posted = await bot.messages.create_message(M.MessageCreateRequest(
                message=M.MessageCreateRequestMessage(entity_id=made.id, content="Привет",
                                                      buttons=[[M.Button(text="Да",
                                                                         data="yes")]])))
            started = await bot.threads.create_thread(posted.id)
            comment = await bot.messages.create_message(M.MessageCreateRequest(
                message=M.MessageCreateRequestMessage(entity_type=M.MessageEntityType.THREAD,
                                                      entity_id=started.id, content="Тред")))
            seen["comment"] = (comment.chat_id, comment.root_chat_id, started.chat_id, made.id)
            await bot.messages.delete_message(posted.id)
            seen["deleted"] = await bot.messages.get_message(posted.id)
            hook = await bot.bots.self_update_bot_webhook(M.BotWebhookSelfUpdateRequest(
                webhook=M.BotWebhookSelfUpdateRequestWebhook(outgoing_url="https://r.example/h")))
            seen["hook"] = hook.webhook.outgoing_url
            await bot.bots.get_webhook_events(M.GetWebhookEventsParams(limit=50))
            seen["bot_settings"] = (await owner.bots.get_bot(seen["bot"])).webhook.outgoing_url
            for name, call in (
                ("bot reads its settings", bot.bots.get_bot(seen["bot"])),
                ("owner reads a closed chat", owner.chats.get_chat(closed)),
                ("owner unfurls", owner.messages.unfurl(comment.id, M.LinkPreviewsRequest(
                    link_previews={"https://r.example": M.LinkPreview(title="t", description="d")}))),
            ):
                try:
                    await call
                except (SdkApiError, SdkOAuthError) as exc:
                    seen[name] = exc
            await owner.members.list_members(closed, M.ListMembersParams(limit=50))
        return seen

    seen = asyncio.run(probe())
    assert seen["comment"][0] == seen["comment"][2] and seen["comment"][1] == seen["comment"][3]
    assert seen["deleted"].deleted_at is not None and seen["deleted"].content == ""
    assert seen["hook"] == seen["bot_settings"] == "https://r.example/h"
    assert isinstance(seen["bot reads its settings"], SdkOAuthError)  # bots:read: no bot scope
    for refused in ("owner reads a closed chat", "owner unfurls"):
        assert isinstance(seen[refused], SdkApiError), refused
        assert seen[refused].errors[0].code == M.ValidationErrorCode.NOT_AUTHORIZED
    assert checker.violations == []


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_serve_on_a_busy_port_says_so_in_one_line(lang: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["workspace", "serve", "--port", str(port)],
                                    env={"PACHCA_RUNNER_LANG": lang})
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert f"127.0.0.1:{port}" in line
    assert ("pass --port with a free port" if lang == "en" else "свободный порт в --port") in line
