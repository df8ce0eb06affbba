"""The floor: the least time a scenario's necessary requests take under the enforced limits.

The workspace enforces the documented limits as token buckets (``runner.workspace.
ratelimit.BUCKETS``: per token and class, per chat for message writes), each starting
full, refilling at ``rate * speed`` per second. ``n`` requests through a bucket of
capacity ``C`` cannot finish before ``(n - C) / (rate * speed)`` seconds; buckets of
different classes (and chats) are independent, so the floor is the largest of those,
plus one request's latency: the last answer still has to come back.

The floor counts only the requests the work needs (listing pages, one archive per chat,
...), never the ones a client chose to add, so waste shows up in ``time / floor``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.procs import log_ms
from runner.workspace.ratelimit import BUCKETS

#: (call class, chat key or None) -> number of requests.
Need = Counter[tuple[str, Any]]


def floor_seconds(need: Need, speed: float, latency: float) -> tuple[float, str]:
    """The floor in seconds and the class that sets it."""
    best, which = 0.0, "latency"
    for (klass, _chat), n in need.items():
        t = max(max(0.0, n - cap) / (rate * speed) for rate, cap in BUCKETS[klass])
        if t > best:
            best, which = t, klass
    return best + latency, which


@dataclass
class Traffic:
    """What one contender sent, read from the workspace's request log."""

    requests: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0
    span: float = 0.0  # first request in to last answer out, seconds
    archived: int = 0  # PUT /chats/{id}/archive answered 204
    posted: int = 0  # POST /messages answered 201
    by_endpoint: Counter[str] = field(default_factory=Counter)  # "GET /chats/{id}/members"
    effects: set[str] = field(default_factory=set)  # "archive 17", "post 17": what it did

    def as_json(self) -> dict[str, Any]:
        """Plain data for results.json."""
        return {
            "requests": self.requests,
            "by_class": dict(self.by_class),
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "rate_limited": self.rate_limited,
            "span_s": round(self.span, 3),
            "archived": self.archived,
            "posted": self.posted,
            "by_endpoint": dict(self.by_endpoint.most_common()),
        }


def endpoint(path: str) -> str:
    """An API path with its ids replaced: ``/chats/{id}/archive``."""
    rel = path.split("/api/shared/v1", 1)[-1]
    return "/".join("{id}" if part.isdigit() else part for part in rel.split("/"))


def traffic(log: list[dict[str, Any]]) -> Traffic:
    """Summarise a request log (already limited to one contender's run)."""
    t = Traffic()
    if not log:
        return t
    first = min(log_ms(e) for e in log)
    last = max(log_ms(e) + float(e.get("duration_ms") or 0) for e in log)
    t.span = (last - first) / 1000
    for e in log:
        t.requests += 1
        t.by_class[e["call_class"]] += 1
        t.by_status[int(e["status"])] += 1
        t.by_endpoint[f"{e['method']} {endpoint(e['path'])}"] += 1
        if e["status"] == 429:
            t.rate_limited += 1
        elif e["method"] == "PUT" and e["path"].endswith("/archive") and e["status"] == 204:
            t.archived += 1
            t.effects.add(f"archive {e['path'].rstrip('/').split('/')[-2]}")
        elif e["method"] == "POST" and e["path"].endswith("/messages") and e["status"] == 201:
            t.posted += 1
            t.effects.add(f"post {e.get('chat_id')}")
    return t
