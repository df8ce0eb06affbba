"""What the export tests share: a workspace with a pinned clock, a catalogue writer, and
looks into the state store and the workspace's export log."""

from __future__ import annotations

import socket
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from runner.kinds.export.records import ExportChunk
from runner.kinds.export.table import export_chunks
from runner.state import StateStore
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.waiting import GUARD_S

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def free_port() -> int:
    """A port free right now, so two runs in a row can serve the same webhook URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ExportEnv:
    """One private workspace, one temp folder, and helpers to look at both."""

    ws: WorkspaceServer
    h: Harness
    out: Path
    _probe: StateStore | None = field(default=None, init=False, repr=False)

    def job(self, name: str = "exp", **fields: Any) -> None:
        """Write a catalogue holding one export job into ``out`` (fields as in jobs.yaml)."""
        body = {"kind": "export", "schedule": "0 3 1 * *", "output_dir": str(self.out),
                "webhook_timeout": f"{GUARD_S:.0f}s", **fields}  # a guard: the webhook comes
        text = yaml.safe_dump({"timezone": "UTC", "jobs": {name: body}}, allow_unicode=True)
        self.h.write_catalogue(text)

    def exports(self) -> list[dict[str, Any]]:
        """Every export the workspace was asked for, oldest first."""
        return list(self.h.control("GET", "exports")["exports"])

    def chunks(self, job: str = "exp") -> list[ExportChunk]:
        """The job's chunks as the state store has them.

        One probe store for the whole test: opening a store writes (its schema check), and
        a test that polls must not compete with the runner for SQLite's write lock on every
        look; once open, each look is a read, which never waits for a writer.
        """
        if self._probe is None:
            self._probe = StateStore(f"sqlite:///{self.h.tmp / 'state.db'}", replica="probe")
            weakref.finalize(self, self._probe.close)
        return export_chunks(self._probe, job)

    def files(self) -> list[str]:
        """Names in the output folder (hidden temporaries included)."""
        return sorted(p.name for p in self.out.iterdir()) if self.out.exists() else []

    def export_calls(self, since: int = 0) -> list[tuple[str, str]]:
        """(method, path) of the export API calls the workspace received, in order."""
        return [(r["method"], r["path"]) for r in self.h.requests(since)
                if "/chats/exports" in r["path"]]

    def chats_with_messages(self, start_ms: int, end_ms: int, n: int) -> list[Any]:
        """``n`` group chats with plain names and messages in [start_ms, end_ms)."""

        def pick() -> list[Any]:
            store = self.ws.store
            found = []
            for chat in sorted(store.chats.values(), key=lambda c: c.id):
                if chat.personal or not chat.name.replace(" ", "").isalnum():
                    continue
                if any(start_ms <= m.created_ms < end_ms for m in store.messages.values()
                       if m.chat_id == chat.id):
                    found.append(chat)
                if len(found) == n:
                    break
            return found

        return self.ws.call(pick)

    def bot_chat(self) -> int:
        """A group chat the bot is a member of (where it may post the notice)."""

        def pick() -> int:
            store = self.ws.store
            return next(c.id for c in sorted(store.chats.values(), key=lambda c: c.id)
                        if not c.personal and not c.archived and store.bot_id in c.member_ids)

        return self.ws.call(pick)


def make_env(fresh_workspace: Callable[..., WorkspaceServer], tmp: Path,
             **overrides: Any) -> ExportEnv:
    """A workspace pinned at NOW with quick exports, and a harness over it."""
    config = {"start_time": NOW.isoformat(), "rate_limits": False, "export_delay": 0.05,
              **overrides}
    ws = fresh_workspace(**config)
    return ExportEnv(ws, Harness(ws, tmp), tmp / "out")
