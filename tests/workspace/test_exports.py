"""Exports end to end: 204, the ready webhook, the 302, the archive; and the 422s."""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.waiting import wait_for

from .helpers import Factory, client, control


class Receiver:
    """A tiny webhook receiver on loopback that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        bodies: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.bodies = bodies
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/export"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


def test_export_end_to_end(fresh_workspace: Factory, receiver: Receiver) -> None:
    server = fresh_workspace(export_delay=0.05, export_webhook_duplicates=True)
    store = server.store
    today = store.clock.now().date()
    start = today - timedelta(days=10)
    with client(server) as api:
        unfinished = {"start_at": start.isoformat(), "end_at": today.isoformat(),
                      "webhook_url": receiver.url}
        refused = api.post("/chats/exports", json=unfinished)
        assert refused.status_code == 422, "today (UTC) has not ended: its tail would be lost"
        assert refused.json()["errors"][0]["key"] == "end_at"
        today -= timedelta(days=1)
        response = api.post(
            "/chats/exports",
            json={
                "start_at": start.isoformat(),
                "end_at": today.isoformat(),
                "webhook_url": receiver.url,
            },
        )
        assert response.status_code == 204 and response.content == b""
        wait_for(lambda: len(receiver.bodies) >= 2)
        first, duplicate = receiver.bodies[:2]
        assert first == duplicate, "the same webhook may arrive twice"
        assert first["type"] == "export" and first["event"] == "ready"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["created_at"])
        redirect = api.get(f"/chats/exports/{first['export_id']}")
        assert redirect.status_code == 302
        location = redirect.headers["location"]
        assert location.startswith(server.root_url + "/_workspace/downloads/")
        archive = httpx.get(location, trust_env=False)
        assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    files = zipfile.ZipFile(io.BytesIO(archive.content))
    chats = json.loads(files.read("chats.json"))
    by_id = {c["id"]: c for c in chats}
    day_files = [n for n in names if n != "chats.json"]
    assert day_files
    for name in day_files:
        folder, day_json = name.split("/")
        chat_id = int(folder.rsplit("_", 1)[1])
        assert folder == f"{by_id[chat_id]['name']}_{chat_id}".replace("/", "_")
        day = day_json.removesuffix(".json")
        assert start.isoformat() <= day <= today.isoformat()
        messages = json.loads(files.read(name))
        assert messages and all(m["created_at"].startswith(day) for m in messages)
        assert all(m["chat_id"] == chat_id for m in messages)
        if by_id[chat_id]["personal"]:
            assert all(m["content"] == "" for m in messages), "direct chats: no content"
    expected = {
        m.id
        for m in store.messages.values()
        if start.isoformat() <= m.to_json()["created_at"][:10] <= today.isoformat()
    }
    exported = {m["id"] for n in day_files for m in json.loads(files.read(n))}
    assert exported == expected


def test_export_only_by_owner_and_unknown_id(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    body = {"start_at": "2025-01-01", "end_at": "2025-01-02", "webhook_url": "http://127.0.0.1:9/x"}
    with client(server, "bot") as api:
        assert api.post("/chats/exports", json=body).status_code == 403
        assert api.get("/chats/exports/1").status_code == 403
    with client(server, "limited") as api:
        assert api.post("/chats/exports", json=body).status_code == 403
    with client(server) as api:
        missing = api.get("/chats/exports/424242")
        assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "not_found"


def test_export_validation(fresh_workspace: Factory, receiver: Receiver) -> None:
    server = fresh_workspace(export_delay=60)
    chat_ids = sorted(server.store.chats)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"start_at": "2025-02-10", "end_at": "2025-02-01"}, "invalid_date_range"),
        ({"start_at": "2025-01-01", "end_at": "2025-02-15"}, "invalid_date_range"),
        (
            {"start_at": "2025-01-01", "end_at": "2026-01-02", "chat_ids": chat_ids[:3]},
            "invalid_date_range",
        ),
        ({"start_at": "2025-01-01", "end_at": "2025-01-02", "chat_ids": chat_ids[:51]}, "too_long"),
        ({"start_at": "2025-01-01", "end_at": "2025-01-02", "webhook_url": ""}, "required"),
        (
            {"start_at": "2025-01-01", "end_at": "2025-01-02", "webhook_url": "ftp://x"},
            "invalid_webhook_url",
        ),
    ]
    with client(server) as api:
        for extra, code in cases:
            body = {"webhook_url": receiver.url, **extra}
            response = api.post("/chats/exports", json=body)
            assert response.status_code == 422, (extra, response.text)
            assert response.json()["errors"][0]["code"] == code, extra
        missing_url = api.post(
            "/chats/exports", json={"start_at": "2025-01-01", "end_at": "2025-01-02"}
        )
        assert missing_url.status_code == 422
        ok = {"start_at": "2025-01-01", "end_at": "2025-02-14", "webhook_url": receiver.url}
        assert api.post("/chats/exports", json=ok).status_code == 204, "45 days is allowed"
        busy = api.post("/chats/exports", json=ok)
        assert busy.status_code == 422 and busy.json()["errors"][0]["code"] == "already_exists"
        long_ok = {**ok, "end_at": "2026-01-01", "chat_ids": chat_ids[:50]}
        assert api.post("/chats/exports", json=long_ok).status_code == 422, "still busy"
        not_ready = api.get(f"/chats/exports/{max(server.store.exports)}")
        assert not_ready.status_code == 404
    with control(server) as ctl:
        exports = ctl.get("/exports").json()["exports"]
        assert [e["status"] for e in exports] == ["pending"]


def test_held_webhooks_go_out_one_by_one_when_released(
    fresh_workspace: Factory, receiver: Receiver
) -> None:
    # Every webhook held: a test decides when each reaches the runner, by event, not clock.
    server = fresh_workspace(export_delay=0.05, export_webhook_duplicates=True,
                             export_webhooks_held_from=1)
    periods = [("2025-01-01", "2025-01-10"), ("2025-02-01", "2025-02-10"),
               ("2025-03-01", "2025-03-10")]
    with client(server) as api, control(server) as ctl:

        def request(start: str, end: str) -> dict[str, Any]:
            # One export at a time: the next is asked for once the last one's archive is
            # ready (its webhook waiting at the hold does not keep Pachca busy).
            body = {"start_at": start, "end_at": end, "webhook_url": receiver.url}
            assert api.post("/chats/exports", json=body).status_code == 204
            return wait_for(lambda: next((e for e in ctl.get("/exports").json()["exports"]
                                          if e["start_at"] == start and e["webhook_held"]),
                                         None), what=f"the webhook of {start} held")

        first, second = request(*periods[0]), request(*periods[1])
        assert receiver.bodies == [] and first["deliveries"] == second["deliveries"] == []

        released = ctl.post(f"/exports/{second['id']}/release")
        assert released.status_code == 200 and released.json()["webhook_released"]
        wait_for(lambda: len(receiver.bodies) == 2, what="the released webhook, twice")
        assert [b["export_id"] for b in receiver.bodies] == [second["id"]] * 2

        def exports() -> dict[int, dict[str, Any]]:
            return {e["id"]: e for e in ctl.get("/exports").json()["exports"]}

        # A delivery is recorded once the receiver's answer is back, after its body came.
        wait_for(lambda: len(exports()[second["id"]]["deliveries"]) == 2,
                 what="both deliveries of the released webhook recorded")
        now = exports()
        assert now[first["id"]]["webhook_held"] and now[first["id"]]["deliveries"] == []
        assert [d["status"] for d in now[second["id"]]["deliveries"]] == [200, 200]

        # Lifting the hold lets every held webhook go.
        ctl.post("/faults", json={"export_webhooks_held_from": 0}).raise_for_status()
        wait_for(lambda: len(receiver.bodies) == 4, what="the first webhook, twice")
        assert [b["export_id"] for b in receiver.bodies[2:]] == [first["id"]] * 2

        # Released at whatever stage it is (being built, or already held): it goes out.
        ctl.post("/faults", json={"export_webhooks_held_from": 1}).raise_for_status()
        body = {"start_at": periods[2][0], "end_at": periods[2][1], "webhook_url": receiver.url}
        assert api.post("/chats/exports", json=body).status_code == 204
        third = max(e["id"] for e in ctl.get("/exports").json()["exports"])
        assert ctl.post(f"/exports/{third}/release").status_code == 200
        wait_for(lambda: len(receiver.bodies) == 6, what="the third webhook, twice")
        assert [b["export_id"] for b in receiver.bodies[4:]] == [third] * 2

        missing = ctl.post("/exports/424242/release")
        assert missing.status_code == 404 and "424242" in missing.json()["error"]


def test_a_held_download_waits_at_the_door_until_let_through(
    fresh_workspace: Factory, receiver: Receiver
) -> None:
    # A test catches a runner mid-download this way (to let another webhook arrive then).
    server = fresh_workspace(export_delay=0.05)
    with client(server) as api, client(server) as fetcher, control(server) as ctl:
        body = {"start_at": "2025-01-01", "end_at": "2025-01-10", "webhook_url": receiver.url}
        assert api.post("/chats/exports", json=body).status_code == 204
        export = wait_for(lambda: next((e for e in ctl.get("/exports").json()["exports"]
                                        if e["status"] == "ready"), None), what="the archive")
        url = f"/exports/{export['id']}/download"
        held = ctl.post(url, json={"held": True})
        assert held.status_code == 200 and held.json()["download_held"]

        done = threading.Event()
        answers: list[httpx.Response] = []

        def fetch() -> None:
            answers.append(fetcher.get(f"/chats/exports/{export['id']}"))
            done.set()

        thread = threading.Thread(target=fetch)
        thread.start()
        wait_for(lambda: ctl.get("/exports").json()["exports"][0]["downloads_waiting"] == 1,
                 what="the download at the door")
        assert not done.is_set()  # the door holds until the test lets it through
        ctl.post(url, json={"held": False}).raise_for_status()
        thread.join()
        assert answers[0].status_code == 302
        assert ctl.get("/exports").json()["exports"][0]["downloads_waiting"] == 0

        assert ctl.post(url, json={"held": "yes"}).status_code == 400
        assert ctl.post(url, content=b"{").status_code == 400
        missing = ctl.post("/exports/424242/download", json={"held": True})
        assert missing.status_code == 404 and "424242" in missing.json()["error"]


def test_threads_of_direct_chats_are_not_exported(
    fresh_workspace: Factory, receiver: Receiver
) -> None:
    # Pachca's export guide: direct chats come without text, and their threads not at all.
    server = fresh_workspace(export_delay=0.05)
    store = server.store
    other = next(u.id for u in store.users.values()
                 if not u.bot and u.id not in (store.owner_id, store.limited_id))
    day = store.clock.now().date()
    with control(server) as ctl, client(server) as api:
        direct = ctl.post("/messages", json={"user_id": store.owner_id, "to_user_id": other,
                                             "content": "лично"}).json()["data"]
        thread = ctl.post("/threads", json={"user_id": other,
                                            "message_id": direct["id"]}).json()["data"]
        comment = ctl.post(f"/threads/{thread['id']}/messages", json={
            "user_id": other, "content": "тред в личке"}).json()["data"]
        ctl.post("/clock", json={"advance": 2 * 86_400})  # the day has ended in UTC
        asked = api.post("/chats/exports", json={"start_at": day.isoformat(),
                                                 "end_at": day.isoformat(),
                                                 "webhook_url": receiver.url})
        assert asked.status_code == 204
        ready = wait_for(lambda: receiver.bodies[:1], what="the export's webhook")[0]
        location = api.get(f"/chats/exports/{ready['export_id']}").headers["location"]
    files = zipfile.ZipFile(io.BytesIO(httpx.get(location, trust_env=False).content))
    exported = {m["id"]: m for n in files.namelist() if n != "chats.json"
                for m in json.loads(files.read(n))}
    assert exported[direct["id"]]["content"] == "", "the direct message: without text"
    assert comment["id"] not in exported
    assert thread["chat_id"] not in {c["id"] for c in json.loads(files.read("chats.json"))}
