"""Settings of the embedded Pachca workspace: size, pace, strictness and faults.

Every random choice the workspace makes (the seeded data, the tokens, short pages,
injected faults) comes from ``random.Random`` instances derived from ``seed``, so the
same config gives the same workspace and, for the same request sequence, the same faults.

Time scaling, in one place:
- ``speed`` multiplies every rate-limit refill rate and divides every server-side delay
  the API itself causes (``Retry-After``, ``export_delay``, the extra webhook delay,
  download-link lifetime), so benchmarks run fast without changing the shape of limits.
- ``latency`` and ``spike_latency`` emulate the network and are taken as given.
- ``throttle`` < 1 shrinks both rates and bucket capacities: a stricter server than
  documented, to exercise client recovery.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Fault settings that ``POST /_workspace/faults`` may change at run time.
RUNTIME_FIELDS: tuple[str, ...] = (
    "speed",
    "rate_limits",
    "throttle",
    "latency",
    "error_rate",
    "drop_rate",
    "spike_rate",
    "spike_latency",
    "burst_429_rate",
    "error_after_share",
    "refuse_rate",
    "fault_calls",
    "short_page_rate",
    "export_delay",
    "export_webhook_duplicates",
    "export_webhook_delay_extra",
    "export_webhooks_held_from",
)


@dataclass
class WorkspaceConfig:
    """Everything that shapes one embedded workspace."""

    seed: int = 1
    # --- size of the seeded workspace
    users: int = 60
    group_tags: int = 8
    conversations: int = 40
    channels: int = 12
    direct_chats: int = 80
    archived_share: float = 0.1
    bot_share: float = 0.12  # share of group chats the bot is a member of
    bot_admin: bool = False  # the bot is an admin of all its group chats (else a third)
    public_share: float = 0.4
    messages: int = 3000
    history_days: int = 120
    # --- exact activity, for benchmarks; setting either replaces ``messages`` (see seed)
    #: Exactly this many unarchived conversations are inactive: created, and last written
    #: to, more than ``quiet_days`` ago; every other group chat was written to since.
    quiet_chats: int | None = None
    quiet_days: int = 90
    #: This many unarchived group chats get ``active_messages`` messages each within the
    #: last ``active_days`` days (and one older message); the others none in that time.
    active_chats: int | None = None
    active_messages: int = 200
    active_days: int = 7
    # --- threads (see ``seed_threads``; none when exact activity is seeded)
    thread_share: float = 0.15  # share of group chats with messages that get threads
    thread_only_chats: int = 3  # quiet conversations alive only in a thread
    standalone_threads: int = 2
    #: Pin the clock at start (ISO-8601); ``None``: real time.
    start_time: str | None = None
    # --- pace and strictness
    speed: float = 1.0
    rate_limits: bool = True
    throttle: float = 1.0
    latency: float = 0.0
    # --- fault injection (shares of API requests)
    error_rate: float = 0.0
    drop_rate: float = 0.0
    spike_rate: float = 0.0
    spike_latency: float = 2.0
    burst_429_rate: float = 0.0
    #: Share of ``error_rate``'s 5xx answered after the change was made (the rest before).
    error_after_share: float = 0.5
    #: Share of calls refused with 403 (a role taken away since the caller checked it).
    refuse_rate: float = 0.0
    #: Only these call classes (comma-separated: ``message_write``, ``message_read``,
    #: ``events``, ``other``) get the faults above; empty: every call.
    fault_calls: str = ""
    #: Share of full, non-final list pages cut short (clients must follow has_next).
    short_page_rate: float = 0.15
    # --- exports
    export_delay: float = 0.5
    export_webhook_duplicates: bool = False
    export_webhook_delay_extra: float = 0.0
    #: While > 0, the ready webhooks of the N-th export and later wait to be delivered
    #: until this changes or a test releases one (``POST /_workspace/exports/<id>/release``):
    #: lets a test stop the runner while an export is in Pachca's hands, or choose the
    #: moment (an event, not a clock) each webhook arrives.
    export_webhooks_held_from: int = 0
    download_ttl: float = 600.0
    #: Tokens to issue instead of the seeded ones, by kind (``owner``, ``bot``, ``limited``):
    #: lets a test recognise a token wherever it might leak.
    tokens: dict[str, str] | None = None
    #: The bot's signing secret: with it, each event delivered to the bot is also POSTed,
    #: signed, to its ``outgoing_url`` (``pushes``); None: through its history alone.
    webhook_secret: str | None = None
    #: The bot is also an unfurl bot for these domains (Pachca: up to 5, bare names; a
    #: domain covers its subdomains); empty: no unfurl bot, link previews are refused.
    unfurl_domains: tuple[str, ...] = ("tracker.example.com",)
    # --- contract checking: path of the OpenAPI spec, or None
    validate_openapi: str | None = None

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise ``ValueError`` for settings that cannot work."""
        if self.speed <= 0:
            raise ValueError("speed must be > 0")
        if not 0 < self.throttle <= 100:
            raise ValueError("throttle must be in (0, 100]")
        for name in (
            "error_rate",
            "drop_rate",
            "spike_rate",
            "burst_429_rate",
            "error_after_share",
            "refuse_rate",
            "short_page_rate",
            "archived_share",
            "public_share",
            "thread_share",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        unknown = set(filter(None, self.fault_calls.split(","))) - {
            "message_write", "message_read", "events", "other"}
        if unknown:
            raise ValueError(f"fault_calls: unknown call classes {sorted(unknown)}")
        for name in ("latency", "spike_latency", "export_delay", "export_webhook_delay_extra"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.export_webhooks_held_from < 0:
            raise ValueError("export_webhooks_held_from must be >= 0")
        if self.users < 4:
            raise ValueError("users must be >= 4 (owner, bot, limited user, someone else)")
        if min(self.quiet_chats or 0, self.active_chats or 0) < 0:
            raise ValueError("quiet_chats and active_chats must be >= 0")
        if min(self.thread_only_chats, self.standalone_threads) < 0:
            raise ValueError("thread_only_chats and standalone_threads must be >= 0")
        if self.quiet_days < 2 or self.active_days < 1 or self.active_messages < 1:
            raise ValueError("need quiet_days >= 2, active_days >= 1, active_messages >= 1")
        if (self.quiet_chats is not None and self.active_chats is not None
                and self.quiet_days <= self.active_days + 2):
            raise ValueError("quiet_days must exceed active_days + 2 when both are set")
        check_domains(self.unfurl_domains)
        if self.webhook_secret is not None and not self.webhook_secret:
            raise ValueError("webhook_secret: give a non-empty secret, or None for no pushes")
        for kind, token in (self.tokens or {}).items():
            if kind not in ("owner", "bot", "limited") or not token:
                raise ValueError(f"tokens: '{kind}' is not owner, bot or limited, or is empty")
        if self.tokens and len(set(self.tokens.values())) != len(self.tokens):
            raise ValueError("tokens: each kind needs a token of its own")

    def update(self, changes: dict[str, Any]) -> None:
        """Apply run-time changes (only ``RUNTIME_FIELDS``); raise ``ValueError`` on others."""
        unknown = set(changes) - set(RUNTIME_FIELDS)
        if unknown:
            raise ValueError(f"not changeable at run time: {sorted(unknown)}")
        backup = dataclasses.asdict(self)
        for name, value in changes.items():
            current = getattr(self, name)
            setattr(self, name, type(current)(value))
        try:
            self.check()
        except ValueError:
            for name in changes:
                setattr(self, name, backup[name])
            raise

    def runtime(self) -> dict[str, Any]:
        """The current values of the run-time settings."""
        return {name: getattr(self, name) for name in RUNTIME_FIELDS}


def check_domains(domains: Sequence[object]) -> list[str]:
    """An unfurl bot's domains, checked as its settings check them; ``ValueError`` if bad."""
    if len(domains) > 5 or not all(
            isinstance(d, str) and d and d == d.lower() and "/" not in d and ":" not in d
            for d in domains):
        raise ValueError("unfurl_domains: at most 5 bare lower-case domains (example.com"
                         " covers its subdomains; no scheme, path or port)")
    return [str(d) for d in domains]
