"""What an outside strictness check probes, where the workspace used to be more lenient
than Pachca: error bodies a client must not take for JSON, headers a refusal carries,
field limits of the spec and its descriptions."""

from __future__ import annotations

from .helpers import Factory, client, control


def test_a_throttled_call_gets_plain_text_not_json(fresh_workspace: Factory) -> None:
    # Pachca's guide on errors: the frequency limit answers before the API is reached,
    # with a short text/plain body; a client must look at Content-Type before parsing.
    server = fresh_workspace()
    with control(server) as ctl, client(server, "bot") as api:
        ctl.post("/clock", json={"freeze": True})
        answers = [api.get("/webhooks/events", params={"limit": 1}) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    throttled = answers[-1]
    assert throttled.headers["content-type"].startswith("text/plain")
    assert int(throttled.headers["retry-after"]) >= 1
    assert throttled.text.strip() and not throttled.text.lstrip().startswith("{")


def test_a_forced_429_is_plain_text_too(fresh_workspace: Factory) -> None:
    server = fresh_workspace(burst_429_rate=1.0)
    with client(server) as api:
        answer = api.get("/users", params={"limit": 1})
    assert answer.status_code == 429
    assert answer.headers["content-type"].startswith("text/plain")
    assert float(answer.headers["retry-after"]) > 0


def test_a_missing_scope_is_named_in_www_authenticate(fresh_workspace: Factory) -> None:
    server = fresh_workspace()
    with client(server, "limited") as api:
        refused = api.post("/messages", json={"message": {"entity_id": 1, "content": "x"}})
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    header = refused.headers["www-authenticate"]
    assert header.startswith("Bearer ")
    assert 'error="insufficient_scope"' in header and 'scope="messages:create"' in header
