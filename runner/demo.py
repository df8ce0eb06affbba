"""``pachca-runner demo``: the sample catalogue against the embedded workspace.

No token and no network: it starts a seeded workspace on loopback, points the
runner at it, runs every job of the sample ``jobs.yaml`` once, and shows what was
posted, archived and exported. Then it tells the sweep's story across simulated
days: a warning with buttons, a click on «Оставить чат», and the archive a week on.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from runner import app, defaults, words
from runner.catalogue import Catalogue, validate
from runner.console import as_markdown
from runner.execute import Outcome
from runner.settings import Settings
from runner.workspace.config import WorkspaceConfig
from runner.workspace.server import WorkspaceServer

DEMO_SEED = 1


def workspace_config(*, seed: int = DEMO_SEED, speed: float = 1.0) -> WorkspaceConfig:
    """The workspace ``demo`` runs in and ``workspace serve`` serves: the sample
    ``jobs.yaml``'s ids are its ids. The bot belongs to most group chats, an admin of
    some, a plain member or a channel's editor of the others (see the seed)."""
    return WorkspaceConfig(seed=seed, bot_share=0.85, export_delay=0.3, speed=speed)


def runner_variables(info: dict[str, Any]) -> list[str]:
    """The shell lines that point the runner at a served workspace (``info`` is its
    ``/_workspace/info``): the bot's token for jobs, the Owner's for exports."""
    return [
        f"export PACHCA_BASE_URL={info['base_url']}",
        f"export PACHCA_TOKEN={info['tokens']['bot']}          # {words.text('demo.var.bot')}",
        f"export PACHCA_EXPORT_TOKEN={info['tokens']['owner']}  # {words.text('demo.var.owner')}",
    ]


def sample_catalogue(settings: Settings) -> Path:
    """The catalogue to demo: ./jobs.yaml if present, else the sample in the package."""
    if settings.catalogue.is_file():
        return settings.catalogue
    return defaults.SAMPLE


