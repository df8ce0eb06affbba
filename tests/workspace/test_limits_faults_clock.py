"""Rate limits (429 + Retry-After), injected faults, the clock, and seeding speed."""

from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx

from runner.workspace import WorkspaceConfig
from runner.workspace.clock import Clock
from runner.workspace.ratelimit import RateLimiter
from runner.workspace.seed import seed_store
from runner.workspace.store import Store
from tests.waiting import wait_for

from .helpers import Factory, client, control


class FakeTime:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_message_write_buckets_per_chat() -> None:
    fake = FakeTime()
    limiter = RateLimiter(lambda: 1.0, lambda: 1.0, clock=fake)
    # Peak bucket: 30 at once, then refused with an integer Retry-After of at least 1 s.
    assert all(limiter.check("t", "message_write", 1) == 0 for _ in range(30))
    assert limiter.check("t", "message_write", 1) == 1.0
    assert limiter.check("t", "message_write", 2) == 0, "another chat has its own buckets"
    # 30/s for about five seconds drains the sustained bucket (4/s, capacity 130).
    sent = 30
    for _ in range(50):
        fake.now += 0.1
        while limiter.check("t", "message_write", 1) == 0:
            sent += 1
    assert 140 <= sent <= 160
    fake.now += 1.0
    allowed = sum(limiter.check("t", "message_write", 1) == 0 for _ in range(10))
    assert allowed == 4, "then about 4 per second"


def test_events_bucket_and_speed_scaling() -> None:
    fake = FakeTime()
    limiter = RateLimiter(lambda: 1.0, lambda: 1.0, clock=fake)
    assert [limiter.check("t", "events") == 0 for _ in range(6)] == [True] * 5 + [False]
    fast = RateLimiter(lambda: 10.0, lambda: 1.0, clock=fake)
    for _ in range(10):
        fast.check("t", "message_read")
    assert fast.check("t", "message_read") == 0.1, "Retry-After is divided by speed"
    strict = RateLimiter(lambda: 1.0, lambda: 0.5, clock=fake)
    assert sum(strict.check("t", "other") == 0 for _ in range(60)) == 25


def test_hammering_message_reads_gets_429(fresh_workspace: Factory) -> None:
    server = fresh_workspace(speed=2, throttle=0.5)  # reads: 10/s, bursts of 5
    chat = next(
        c
        for c in server.store.chats.values()
        if server.store.is_member(c, server.store.owner_id) and not c.personal
    )
    with control(server) as ctl, client(server) as api:
        # A frozen clock: no time passes between the calls, however slow this machine is.
        assert ctl.post("/clock", json={"freeze": True}).json()["frozen"] is True
        statuses = []
        for _ in range(40):
            response = api.get("/messages", params={"chat_id": chat.id, "limit": 1})
            statuses.append(response.status_code)
            if response.status_code == 429:
                limited = response
        assert statuses == [200] * 5 + [429] * 35, "a burst of 5, then nothing"
        retry_after = float(limited.headers["retry-after"])
        assert 0 < retry_after <= 1.0
        assert limited.headers["content-type"].startswith("text/plain"), "Pachca: not JSON"
        # Honouring Retry-After is the behaviour under test: time passes on the clock.
        ctl.post("/clock", json={"advance": retry_after})
        assert api.get("/messages", params={"chat_id": chat.id, "limit": 1}).status_code == 200
        assert api.get("/users", params={"limit": 1}).status_code == 200, "other class unaffected"
        stats = ctl.get("/stats").json()
        assert stats["rate_limited"] == statuses.count(429)
        assert stats["by_class"]["message_read"] >= 40


