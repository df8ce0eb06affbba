"""Secrets never leak: not to the terminal, the logs, the state store, Pachca, or an error.

The embedded workspace accepts recognisable tokens (``tok-SECRET-…``), the bot's webhook
secret is ``whs-SECRET-…`` and a digest source's API key (``key-SECRET-…``) comes from
the environment into a header and a URL. Every command (``demo`` and ``workspace serve``
aside: they run their own workspace with its own tokens and never read these) and every
job kind then runs as a real process at each log level (default, ``-v``, ``--debug``),
and so do the failing paths: a rejected token (401), Pachca failing (5xx), a catalogue
with a secret in a wrongly typed field, a setting with a secret in it. None of the
secrets may appear in what was printed, in any table of the state store, in what the
runner posted or requested, or in an exception's text; nor may the key that signs the
runner's buttons (kept in the state store, and only there).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, select

from runner.catalogue import validate
from runner.errors import RunnerError
from runner.settings import load_settings
from runner.state import StateStore
from runner.state.schema import metadata
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.reliability.conftest import TALLY
from tests.reliability.procs import Forker
from tests.reliability.worlds import BASE, NOW, free_port
from tests.waiting import wait_for

BOT = "tok-SECRET-bot-7c1e55a0b8d94f3e"
OWNER = "tok-SECRET-owner-2f9d0c6b41aa7e18"
LIMITED = "tok-SECRET-limited-9a8b7c6d5e4f3a2b"
HOOK = "whs-SECRET-hook-51f0e2d3c4b5a697"
API_KEY = "key-SECRET-api-0d1c2b3a49586776"
REVOKED = "tok-SECRET-revoked-00ff00ff00ff00ff"
SECRETS = (BOT, OWNER, LIMITED, HOOK, API_KEY, REVOKED)
LEVELS = {"default": [], "verbose": ["-v"], "debug": ["--debug"]}
AT = NOW.strftime("%Y-%m-%dT%H:%M")
EXEMPT = {"demo", "workspace serve",  # their own workspace, their own tokens
          "hash-password"}  # reads only the password typed at its prompt: no setting, no catalogue


def _catalogue(ws: WorkspaceServer, out: Path) -> dict[str, Any]:
    store = ws.store
    chats = sorted(c.id for c in store.chats.values()
                   if not c.personal and not c.archived and store.bot_id in c.member_ids)
    people = sorted(u.id for u in store.users.values() if not u.bot
                    and u.id not in (store.owner_id, store.bot_id, store.limited_id))
    tag = min(store.tags)
    stats = f"{ws.root_url}/_workspace/stats"
    return {
        "timezone": "Europe/Moscow",
        "alerts": {"chat_id": chats[0]},
        "bot": {"events": "push", "webhook_path": "/pachca/events"},
        "jobs": {
            "notice": {"kind": "message", "schedule": {"every": "1d"}, "catchup": "2d",
                       "to": {"chats": chats[:2], "users": people[:1]}, "text": "Напоминание"},
            "morning-digest": {
                "kind": "digest", "schedule": "0 9 * * 1-5", "to": {"chats": chats[:1]},
                "skip_if_empty": False, "on_source_error": "mention",
                "sources": {"activity": {"type": "pachca_activity"},
                            "stats": {"type": "http", "url": stats,
                                      "headers": {"X-Api-Key": "${PR_API_KEY}"}},
                            "crm": {"type": "http",
                                    "url": f"{stats}/nope?key=${{PR_API_KEY}}"}}},
            "weekly-activity": {"kind": "activity_report", "schedule": "0 9 * * 1",
                                "to": {"chats": chats[:1]}},
            "weekly-sync": {"kind": "chat_from_template", "schedule": "0 10 * * 1",
                            "name": "Планёрка {{ week }}", "member_ids": people[:2],
                            "group_tag_ids": [tag]},
            "history-export": {"kind": "export", "schedule": "0 3 1 * *",
                               "period": {"start": "2026-10-01", "end": "2026-10-31"},
                               "chat_ids": chats[:2], "output_dir": str(out),
                               "notify_chat_id": chats[0], "webhook_timeout": "5s"},
            "sweep-quiet-chats": {"kind": "sweep", "schedule": "0 10 * * 1",
                                  "inactive_days": 30, "report_chat_id": chats[0]},
            "broken-post": {"kind": "message", "schedule": "0 9 * * *",
                            "to": {"chats": [99999999]}, "text": "Не дойдёт"},
        },
    }


class Lane:
    """One log level's runs: its own state DB, export folder and server port."""

    def __init__(self, ws: WorkspaceServer, tmp: Path, level: str) -> None:
        self.ws, self.tmp, self.level = ws, tmp / level, level
        self.tmp.mkdir(parents=True)
        Harness(ws, self.tmp).write_catalogue(yaml.safe_dump(
            _catalogue(ws, self.tmp / "exports"), allow_unicode=True, sort_keys=False))
        changed = yaml.safe_load((self.tmp / "jobs.yaml").read_text(encoding="utf-8"))
        changed["jobs"]["notice"]["schedule"] = {"every": "12h"}
        (self.tmp / "jobs-new.yaml").write_text(yaml.safe_dump(changed, allow_unicode=True),
                                                 encoding="utf-8")
        self.port = free_port()
        self.outputs: list[Path] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PACHCA")}
        env.update(PACHCA_TOKEN=BOT, PACHCA_EXPORT_TOKEN=OWNER, PACHCA_WEBHOOK_SECRET=HOOK,
                   PACHCA_BASE_URL=self.ws.base_url, PR_API_KEY=API_KEY,
                   PACHCA_RUNNER_CATALOGUE=str(self.tmp / "jobs.yaml"),
                   PACHCA_RUNNER_STATE_URL=f"sqlite:///{self.tmp / 'state.db'}",
                   PACHCA_RUNNER_SERVER_PORT=str(self.port), PACHCA_RUNNER_LEASE="2",
                   PACHCA_RUNNER_RATE_LIMIT_SCALE="20")
        env.update(extra)
        return env

    def run(self, forker: Forker, *args: str, **env: str) -> int:
        """``pachca-runner <level flags> <args>`` as a process; its exit code."""
        log = self.tmp / f"{len(self.outputs):02d}-{'_'.join(args)[:40].replace('/', '_')}.log"
        self.outputs.append(log)
        run = forker.start([*LEVELS[self.level], *args], self.env(**env), self.tmp, log)
        return run.wait(60)

    def daemon(self, forker: Forker) -> int:
        """``run`` until its catch-up fire is recorded, then SIGTERM."""
        log = self.tmp / "daemon.log"
        self.outputs.append(log)
        before = _finished_runs(self.tmp / "state.db", "notice")
        run = forker.start([*LEVELS[self.level], "run"], self.env(), self.tmp, log)
        def another_run_finished() -> bool:
            assert not run.finished(), log.read_text()
            return _finished_runs(self.tmp / "state.db", "notice") != before

        wait_for(another_run_finished, 30, "a run of the daemon to finish")
        return run.stop()


