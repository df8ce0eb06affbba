"""Drive the runner end to end against an embedded workspace, as a user would.

``Harness`` writes a catalogue (and templates) into a temp folder, builds settings that
point at the workspace over real HTTP, runs jobs through ``runner.app`` (the same path
as ``run-job``), and reads back what reached the workspace from its request log.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from runner import app
from runner.catalogue import Catalogue, validate
from runner.execute import Outcome
from runner.settings import Settings

REPO = Path(__file__).resolve().parents[1]

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Harness:
    """One workspace + one temp folder holding jobs.yaml, templates/ and the state DB."""

    workspace: Any  # runner.workspace.server.WorkspaceServer
    tmp: Path
    env: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)

    # -- setup -------------------------------------------------------------------------

    def settings(self, **overrides: Any) -> Settings:
        """Settings pointing at the workspace, with a state DB in the temp folder."""
        values: dict[str, Any] = {
            "token": self.workspace.bot_token,
            "export_token": self.workspace.owner_token,
            "base_url": self.workspace.base_url,
            "catalogue": self.tmp / "jobs.yaml",
            "state_url": f"sqlite:///{self.tmp / 'state.db'}",
            "server_port": 0,
            "lease": 5.0,
            "retry_backoff": 0.02,  # keep fault tests quick; the policy is the same
            "replica_id": "test",
        }
        values.update(self.overrides)
        values.update(overrides)
        return Settings(**values)

    def write_catalogue(self, text: str, templates: dict[str, str] | None = None) -> Path:
        """Write jobs.yaml (dedented) and templates/ (the repo's, plus ``templates``)."""
        path = self.tmp / "jobs.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        tdir = self.tmp / "templates"
        if not tdir.exists():
            shutil.copytree(REPO / "templates", tdir)
        for name, body in (templates or {}).items():
            (tdir / name).write_text(textwrap.dedent(body), encoding="utf-8")
        return path

    def catalogue(self) -> Catalogue:
        """The catalogue written last, validated (templates included)."""
        return validate(self.tmp / "jobs.yaml", env=self.env)

    # -- running -----------------------------------------------------------------------

    async def run(
        self, name: str, *, dry_run: bool = False, at: datetime | None = None, **settings: Any
    ) -> Outcome:
        """Run job ``name`` once through ``runner.app.run_once`` (the run-job path)."""
        catalogue = self.catalogue()
        job = app.find_job(catalogue, name)
        return await app.run_once(
            self.settings(**settings), catalogue, job, dry_run=dry_run, at=at
        )

    # -- observing the workspace -------------------------------------------------------

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the workspace's control API (``/_workspace/...``)."""
        response = httpx.request(method, f"{self.workspace.root_url}/_workspace/{path}", **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def mark(self) -> int:
        """The current length of the request log, to look only at what follows."""
        # A "since" past the end: only the total comes back, not the whole log.
        return int(self.control("GET", "requests", params={"since": 1 << 30})["total"])

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """Requests the workspace received since ``mark()``."""
        return list(self.control("GET", "requests", params={"since": since})["requests"])

    def writes(self, since: int = 0) -> list[dict[str, Any]]:
        """Only the write requests (POST/PUT/PATCH/DELETE) since ``mark()``."""
        return [r for r in self.requests(since) if r["method"] in WRITE_METHODS]