class Demo:
    """One demo session: a workspace, a temp state DB, and a console."""

    def __init__(self, settings: Settings, ws: WorkspaceServer, tmp: Path) -> None:
        self.ws = ws
        self.console = Console(highlight=False)
        self.info: dict[str, Any] = {}  # the workspace's /_workspace/info, read by _demo
        self.settings = settings.model_copy(
            update={
                "token": SecretStr(ws.bot_token),
                "export_token": SecretStr(ws.owner_token),
                "base_url": ws.base_url,
                "state_url": f"sqlite:///{tmp / 'state.db'}",
                "server_port": 0,
                "public_url": None,
                "bot_user_id": None,
                "replica_id": "demo",
            }
        )
        # ${VAR} reads what the settings read (environment, then .env); the sample's
        # `runner-health` reads the runner's own store, which here is the demo's.
        env = {**settings.environment(), "PACHCA_RUNNER_STATE_URL": self.settings.state_url}
        self.catalogue: Catalogue = validate(
            sample_catalogue(settings).resolve(), env=env,
            templates_dir=settings.templates_dir, default_timezone=settings.timezone)

    async def call(self, method: str, url: str, **kwargs: Any) -> Any:
        """One request to the workspace, without blocking the event loop; its JSON."""
        # A client per call: the demo's calls are few, and they span two event loops.
        async with httpx.AsyncClient(trust_env=False) as http:
            response = await http.request(method, url, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    async def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """The workspace's control API."""
        return await self.call(method, f"{self.ws.root_url}/_workspace/{path}", **kwargs)

    async def now(self) -> datetime:
        """The workspace's clock (the demo moves it to simulate days)."""
        return datetime.fromisoformat((await self.control("GET", "clock"))["now"])

    async def run(self, name: str, *, at: datetime | None = None) -> Outcome:
        """Run one job like ``run-job`` and show the result."""
        job = self.catalogue.jobs[name]
        outcome = await app.run_once(self.settings, self.catalogue, job, dry_run=False,
                                     at=at or await self.now())
        self.show(outcome)
        return outcome

    def show(self, outcome: Outcome) -> None:
        """A job's result: its messages as they look in Pachca, then what it did."""
        job = self.catalogue.jobs[outcome.job]
        title = f"[bold]{job.name}[/bold] ({job.kind}) — {job.description or ''}"
        self.console.rule(title)
        for text in outcome.report.messages[:3]:
            self.console.print(Panel(as_markdown(text), border_style="cyan"))
        if len(outcome.report.messages) > 3:
            self.console.print(words.text("demo.more_messages",
                                          n=len(outcome.report.messages) - 3))
        for line in outcome.report.lines[:12]:
            self.console.print(f"  • {line}", markup=False)
        if len(outcome.report.lines) > 12:
            self.console.print(words.text("demo.more_lines", n=len(outcome.report.lines) - 12))
        if outcome.status == "failed":
            self.console.print(escape(words.text("demo.failed", error=outcome.error)),
                               style="red")
        else:
            counts = ", ".join(f"{words.count_name(k)}: {v}"
                               for k, v in sorted(outcome.report.counts.items()))
            status = words.text(f"outcome.{outcome.status}")
            self.console.print(escape(f"  ✓ {status} ({counts})"), style="green")

    async def effects(self, since: int) -> Counter[str]:
        """What reached the workspace since request ``since``, by kind of effect."""
        log = (await self.control("GET", "requests", params={"since": since}))["requests"]
        seen: Counter[str] = Counter()
        for r in log:
            if r["status"] >= 400:
                continue
            if r["method"] == "POST" and r["path"].endswith("/messages"):
                seen[words.text("demo.effect.posted")] += 1
            elif r["method"] == "PUT" and r["path"].endswith("/archive"):
                seen[words.text("demo.effect.archived")] += 1
            elif r["method"] == "POST" and r["path"].endswith("/chats/exports"):
                seen[words.text("demo.effect.exports")] += 1
            elif r["method"] == "POST" and r["path"].endswith("/chats"):
                seen[words.text("demo.effect.created")] += 1
            elif r["method"] == "PUT" and "/messages/" in r["path"]:
                seen[words.text("demo.effect.updated")] += 1
        return seen


async def _demo(demo: Demo) -> int:
    c = demo.console
    demo.info = await demo.control("GET", "info")
    counts = demo.info["counts"]
    c.print(Panel.fit(
        escape(words.text("demo.head", url=demo.ws.base_url, users=counts["users"],
                          groups=counts["group_chats"], directs=counts["direct_chats"],
                          messages=counts["messages"], path=demo.catalogue.path,
                          jobs=len(demo.catalogue.jobs))),
        title=words.text("demo.title"),
    ))
    start = int((await demo.control("GET", "requests", params={"since": 1 << 30}))["total"])
    failed = 0
    for name, job in demo.catalogue.jobs.items():
        if not job.enabled:
            continue
        outcome = await demo.run(name)
        failed += outcome.status == "failed"
    from runner.kinds import registry

    for kind in registry.every_kind():  # each kind's part of the story (the sweep's week)
        failed += await kind.demo(demo)
    c.rule(f"[bold]{words.text('demo.reached')}[/bold]")
    for what, n in sorted((await demo.effects(start)).items()):
        c.print(f"  {what}: {n}")
    c.print(words.text("demo.end"), markup=False)
    return 1 if failed else 0


def run_demo(settings: Settings, *, keep: bool = False) -> int:
    """Run the demo; 0 if every job succeeded. ``keep`` leaves the workspace up."""
    with WorkspaceServer(workspace_config()) as ws, tempfile.TemporaryDirectory() as tmp:
        demo = Demo(settings, ws, Path(tmp))
        # whatever a job writes to a relative path (an export's archives) lands in the
        # temporary folder: the demo leaves nothing behind in the operator's folder
        with contextlib.chdir(tmp):
            return _show(demo, ws, keep)


def _show(demo: Demo, ws: WorkspaceServer, keep: bool) -> int:
    code = asyncio.run(_demo(demo))
    if keep:
        demo.console.print(words.text("demo.kept", url=ws.base_url), markup=False)
        for line in runner_variables(demo.info):
            # never wrapped: each line is pasted into a shell as it is
            demo.console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
        try:
            asyncio.run(asyncio.Event().wait())
        except KeyboardInterrupt:
            pass
    return code