def _finished_runs(db: Path, job: str) -> int:
    """Runs of ``job`` that ended (dry runs aside)."""
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            runs = metadata.tables["runs"]
            rows = conn.execute(select(runs.c.status).where(
                runs.c.job == job, runs.c.dry_run.is_(False), runs.c.status != "running")).all()
    finally:
        engine.dispose()
    return len(rows)


def _every_command(lane: Lane, forker: Forker) -> dict[str, int]:
    """Every command of the CLI once, as an operator would; exit codes by command."""
    bot = str(lane.ws.store.bot_id)
    codes = {"validate": lane.run(forker, "validate"), "jobs": lane.run(forker, "jobs")}
    for job in ("notice", "morning-digest", "weekly-activity", "weekly-sync",
                "history-export", "sweep-quiet-chats", "broken-post"):
        codes[f"run-job {job}"] = lane.run(forker, "run-job", job, "--at", AT)
    codes["run-job --dry-run"] = lane.run(forker, "run-job", "notice", "--dry-run")
    codes["preview"] = lane.run(forker, "preview", "morning-digest")
    codes["plan"] = lane.run(forker, "plan", "sweep-quiet-chats")
    codes["history"] = lane.run(forker, "history")
    codes["history --json"] = lane.run(forker, "history", "--json")
    codes["diff"] = lane.run(forker, "diff", "jobs.yaml", "jobs-new.yaml")
    codes["docs kinds"] = lane.run(forker, "docs", "kinds")
    codes["docs settings"] = lane.run(forker, "docs", "settings")
    codes["schema"] = lane.run(forker, "schema")
    codes["docs templates"] = lane.run(forker, "docs", "templates")
    codes["init"] = lane.run(forker, "init", "starter")
    codes["chats"] = lane.run(forker, "chats")
    codes["users"] = lane.run(forker, "users", "--search", "a")
    codes["pause"] = lane.run(forker, "pause", "notice", "--reason", "проверка")
    codes["resume"] = lane.run(forker, "resume", "notice")
    codes["undo"] = lane.run(forker, "undo", "999999", "--yes")
    codes["bot poll"] = lane.run(forker, "bot", "poll", "--once")
    codes["bot status"] = lane.run(forker, "bot", "status", "--bot-id", bot)
    codes["bot set-webhook"] = lane.run(forker, "bot", "set-webhook", "--bot-id", bot,
                                        "--url", f"http://127.0.0.1:{lane.port}/pachca/events")
    codes["run"] = lane.daemon(forker)
    # Failing paths: a revoked token, a setting and a catalogue field holding a secret.
    codes["401"] = lane.run(forker, "run-job", "notice", PACHCA_TOKEN=REVOKED)
    codes["bad setting"] = lane.run(forker, "run-job", "notice", PACHCA_RUNNER_LEASE=HOOK)
    bad = lane.tmp / "bad.yaml"
    bad.write_text('timezone: "${PR_API_KEY}"\njobs:\n  a:\n    kind: message\n'
                   '    schedule: "0 9 * * *"\n    to: {chats: ["${PACHCA_TOKEN}"]}\n'
                   '    text: "${PACHCA_WEBHOOK_SECRET}"\n    top: 1\n', encoding="utf-8")
    codes["bad catalogue"] = lane.run(forker, "-c", str(bad), "validate")
    return codes


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def _key_forms(db: Path) -> list[str]:
    """The ways the store's button key could be written out: base64 (as kept), hex, repr."""
    store = StateStore(f"sqlite:///{db}", replica="probe")
    try:
        key = store.button_key()
    finally:
        store.close()
    return [base64.b64encode(key).decode(), base64.urlsafe_b64encode(key).decode().rstrip("="),
            key.hex(), repr(key)[2:-1]]


