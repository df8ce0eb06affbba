"""Runner processes for the replica tests: ``pachca-runner`` started as a real process
(``python -m runner``), its log kept in a file, stopped with SIGTERM or killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from runner.workspace import WorkspaceServer


def runner_env(ws: WorkspaceServer, tmp: Path, state_url: str, **extra: str) -> dict[str, str]:
    """The environment of a runner process: the workspace (bot's token), the catalogue
    in ``tmp``, the state store; ``extra`` as ``PACHCA_RUNNER_<NAME>`` variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACHCA_")}
    env.update(
        PACHCA_TOKEN=ws.bot_token,
        PACHCA_BASE_URL=ws.base_url,
        PACHCA_RUNNER_STATE_URL=state_url,
        PACHCA_RUNNER_CATALOGUE=str(tmp / "jobs.yaml"),
        PACHCA_RUNNER_SERVER_PORT="0",
    )
    env.update({f"PACHCA_RUNNER_{k.upper()}": v for k, v in extra.items()})
    return env


@dataclass
class Process:
    """One ``pachca-runner`` process and its log."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, name: str, env: dict[str, str], cwd: Path, *args: str) -> Process:
        """Start ``pachca-runner -v ARGS`` with its output in ``cwd/<name>.log``."""
        log = cwd / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "runner", "-v", *args], env=env,
                                    cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        return cls(name, proc, log)

    def text(self) -> str:
        """Everything it printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float = 30.0) -> int:
        """Its exit code, once it has exited."""
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (running jobs finish), then its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as a crash or an OOM kill."""
        self.proc.kill()
        self.proc.wait(timeout=10)

    def ensure_gone(self) -> None:
        """Kill it if still running (test teardown)."""
        if self.proc.poll() is None:
            self.kill()


def bot_chats(ws: WorkspaceServer, names: list[str]) -> list[int]:
    """Group chats created by the bot (so it may post to and archive them)."""
    store = ws.store
    skip = {store.bot_id, store.owner_id, store.limited_id}
    people = ws.call(lambda: sorted(u.id for u in store.users.values()
                                    if u.id not in skip and not u.suspended))[:2]
    # Made through the control API: set-up must not meet the public API's rate limits.
    specs = [{"name": name, "member_ids": people} for name in names]
    response = httpx.post(f"{ws.root_url}/_workspace/chats", timeout=10,
                          json={"user_id": store.bot_id, "chats": specs})
    response.raise_for_status()
    return [int(chat["id"]) for chat in response.json()["data"]]


def bot_texts(ws: WorkspaceServer, chat_id: int) -> list[str]:
    """Texts the bot posted in a chat, oldest first (the workspace's own records)."""
    store = ws.store
    return ws.call(lambda: [store.messages[i].content for (i,) in store.chat_messages[chat_id]
                            if i in store.messages and store.messages[i].user_id == store.bot_id])
