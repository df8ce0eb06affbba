"""One small, seeded world per job kind, and what a user would see of a run in it.

A ``World`` is a private embedded workspace (same seed: same users, chats, messages and
ids), a temp folder with ``jobs.yaml``, ``templates/``, the state DB and the export folder,
and the fire time to run the job as (``run-job --at``). ``snapshot`` reads back what the
run left in Pachca and on disk: the runner's messages per chat (text and buttons), the
chats it archived and created, and the exported files entry by entry. Two runs have the
same effect exactly when their snapshots are equal, so a run under faults or crashes is
compared with an uninterrupted, fault-free run of an identical world, never with numbers
written into the test.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from runner.kinds.export.table import export_chunks
from runner.pachca.http import tls_context  # one CA bundle load, not one per request
from runner.state import StateStore
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.waiting import GUARD_S

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # Friday, 09:00 in Moscow
SWEEP_AT = NOW + timedelta(days=100)  # the sweep's chats are made at NOW, then go quiet
KINDS = ("digest", "activity_report", "chat_from_template", "export", "message", "sweep")

#: The seeded workspace of every kind but the sweep: small, so it seeds in milliseconds.
BASE: dict[str, Any] = {
    "seed": 8080, "users": 40, "group_tags": 4, "conversations": 24, "channels": 6,
    "direct_chats": 30, "messages": 2000, "bot_share": 1.0, "start_time": NOW.isoformat(),
    "export_delay": 0.05,
}
#: The sweep's workspace holds only the chats the world makes (the bot must own them).
SWEEP_BASE: dict[str, Any] = {
    **BASE, "conversations": 0, "channels": 0, "direct_chats": 0, "messages": 0,
}
SPEED = 20.0  # the client's limits are scaled by this, and the workspace's delays divided


_GIVEN: set[int] = set()
_GIVING = threading.Lock()


def free_port() -> int:
    """A port free right now, and not handed to another world of this session: a
    restarted runner serves the export webhook at the same URL."""
    with _GIVING:
        while True:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in _GIVEN:
                _GIVEN.add(port)
                return port


@dataclass
class World:
    """A workspace and a folder, set up for one kind's job (see the module docstring)."""

    kind: str
    variant: str
    ws: WorkspaceServer
    tmp: Path
    job: str
    at: datetime
    port: int
    initial_chats: frozenset[int] = frozenset()
    initial_archived: frozenset[int] = frozenset()
    runner_user: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def out(self) -> Path:
        """The export folder."""
        return self.tmp / "exports"

    @property
    def state_url(self) -> str:
        """The runner's state DB."""
        return f"sqlite:///{self.tmp / 'state.db'}"

    def harness(self) -> Harness:
        """A Harness running this world's job in-process (the ``run-job`` path)."""
        return Harness(self.ws, self.tmp, overrides={
            "rate_limit_scale": SPEED, "server_port": self.port, "lease": 2.0,
            **self.overrides})

    async def run(self, **settings: Any) -> Any:
        """``run-job <job> --at <at>``, in-process."""
        return await self.harness().run(self.job, at=self.at, **settings)

    def env(self) -> dict[str, str]:
        """The environment a ``pachca-runner`` process needs to run this world's job."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PACHCA")}
        env.update({
            "PACHCA_TOKEN": self.ws.bot_token,
            "PACHCA_EXPORT_TOKEN": self.ws.owner_token,
            "PACHCA_BASE_URL": self.ws.base_url,
            "PACHCA_RUNNER_CATALOGUE": str(self.tmp / "jobs.yaml"),
            "PACHCA_RUNNER_STATE_URL": self.state_url,
            "PACHCA_RUNNER_SERVER_PORT": str(self.port),
            "PACHCA_RUNNER_RATE_LIMIT_SCALE": str(SPEED),
            "PACHCA_RUNNER_REPLICA_ID": "reliability",
        })
        for name, value in self.overrides.items():
            env[f"PACHCA_RUNNER_{name.upper()}"] = str(value)
        return env

    def run_job_args(self) -> list[str]:
        """``run-job`` arguments for this world's fire (the time in the job's zone: UTC)."""
        return ["run-job", self.job, "--at", self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")]

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """The workspace's control API."""
        response = httpx.request(method, f"{self.ws.root_url}/_workspace/{path}",
                                 verify=tls_context(), **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def store(self) -> StateStore:
        """The runner's state store (close it after use)."""
        return StateStore(self.state_url, replica="probe")


# ---------------------------------------------------------------------- setting worlds up
def _pick(ws: WorkspaceServer) -> dict[str, Any]:
    """Ids the catalogues use: chats the bot may post to, people, a group tag."""
    store = ws.store

    def pick() -> dict[str, Any]:
        bot = store.bot_id
        chats = sorted(c.id for c in store.chats.values()
                       if not c.personal and not c.archived and bot in c.member_ids)
        skip = {bot, store.owner_id, store.limited_id}
        people = sorted(u.id for u in store.users.values()
                        if u.id not in skip and not u.bot and not u.suspended)
        tag = min(t.id for t in store.tags.values() if len(t.user_ids) >= 2)
        return {"chats": chats, "people": people, "tag": tag}

    return ws.call(pick)


def _catalogue(kind: str, variant: str, ids: dict[str, Any], out: Path) -> tuple[str, dict]:
    """(job name, the job's fields) for ``kind`` in a world with these ``ids``."""
    chats, people = ids["chats"], ids["people"]
    if kind == "message":
        return "notice", {
            "kind": "message", "schedule": "0 9 * * 5",
            "to": {"chats": chats[:6], "users": people[:3]},
            "text": "Коллеги, до конца дня {{ now|ru_date('d MMMM') }} заполните таймшиты.",
            "buttons": [{"text": "Таймшиты", "url": "https://example.com/timesheets"}],
        }
    if kind == "digest":
        return "morning-digest", {
            "kind": "digest", "description": "Утренняя сводка", "schedule": "0 9 * * 1-5",
            "to": {"chats": chats[:3], "users": people[:2]}, "skip_if_empty": False,
            "sources": {"activity": {"type": "pachca_activity", "top": 5},
                        "info": {"type": "vars", "values": {"team": "Продажи"}}},
        }
    if kind == "activity_report":
        return "weekly-activity", {
            "kind": "activity_report", "schedule": "0 9 * * 5", "period": "last_30_days",
            "top": 30, "to": {"chats": chats[:3]},
        }
    if kind == "chat_from_template":
        return "weekly-sync", {
            "kind": "chat_from_template", "schedule": "0 9 * * 5",
            "name": "Планёрка, неделя {{ week }} ({{ month }} {{ year }})",
            "member_ids": people[:2], "group_tag_ids": [ids["tag"]],
        }
    if kind == "export":
        return "history-export", {
            "kind": "export", "schedule": "0 3 1 * *",
            "period": {"start": "2026-09-01", "end": "2026-11-08"},  # 69 days: 2 chunks
            "output_dir": str(out), "notify_chat_id": chats[0],
            "webhook_timeout": "2s", "rerequest_after": "1s",
        }
    if kind == "sweep":
        return "sweep-quiet-chats", {
            "kind": "sweep", "schedule": "0 9 * * 1", "inactive_days": 90,
            "warn_days": 0 if variant == "archive" else 7, "max_fraction": 1.0,
            "report_chat_id": ids["report"], "concurrency": 4,
        }
    raise ValueError(kind)


def _sweep_setup(ws: WorkspaceServer, ids: dict[str, Any]) -> None:
    """The bot makes eight chats and a report chat; 100 days pass; only the report chat talks."""
    # Set-up goes through the control API: the public one is rate limited.
    specs = [{"name": "Отчёты уборки" if i == 0 else f"Проект {i}",
              "member_ids": ids["people"][i % 5: i % 5 + 3]} for i in range(9)]
    with httpx.Client(base_url=f"{ws.root_url}/_workspace/", timeout=10,
                      verify=tls_context()) as control:
        response = control.post("chats", json={"user_id": ws.store.bot_id, "chats": specs})
        response.raise_for_status()
        made = [int(chat["id"]) for chat in response.json()["data"]]
        control.post("clock", json={"now": SWEEP_AT.isoformat()}).raise_for_status()
        control.post("messages", json={"user_id": ids["people"][0], "chat_id": made[0],
                                       "content": "Отчёт получили, спасибо"}
                     ).raise_for_status()
    ids["report"] = made[0]


def build(kind: str, ws: WorkspaceServer, tmp: Path, variant: str = "") -> World:
    """Set up ``kind``'s world (``variant``: the sweep's "archive" or "warn") in ``ws``."""
    ids = _pick(ws)
    at = NOW
    if kind == "sweep":
        _sweep_setup(ws, ids)
        at = SWEEP_AT
    out = tmp / "exports"
    job, body = _catalogue(kind, variant, ids, out)
    zone = "UTC" if kind == "export" else "Europe/Moscow"
    harness = Harness(ws, tmp)
    harness.write_catalogue(yaml.safe_dump({"timezone": zone, "jobs": {job: body}},
                                           allow_unicode=True, sort_keys=False))
    chats = ws.call(lambda: [(c.id, c.archived) for c in ws.store.chats.values()])
    return World(kind, variant, ws, tmp, job, at, free_port(),
                 initial_chats=frozenset(c for c, _ in chats),
                 initial_archived=frozenset(c for c, archived in chats if archived),
                 runner_user=ws.store.bot_id)


def patient(world: World) -> World:
    """``world``, its export job waiting for Pachca's webhook as long as a test's guard.

    For a run that no fault or kill interrupts: its webhook always comes, and the world's
    2 s (short, so runs that lost theirs fail and are rerun quickly) could run out first
    on a loaded machine.
    """
    if world.kind == "export":
        path = world.tmp / "jobs.yaml"
        catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
        catalogue["jobs"][world.job]["webhook_timeout"] = f"{GUARD_S:.0f}s"
        path.write_text(yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    return world


def workspace_config(kind: str) -> dict[str, Any]:
    """The WorkspaceConfig fields of ``kind``'s world."""
    return dict(SWEEP_BASE if kind == "sweep" else BASE)


# ---------------------------------------------------------------------- what a user sees
@dataclass(frozen=True)
class Snapshot:
    """The effects of the runner in a world, in terms a user would notice."""

    posts: dict[tuple[str, Any], list[str]]
    archived: frozenset[tuple[str, Any]]
    created: tuple[tuple[Any, ...], ...]
    files: dict[str, dict[str, str]]

    def diff(self, other: Snapshot) -> list[str]:
        """What ``other`` has differently from this one, one line per difference."""
        out = []
        for where in sorted(set(self.posts) | set(other.posts), key=str):
            mine, theirs = self.posts.get(where, []), other.posts.get(where, [])
            if mine != theirs:
                out.append(f"posts in {where}: expected {len(mine)}, got {len(theirs)}:"
                           f" {[t[:120] for t in theirs if t not in mine]} instead of"
                           f" {[t[:120] for t in mine if t not in theirs]}")
        if self.archived != other.archived:
            out.append(f"archived: expected {sorted(self.archived)}, got {sorted(other.archived)}")
        if self.created != other.created:
            out.append(f"created: expected {self.created}, got {other.created}")
        for name in sorted(set(self.files) | set(other.files)):
            mine, theirs = self.files.get(name), other.files.get(name)
            if mine is None or theirs is None:
                out.append(f"file {name}: {'unexpected' if mine is None else 'missing'}")
            elif mine != theirs:
                bad = sorted(e for e in set(mine) | set(theirs) if mine.get(e) != theirs.get(e))
                out.append(f"file {name}: entries differ: {bad[:5]} ({len(bad)} in all)")
        return out

    def summary(self) -> str:
        """A line for assertion messages."""
        return (f"{sum(map(len, self.posts.values()))} posts in {len(self.posts)} chats,"
                f" {len(self.archived)} archived, {len(self.created)} created,"
                f" {len(self.files)} files")


def _where(world: World, chat: Any) -> tuple[str, Any]:
    """A chat named so that two identical worlds agree (new chats by name, DMs by person)."""
    if chat.personal:
        others = [m for m in chat.member_ids if m != world.runner_user]
        return ("dm", others[0] if others else world.runner_user)
    if chat.id in world.initial_chats:
        return ("chat", chat.id)
    return ("new", chat.name)


def _zip_entries(data: bytes) -> dict[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {n: hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()}
    except zipfile.BadZipFile:
        return {"<not a zip>": hashlib.sha256(data).hexdigest()}


def snapshot(world: World) -> Snapshot:
    """What the runner did in ``world`` (see ``Snapshot``)."""
    store = world.ws.store

    def take() -> tuple[Any, ...]:
        posts: dict[tuple[str, Any], list[str]] = {}
        for message in sorted(store.messages.values(), key=lambda m: m.id):
            if message.user_id != world.runner_user:
                continue
            buttons = [(b.get("text"), b.get("url")) for row in message.buttons or []
                       for b in row]
            where = _where(world, store.chats[message.chat_id])
            text = message.content.replace(str(world.tmp), "<tmp>")  # the export folder
            posts.setdefault(where, []).append(text + (f"\n{buttons}" if buttons else ""))
        archived = frozenset(_where(world, c) for c in store.chats.values()
                             if c.archived and c.id not in world.initial_archived)
        created = tuple(sorted(
            (c.name, c.channel, c.public, tuple(c.member_ids), tuple(c.group_tag_ids))
            for c in store.chats.values()
            if c.id not in world.initial_chats and not c.personal))
        return posts, archived, created

    posts, archived, created = world.ws.call(take)
    files = {}
    if world.out.exists():
        for path in sorted(world.out.iterdir()):
            files[path.name] = _zip_entries(path.read_bytes())
    return Snapshot(posts, archived, created, files)


def exports_intact(world: World) -> list[str]:
    """Problems with the exported files: each must be byte for byte an archive Pachca built,
    recorded in the state store with its SHA-256, downloaded once; nothing else in the folder."""
    problems = []
    archives = world.ws.call(lambda: {hashlib.sha256(e.archive).hexdigest(): e.id
                                      for e in world.ws.store.exports.values() if e.archive})
    with world.store() as state:
        chunks = export_chunks(state, world.job)
    recorded = {Path(c.file).name: c for c in chunks if c.file}
    for path in sorted(world.out.iterdir()) if world.out.exists() else []:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if path.name not in recorded:
            problems.append(f"{path.name}: not an export file of the job (a leftover?)")
        elif recorded[path.name].sha256 != digest:
            problems.append(f"{path.name}: SHA-256 differs from the one recorded")
        if digest not in archives:
            problems.append(f"{path.name}: not byte for byte an archive Pachca built")
    if [c.status for c in chunks] != ["downloaded"] * len(chunks):
        problems.append(f"chunks not all downloaded: {[c.status for c in chunks]}")
    return problems