def _tables(db: Path) -> str:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return "\n".join(repr(row) for table in metadata.sorted_tables
                             for row in conn.execute(select(table)))
    finally:
        engine.dispose()


@pytest.fixture
def ws(fresh_workspace: Callable[..., WorkspaceServer]) -> WorkspaceServer:
    config = {**BASE, "rate_limits": False, "validate_openapi": None,
              "tokens": {"bot": BOT, "owner": OWNER, "limited": LIMITED}}
    return fresh_workspace(**config)


def test_no_command_at_any_log_level_lets_a_secret_out(
    ws: WorkspaceServer, forker: Forker, tmp_path: Path
) -> None:
    lanes = [Lane(ws, tmp_path, level) for level in LEVELS]
    with ThreadPoolExecutor(len(lanes)) as pool:
        codes = dict(zip(LEVELS, pool.map(lambda lane: _every_command(lane, forker), lanes),
                         strict=True))
    # Pachca answers 5xx to every call (the bot's id is given: the POST is the first call,
    # and a POST is not retried, so the failure comes at once).
    ws.workspace.config.update({"error_rate": 1.0})
    with ThreadPoolExecutor(len(lanes)) as pool:
        failed = pool.map(lambda lane: lane.run(
            forker, "run-job", "notice", "--at", "2026-11-21T09:00",
            PACHCA_RUNNER_BOT_USER_ID=str(ws.store.bot_id)), lanes)
        for lane, code in zip(lanes, failed, strict=True):
            codes[lane.level]["5xx"] = code
    ws.workspace.config.update({"error_rate": 0.0})

    leaks = []
    for lane in lanes:
        for log in lane.outputs:
            leaks += [f"{lane.level} {log.name}: {s}" for s in _leaks(log.read_text("utf-8"))]
        leaks += [f"{lane.level} state store: {s}" for s in _leaks(_tables(lane.tmp /
                                                                           "state.db"))]
        for path in sorted((lane.tmp / "exports").glob("*")):
            leaks += [f"{path.name}: {s}" for s in _leaks(path.read_bytes().decode("latin-1"))]
    posted = ws.call(lambda: "\n".join(
        [m.content for m in ws.store.messages.values()]
        + [c.name for c in ws.store.chats.values()]))
    leaks += [f"posted to Pachca: {s}" for s in _leaks(posted)]
    requested = "\n".join(f"{r['path']}?{r['query']}" for r in ws.workspace.log)
    leaks += [f"request line: {s}" for s in _leaks(requested)]
    for lane in lanes:  # the button key is kept in the store (only there), in no output
        forms = _key_forms(lane.tmp / "state.db")
        seen = [posted, requested] + [log.read_text("utf-8") for log in lane.outputs]
        leaks += [f"{lane.level} button key" for text in seen for form in forms if form in text]
    assert not leaks, "\n".join(leaks)

    for lane in lanes:  # the failing paths did say what failed, only without the secrets
        said = "\n".join(log.read_text("utf-8") for log in lane.outputs)
        for words in ("token rejected", "-> 50", "${PACHCA_TOKEN}", "PACHCA_RUNNER_LEASE:",
                      "source 'crm' failed"):
            assert words in said, (lane.level, words)
    for level, by_command in codes.items():  # the commands did run, and failed where meant to
        assert by_command["run-job notice"] == 0, (level, by_command)
        assert by_command["401"] == by_command["5xx"] == by_command["run-job broken-post"] == 1
        assert by_command["bad setting"] == by_command["bad catalogue"] == 2, by_command
        assert by_command["run"] == 0, by_command
        assert by_command["chats"] == by_command["users"] == by_command["init"] == 0, by_command
        assert by_command["pause"] == by_command["resume"] == 0, by_command
        assert by_command["validate"] == 1, by_command  # it names broken-post's missing chat
    TALLY["commands run with secrets set"] += sum(len(c) for c in codes.values())


