"""The runner's two webhook endpoints refuse what Pachca did not send, and change nothing.

The bot's push endpoint (``bot.webhook_path``) and the export-ready webhook
(``/hooks/export/<secret>``) get unsigned, mis-signed, replayed, stale, oversized,
non-JSON and wrongly typed requests. Each is answered with a 4xx (a replay with 200 and
``duplicate``), and afterwards every table of the state store holds exactly what it held
before, and the workspace received no request at all: nothing was acted on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from runner import app
from runner.bot import service
from runner.bot.push import MAX_PUSH_BODY
from runner.kinds.export.hub import webhook_url
from runner.kinds.export.kept import KEEP_AT_MOST
from runner.kinds.export.table import upsert_export_chunk
from runner.runtime import Runtime
from runner.server import MAX_BODY
from runner.server.secret import SERVER_JOB
from runner.state.schema import job_values, metadata
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.reliability.conftest import TALLY

SECRET = "whs-reliability-0123456789abcdef"
PATH = "/pachca/events"
CATALOGUE = f"""
timezone: Europe/Moscow
bot: {{events: push, webhook_path: {PATH}}}
jobs:
  history-export:
    kind: export
    schedule: "0 3 1 * *"
    period: {{start: 2026-10-01, end: 2026-10-31}}
"""


@dataclass
class Side:
    """The runner's server as the daemon runs it, and ways to see what changed."""

    ws: WorkspaceServer
    h: Harness
    rt: Runtime
    http: httpx.AsyncClient

    @property
    def push_url(self) -> str:
        """The bot's webhook."""
        return str(self.rt.server.url) + PATH

    async def export_url(self) -> str:
        """The export-ready webhook, with its secret path."""
        return str(await webhook_url(self.rt.server))

    def seen(self) -> tuple[dict[str, list[Any]], int]:
        """Every row of every table of the state store, and the workspace's request count
        (reads of the event history aside: with push, the bot side reads it in the
        background to catch up with what was pushed while it was down)."""
        engine = create_engine(f"sqlite:///{self.h.tmp / 'state.db'}")
        try:
            with engine.connect() as conn:
                rows = {t.name: sorted(map(repr, conn.execute(select(t))))
                        for t in metadata.sorted_tables}
        finally:
            engine.dispose()
        calls = [r for r in self.ws.workspace.log
                 if not (r["method"] == "GET" and r["path"].endswith("/webhooks/events"))]
        return rows, len(calls)


@pytest.fixture
async def side(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
               ) -> AsyncIterator[Side]:
    ws = fresh_workspace(conversations=6, channels=2, direct_chats=4, messages=100)
    h = Harness(ws, tmp_path)
    h.write_catalogue(CATALOGUE)
    settings = h.settings(webhook_secret=SECRET, token=ws.owner_token)
    async with (app.runtime(settings, h.catalogue(), server=True) as rt,
                service.started(settings, rt), httpx.AsyncClient(timeout=10) as http):
        yield Side(ws, h, rt, http)


def click(user_id: int, *, at: float | None = None, **extra: Any) -> bytes:
    """A button click as Pachca pushes it (its data was not signed by this runner)."""
    payload = {"type": "button", "event": "click", "data": "pr1.keep.1.0." + "x" * 22,
               "message_id": 1, "trigger_id": "t-1", "user_id": user_id, "chat_id": 1,
               "webhook_timestamp": int(time.time() if at is None else at), **extra}
    return json.dumps(payload).encode()