def test_retry_after_is_whole_seconds_at_speed_1(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with control(server) as ctl, client(server, "bot") as api:
        ctl.post("/clock", json={"freeze": True})
        codes = [api.get("/webhooks/events").status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        response = api.get("/webhooks/events")
        assert response.headers["retry-after"].isdigit()
        wait = int(response.headers["retry-after"])
        assert wait >= 1
        assert api.get("/webhooks/events").status_code == 429, "no time has passed"
        ctl.post("/clock", json={"advance": wait})
        assert api.get("/webhooks/events").status_code == 200, "waiting Retry-After is enough"


def _outcomes(server_factory: Factory, n: int, **faults: float) -> list[str]:
    server = server_factory(rate_limits=False, seed=99, validate_openapi=None, **faults)
    outcomes = []
    with client(server) as api:
        for _ in range(n):
            try:
                response = api.get("/users", params={"limit": 1})
                outcomes.append(str(response.status_code))
            except (httpx.RemoteProtocolError, httpx.ReadError):
                outcomes.append("dropped")
    return outcomes


def test_faults_at_the_configured_rate_and_reproducible(fresh_workspace: Factory) -> None:
    outcomes = _outcomes(fresh_workspace, 300, error_rate=0.2, drop_rate=0.1)
    counts = Counter(outcomes)
    errors = counts["500"] + counts["502"] + counts["503"]
    assert 40 <= errors <= 80, counts
    assert 12 <= counts["dropped"] <= 45, counts
    assert counts["500"] and counts["502"] and counts["503"]
    assert outcomes == _outcomes(fresh_workspace, 300, error_rate=0.2, drop_rate=0.1), (
        "same seed, same faults"
    )


def test_forced_429_and_runtime_fault_changes(fresh_workspace: Factory) -> None:
    server = fresh_workspace(rate_limits=False, speed=10)
    with control(server) as ctl, client(server) as api:
        assert ctl.post("/faults", json={"burst_429_rate": 1.0}).status_code == 200
        response = api.get("/profile")
        assert response.status_code == 429
        assert 0.1 <= float(response.headers["retry-after"]) <= 0.5
        ctl.post("/faults", json={"burst_429_rate": 0.0})
        assert api.get("/profile").status_code == 200
        assert ctl.post("/faults", json={"seed": 3}).status_code == 400
        log = ctl.get("/requests", params={"since": 0}).json()
        assert [r["fault"] for r in log["requests"]] == ["burst_429", None]
        assert log["next"] == 2


def test_clock_advance_moves_created_at(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    chat = next(
        c
        for c in server.store.chats.values()
        if server.store.is_member(c, server.store.owner_id) and not c.archived
    )
    with control(server) as ctl, client(server) as api:
        before = datetime.fromisoformat(ctl.get("/clock").json()["now"])
        moved = ctl.post("/clock", json={"advance": 3 * 86400}).json()
        assert moved["offset_seconds"] >= 3 * 86400 - 1
        message = api.post(
            "/messages", json={"message": {"entity_id": chat.id, "content": "Через три дня"}}
        )
        created = datetime.fromisoformat(message.json()["data"]["created_at"])
        assert timedelta(days=3) <= created - before < timedelta(days=3, minutes=1)
        recent = api.get(
            "/chats",
            params={
                "last_message_at_after": (before + timedelta(days=2)).strftime(
                    "%Y-%m-%dT%H:%M:%S.000Z"
                )
            },
        ).json()["data"]
        assert [c["id"] for c in recent] == [chat.id]
        ctl.post("/clock", json={"now": "2030-01-01T00:00:00.000Z"})
        assert ctl.get("/clock").json()["now"].startswith("2030-01-01T00:00:0")


def test_a_frozen_clock_moves_only_when_told(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with control(server) as ctl:
        assert ctl.get("/clock").json()["frozen"] is False
        frozen = ctl.post("/clock", json={"freeze": True}).json()
        assert frozen["frozen"] is True
        assert ctl.get("/clock").json()["now"] == frozen["now"]
        moved = ctl.post("/clock", json={"advance": 1.5}).json()
        later = datetime.fromisoformat(moved["now"]) - datetime.fromisoformat(frozen["now"])
        assert later == timedelta(seconds=1.5) and ctl.get("/clock").json()["now"] == moved["now"]
        released = ctl.post("/clock", json={"freeze": False}).json()
        assert released["frozen"] is False and released["now"] >= moved["now"]
        assert ctl.post("/clock", json={"freeze": "yes"}).status_code == 400
        assert ctl.post("/clock", json={}).status_code == 400


def test_seeding_ten_thousand_chats_keeps_last_message_at_and_is_not_pathological() -> None:
    config = WorkspaceConfig(
        users=1000, conversations=6000, channels=500, direct_chats=3500, messages=20_000
    )
    started = time.process_time()  # CPU time: other processes on the box do not count
    store = Store(Clock(), random.Random(1))
    seed_store(store, config)
    # Only a guard against a quadratic slip (~0.4 s of CPU today): how fast seeding is
    # belongs to the benchmarks, not to a test that a slower machine would fail.
    assert time.process_time() - started < 30.0
    threads = [c for c in store.chats.values() if c.thread_id is not None]  # and comments:
    comments = sum(len(store.chat_messages[c.id]) for c in threads)
    assert len(store.chats) - len(threads) == 10_000
    assert len(store.messages) - comments == 20_000
    for chat in store.chats.values():
        keys = store.chat_messages[chat.id]
        if keys:
            newest = store.messages[keys[-1][0]]
            assert newest.created_ms == chat.last_message_ms > chat.created_ms
        else:
            assert chat.last_message_ms == chat.created_ms


def test_the_gate_holds_the_write_after_a_count_until_released(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with control(server) as ctl, client(server) as api, ThreadPoolExecutor(1) as pool:
        made = ctl.post("/chats", json={"user_id": server.store.owner_id,
                                        "chats": [{"name": "Шлюз"}]})
        body = {"message": {"entity_id": made.json()["data"][0]["id"], "content": "Через шлюз"}}
        assert ctl.post("/hold", json={"after_writes": 1}).json()["armed"] is True
        assert api.post("/messages", json=body).status_code == 201
        assert api.get("/profile").status_code == 200, "reads are never held"
        held = pool.submit(api.post, "/messages", json=body)
        wait_for(lambda: ctl.get("/hold").json()["held"], what="the second write held")
        assert not held.done() and ctl.get("/stats").json()["by_class"]["message_write"] == 1
        ctl.post("/hold", json={"release": "pass"})
        assert held.result(timeout=10).status_code == 201
        assert ctl.get("/hold").json() == {"armed": False, "passed": 1, "held": False}

        ctl.post("/hold", json={"after_writes": 0})
        dropped = pool.submit(api.post, "/messages", json=body)
        wait_for(lambda: ctl.get("/hold").json()["held"], what="the write held")
        ctl.post("/hold", json={"release": "drop"})
        assert dropped.result(timeout=10).status_code == 503
        assert ctl.get("/stats").json()["by_class"]["message_write"] == 2, "never reached it"
        assert api.post("/messages", json=body).status_code == 201, "the gate is spent"
        assert ctl.post("/hold", json={"release": "later"}).status_code == 400


def test_the_gate_armed_for_one_chat_lets_other_chats_writes_pass(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with control(server) as ctl, client(server) as api, ThreadPoolExecutor(1) as pool:
        made = ctl.post("/chats", json={"user_id": server.store.owner_id,
                                        "chats": [{"name": "Первый"}, {"name": "Второй"}]})
        first, second = (c["id"] for c in made.json()["data"])

        def post(chat: int, text: str) -> httpx.Response:
            return api.post("/messages", json={"message": {"entity_id": chat, "content": text}})

        ctl.post("/hold", json={"after_writes": 1, "chat_id": second})
        assert post(first, "Мимо шлюза").status_code == 201, "another chat's write: not counted"
        assert post(second, "Первое во второй").status_code == 201
        assert post(first, "Снова мимо").status_code == 201
        held = pool.submit(post, second, "Второе во второй")
        wait_for(lambda: ctl.get("/hold").json()["held"], what="the second write to chat 2")
        state = ctl.get("/hold").json()
        assert state["passed"] == 1 and state["request"]["method"] == "POST"
        assert state["request"]["body"]["message"]["content"] == "Второе во второй"
        assert post(first, "Пока держат").status_code == 201, "the others still pass"
        ctl.post("/hold", json={"release": "pass"})
        assert held.result(timeout=10).status_code == 201
        assert "request" not in ctl.get("/hold").json()
        assert ctl.post("/hold", json={"after_writes": 0, "chat_id": "второй"}).status_code == 400