def test_every_command_is_in_the_secrets_run() -> None:
    import click

    from runner.cli import main

    def names(group: click.Group, prefix: str = "") -> list[str]:
        out = []
        for name, command in group.commands.items():
            out += names(command, f"{prefix}{name} ") if isinstance(command, click.Group) \
                else [f"{prefix}{name}"]
        return out

    covered = {"validate", "jobs", "run-job", "preview", "plan", "history", "diff",
               "docs kinds", "docs settings", "schema", "undo", "bot poll", "bot status",
               "bot set-webhook", "run", "docs templates", "init", "chats", "users",
               "pause", "resume"}
    missing = sorted(set(names(main)) - covered - EXEMPT)
    assert not missing, f"add these commands to the secrets run: {missing}"


async def test_error_texts_carry_no_secret(ws: WorkspaceServer, tmp_path: Path) -> None:
    harness = Harness(ws, tmp_path)
    harness.write_catalogue(yaml.safe_dump(_catalogue(ws, tmp_path / "exports"),
                                           allow_unicode=True))
    harness.env = {"PR_API_KEY": API_KEY}
    refused = await harness.run("notice", token=REVOKED)
    assert refused.status == "failed" and refused.error, "a revoked token was accepted"
    texts = [refused.error, repr(refused.error)]
    for name, value in (("lease", HOOK), ("server_port", API_KEY), ("base_url", BOT)):
        try:
            load_settings(**{name: value}).require_token()
        except RunnerError as exc:
            texts += [str(exc), repr(exc)]
    bad = tmp_path / "bad.yaml"
    bad.write_text('timezone: "${A}"\njobs:\n  a:\n    kind: message\n    schedule: "${B}"\n'
                   '    to: {chats: ["${C}"]}\n    text: "${D}"\n    top: "${A}"\n')
    try:
        validate(bad, env={"A": HOOK, "B": BOT, "C": OWNER, "D": "{{ x }}"})
    except RunnerError as exc:
        texts += [str(exc), repr(exc)] + [str(p) for p in exc.problems]  # type: ignore[attr-defined]
    outcome = await harness.run("broken-post", at=datetime(2026, 11, 20, 6, tzinfo=UTC))
    texts.append(outcome.error or "")
    assert texts and not [t for t in texts if _leaks(t)], [t for t in texts if _leaks(t)]
