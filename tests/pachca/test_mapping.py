"""Unit tests of single mappings in the API layer (httpx.MockTransport, no server).

Everything that needs a real socket (limits, retries across a network, pagination
against a real server, the 302 download) is in test_client.py, over HTTP.
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from pydantic import SecretStr

from runner import errors
from runner.errors import ReadOnlyViolation
from runner.pachca.answers import parse_retry_after
from runner.pachca.client import PachcaClient, api_time
from runner.pachca.limits import RateLimits, RetryPolicy

TOKEN = "sekret-token-0123456789"


def client_for(handler, **kwargs) -> PachcaClient:
    return PachcaClient(
        "https://api.test/api/shared/v1",
        SecretStr(TOKEN),
        transport=httpx.MockTransport(handler),
        limits=RateLimits(enabled=False),
        retry=RetryPolicy(backoff_base=0.001, **kwargs),
    )


@pytest.mark.parametrize(
    ("status", "body", "cls", "words"),
    [
        (401, {"error": "invalid_token", "error_description": "Token expired"},
         errors.TokenRejected, ["token rejected", "Token expired", "PACHCA_TOKEN"]),
        (403, {"error": "insufficient_scope", "error_description": "needs chats:archive"},
         errors.PermissionDenied, ["lacks the scope", "needs chats:archive"]),
        (404, {"errors": [{"key": "id", "value": "9", "message": "Chat not found",
                           "code": "not_found", "payload": None}]},
         errors.NotFound, ["404", "id: Chat not found"]),
        (422, {"errors": [{"key": "end_at", "value": None, "message": "period too long",
                           "code": "invalid_date_range", "payload": None}]},
         errors.ValidationFailed, ["422", "end_at: period too long"]),
    ],
)
async def test_error_statuses_map_to_errors_with_the_servers_words(status, body, cls, words):
    client = client_for(lambda request: httpx.Response(status, json=body))
    with pytest.raises(cls) as info:
        await client.get_chat(9)
    text = str(info.value)
    assert info.value.status == status
    assert info.value.method == "GET" and info.value.path == "/chats/9"
    for word in words:
        assert word in text
    await client.aclose()


async def test_api_error_items_are_kept():
    body = {"errors": [{"key": "name", "value": "", "message": "can't be blank",
                        "code": "blank", "payload": None}]}
    client = client_for(lambda request: httpx.Response(422, json=body))
    with pytest.raises(errors.ValidationFailed) as info:
        await client.create_chat("")
    assert info.value.items[0].code == "blank"
    await client.aclose()


async def test_token_is_sent_as_bearer_and_never_shown(caplog):
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers["Authorization"]
        return httpx.Response(500, text=f"boom {request.headers['Authorization']}")

    caplog.set_level(logging.DEBUG)
    client = client_for(handler, max_retries=1)
    with pytest.raises(errors.ServerError) as info:
        await client.get_chat(1)
    assert seen["auth"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(client)
    assert TOKEN not in caplog.text
    await client.aclose()


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0.25", 0.25), (None, 1.0), ("garbage", 1.0), ("-5", 0.0)],
)
def test_retry_after_parsing(header, expected):
    assert parse_retry_after(header) == expected


def test_retry_after_http_date_is_understood():
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") <= 0.0


async def test_read_only_view_refuses_writes_but_reads():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(200, json={"data": {"id": 1, "first_name": "A", "nickname": "a"}})

    client = client_for(handler)
    view = client.read_only_view()
    with pytest.raises(ReadOnlyViolation):
        await view.archive_chat(5)
    with pytest.raises(ReadOnlyViolation):
        await view.send_message(5, "hi")
    assert (await view.get_user(1)).id == 1
    assert calls == ["GET"]
    await client.aclose()


def test_api_time_is_utc_with_milliseconds():
    from datetime import datetime, timedelta, timezone

    moscow = timezone(timedelta(hours=3))
    assert api_time(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=moscow)) == (
        "2026-01-02T00:04:05.678Z"
    )
    with pytest.raises(ValueError):
        api_time(datetime(2026, 1, 2))


async def test_send_message_body_matches_the_api():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["body"] = json.loads(request.content)
        return httpx.Response(201, json={"data": {
            "id": 7, "entity_type": "user", "entity_id": 5, "chat_id": 40, "content": "x",
            "user_id": 2, "created_at": "2026-01-01T00:00:00.000Z"}})

    from runner.pachca.models import Button

    client = client_for(handler)
    message = await client.send_message(
        5, "Привет", entity_type="user", buttons=[[Button(text="Открыть", url="https://x")]]
    )
    assert message.chat_id == 40
    assert seen["body"] == {"message": {
        "entity_type": "user", "entity_id": 5, "content": "Привет",
        "buttons": [[{"text": "Открыть", "url": "https://x"}]]}}
    await client.aclose()
