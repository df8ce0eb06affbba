"""One running workspace: its data, limits, faults, request log and contract checker."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

from runner.workspace.clock import Clock
from runner.workspace.config import WorkspaceConfig
from runner.workspace.hold import WriteGate
from runner.workspace.paging import short_cutter
from runner.workspace.ratelimit import RateLimiter
from runner.workspace.seed import seed_store
from runner.workspace.store import Store

if TYPE_CHECKING:
    from starlette.requests import Request

    from runner.workspace.validation import ContractChecker

API_PREFIX = "/api/shared/v1"


class Workspace:
    """Everything the HTTP layer needs, built (and seeded) from a config."""

    def __init__(self, config: WorkspaceConfig) -> None:
        from runner.workspace.exports import ExportManager  # exports imports runtime types

        self.config = config
        self.clock = Clock(config.start_time)
        self.store = Store(self.clock, random.Random(f"{config.seed}:ids"))
        seed_store(self.store, config)
        # Limits refill on the workspace clock: moving it refills them, freezing it holds them.
        self.limiter = RateLimiter(
            lambda: config.speed, lambda: config.throttle, clock=self.clock.seconds
        )
        self.fault_rng = random.Random(f"{config.seed}:faults")
        self.misc_rng = random.Random(f"{config.seed}:misc")
        self.short_cut = short_cutter(config.seed, lambda: config.short_page_rate)
        self.checker: ContractChecker | None = None
        if config.validate_openapi:
            # openapi-core is a test dependency: imported only when contract checking is on.
            from runner.workspace.validation import ContractChecker

            self.checker = ContractChecker(config.validate_openapi)
        self.exports = ExportManager(self)
        from runner.workspace.pushes import Pusher  # pushes imports runtime types

        self.pusher = Pusher(self, config.webhook_secret) if config.webhook_secret else None
        if self.pusher is not None:
            self.store.on_delivery = self.pusher.push
        self.gate = WriteGate()
        self.in_flight = 0  # API requests taken in and not answered yet (event loop only)
        self.most_in_flight = 0  # the most ever at once since the log was reset
        self._lock = threading.Lock()
        self.log: list[dict[str, Any]] = []
        self.counters: Counter[str] = Counter()

    @property
    def violations(self) -> list[dict[str, Any]]:
        """OpenAPI violations found so far (empty when checking is off)."""
        return self.checker.violations if self.checker else []

    def record(self, entry: dict[str, Any]) -> None:
        """Append one API request to the log and count it."""
        with self._lock:
            entry["index"] = len(self.log)
            self.log.append(entry)
            self.counters["requests"] += 1
            self.counters[f"class:{entry['call_class']}"] += 1
            self.counters[f"status:{entry['status']}"] += 1
            if entry.get("fault"):
                self.counters[f"fault:{entry['fault']}"] += 1
            elif entry["status"] == 429:
                self.counters["rate_limited"] += 1

    def reset_log(self) -> None:
        """Forget the request log and counters (violations are kept)."""
        with self._lock:
            self.log.clear()
            self.counters.clear()
            self.most_in_flight = self.in_flight

    def stats(self) -> dict[str, Any]:
        """Counts per class and status, 429s, faults, and the contract violations."""
        with self._lock:
            counters = dict(self.counters)

        def group(prefix: str) -> dict[str, int]:
            return {k[len(prefix) :]: v for k, v in counters.items() if k.startswith(prefix)}

        violations = list(self.violations)
        return {
            "requests": counters.get("requests", 0),
            "by_class": group("class:"),
            "by_status": group("status:"),
            "rate_limited": counters.get("rate_limited", 0),
            "faults": group("fault:"),
            "in_flight": self.in_flight,
            "most_in_flight": self.most_in_flight,
            "openapi_checked": self.checker is not None,
            "openapi_violations": violations,
            "openapi_violation_count": {
                "request": sum(1 for v in violations if v["kind"] == "request"),
                "response": sum(1 for v in violations if v["kind"] == "response"),
            },
        }

    def info(self, root_url: str) -> dict[str, Any]:
        """Where the workspace is and how to talk to it."""
        store = self.store
        return {
            "root_url": root_url,
            "base_url": root_url + API_PREFIX,
            "tokens": {kind: store.token_of(kind) for kind in ("owner", "bot", "limited")},
            "owner_user_id": store.owner_id,
            "bot_user_id": store.bot_id,
            "limited_user_id": store.limited_id,
            "seed": self.config.seed,
            "counts": store.counts(),
        }


def workspace_of(request: Request) -> Workspace:
    """The workspace whose app is serving ``request`` (every route's first step)."""
    ws: Workspace = request.app.state.ws
    return ws