def signed(body: bytes, secret: str = SECRET, kind: str = "application/json"
           ) -> dict[str, str]:
    return {"Content-Type": kind,
            "Pachca-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def push_case(case: str, person: int) -> tuple[bytes, dict[str, str]]:
    """A request to the push endpoint that Pachca did not sign now, as ``case`` says."""
    body = click(person)
    if case == "unsigned":
        return body, {"Content-Type": "application/json"}
    if case == "signed_with_zeros":
        return body, {**signed(body), "Pachca-Signature": "0" * 64}
    if case == "signed_with_another_secret":
        return body, signed(body, "another-secret")
    if case == "signature_of_another_body":
        return body, signed(click(person + 1))
    if case == "signature_not_hex":
        return body, {**signed(body), "Pachca-Signature": "not-hex-" * 8}
    if case in ("stale", "from_the_future"):
        body = click(person, at=time.time() + (-600 if case == "stale" else 600))
        return body, signed(body)
    if case == "too_large_declared":
        body = click(person, padding="x" * MAX_PUSH_BODY)
        return body, signed(body)
    bodies = {"not_json": b"type=button&event=click", "json_array": b"[1, 2]",
              "json_string": b'"click"', "not_utf8": b"\xff\xfe{}",
              "no_timestamp": b'{"type": "button", "event": "click"}',
              "timestamp_as_text": json.dumps({"type": "button", "event": "click",
                                               "webhook_timestamp": str(int(time.time()))}
                                              ).encode(),
              "timestamp_as_bool": b'{"type": "button", "event": "click",'
                                   b' "webhook_timestamp": true}',
              "empty": b""}
    if case in bodies:
        return bodies[case], signed(bodies[case])
    kinds = {"text_plain": "text/plain", "form": "application/x-www-form-urlencoded",
             "no_content_type": ""}
    return body, signed(body, kind=kinds[case])


PUSH_CASES = {
    "unsigned": 401, "signed_with_zeros": 401, "signed_with_another_secret": 401,
    "signature_of_another_body": 401, "signature_not_hex": 401, "stale": 400,
    "from_the_future": 400, "too_large_declared": 413, "not_json": 400, "json_array": 400,
    "json_string": 400, "not_utf8": 400, "no_timestamp": 400, "timestamp_as_text": 400,
    "timestamp_as_bool": 400, "empty": 400, "text_plain": 400, "form": 400,
    "no_content_type": 400,
}


async def test_the_push_endpoint_refuses_what_pachca_did_not_sign_now(side: Side) -> None:
    person = side.ws.store.limited_id
    before = side.seen()
    answers = {}
    for case in PUSH_CASES:
        body, headers = push_case(case, person)
        answers[case] = (await side.http.post(side.push_url, content=body,
                                              headers=headers)).status_code

    async def chunked() -> AsyncIterator[bytes]:  # too large, and no Content-Length
        big = click(person, padding="y" * MAX_PUSH_BODY)
        for i in range(0, len(big), 16384):
            yield big[i:i + 16384]

    answers["too_large_streamed"] = (await side.http.post(
        side.push_url, content=chunked(), headers={"Content-Type": "application/json",
                                                   "Pachca-Signature": "0" * 64})).status_code

    assert answers == {**PUSH_CASES, "too_large_streamed": 413}
    assert side.seen() == before  # no event claimed, no run, no message to anyone
    TALLY["webhook requests refused"] += len(answers)


async def test_a_replayed_push_is_acknowledged_and_not_handled_again(side: Side) -> None:
    body = click(side.ws.store.limited_id)
    first = await side.http.post(side.push_url, content=body, headers=signed(body))
    assert first.status_code == 200 and first.json() == {"status": "ok"}
    handled = side.seen()  # the click was claimed, and its clicker told it was refused

    replay = await side.http.post(side.push_url, content=body, headers=signed(body))

    assert replay.status_code == 200 and replay.json() == {"status": "duplicate"}
    assert side.seen() == handled
    TALLY["webhook requests refused"] += 1


async def _requested(side: Side) -> None:
    """The export job's chunk waits for Pachca's ready webhook."""
    state = side.rt.state.sync
    upsert_export_chunk(state, "history-export", date(2026, 10, 1), date(2026, 10, 31),
                              status="requested", requested_at=datetime.now(UTC))


def _ready(export_id: Any = 22301, **extra: Any) -> bytes:
    return json.dumps({"type": "export", "event": "ready", "export_id": export_id,
                       "created_at": "2026-11-20T06:00:00.000Z", **extra}).encode()


async def test_the_export_webhook_refuses_what_is_not_pachcas_ready_event(side: Side) -> None:
    await _requested(side)
    url = await side.export_url()
    json_type = {"Content-Type": "application/json"}
    cases: dict[str, tuple[str, bytes, dict[str, str], int]] = {
        "no_secret": (url.rsplit("/", 1)[0] + "/", _ready(), json_type, 404),
        "wrong_secret": (url + "x", _ready(), json_type, 404),
        "guessed_secret": (url.rsplit("/", 1)[0] + "/export", _ready(), json_type, 404),
        "too_large": (url, _ready(padding="x" * MAX_BODY), json_type, 413),
        "not_json": (url, b"export_id=22301", json_type, 400),
        "form": (url, b"export_id=22301", {"Content-Type": "application/x-www-form-urlencoded"},
                 400),
        "text_plain": (url, _ready(), {"Content-Type": "text/plain"}, 400),
        "no_content_type": (url, _ready(), {}, 400),
        "another_event": (url, _ready(type="message", event="new"), json_type, 400),
        "id_as_text": (url, _ready(export_id="22301"), json_type, 400),
        "id_negative": (url, _ready(export_id=-5), json_type, 400),
        "id_missing": (url, b'{"type": "export", "event": "ready"}', json_type, 400),
        "json_array": (url, b"[22301]", json_type, 400),
        "not_utf8": (url, b"\xff\xfe", json_type, 400),
    }
    before = side.seen()
    answers = {}
    for case, (to, body, headers, _) in cases.items():
        answers[case] = (await side.http.post(to, content=body, headers=headers)).status_code

    assert answers == {case: status for case, (_, _, _, status) in cases.items()}
    assert side.seen() == before  # the chunk still waits for its own webhook
    TALLY["webhook requests refused"] += len(answers)


async def test_a_replayed_or_stale_export_webhook_changes_nothing(side: Side) -> None:
    await _requested(side)
    url = await side.export_url()
    first = await side.http.post(url, content=_ready(), headers={"Content-Type":
                                                                 "application/json"})
    assert first.json() == {"status": "accepted"}
    accepted = side.seen()

    replay = await side.http.post(url, content=_ready(), headers={"Content-Type":
                                                                  "application/json"})
    stale = await side.http.post(url, content=_ready(export_id=1), headers={"Content-Type":
                                                                            "application/json"})

    assert replay.json() == {"status": "duplicate"}
    # The chunk's archive is not checked yet: should it prove another request's, this
    # may be the chunk's own webhook (Pachca sends each once), so it is kept, and no
    # export chunk changes. What is kept stays bounded, whatever junk arrives.
    assert stale.json() == {"status": "kept"}
    for junk in range(2, 2 + 3 * KEEP_AT_MOST):
        more = await side.http.post(url, content=_ready(export_id=junk),
                                    headers={"Content-Type": "application/json"})
        assert more.json() == {"status": "kept"}
    rows, requests = side.seen()
    assert requests == accepted[1]
    assert _besides_values(rows) == _besides_values(accepted[0])
    kept = await side.rt.state.values.get(SERVER_JOB, "kept_exports")
    assert [i for i, _, _ in kept] == list(range(2 + 2 * KEEP_AT_MOST, 2 + 3 * KEEP_AT_MOST))

    # Nothing requested, nothing being checked: acknowledged, ignored, nothing kept.
    upsert_export_chunk(side.rt.state.sync, "history-export", date(2026, 10, 1),
                        date(2026, 10, 31), status="downloaded")
    downloaded = side.seen()
    lone = await side.http.post(url, content=_ready(export_id=424242),
                                headers={"Content-Type": "application/json"})
    assert lone.json() == {"status": "unmatched"}
    assert side.seen() == downloaded
    TALLY["webhook requests refused"] += 3 + 3 * KEEP_AT_MOST


def _besides_values(rows: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {table: r for table, r in rows.items() if table != job_values.name}
