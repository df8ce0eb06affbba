"""Every setting the README documents changes what the runner does, driven as an operator
drives it: the same command with and without the variable, against the embedded
workspace over HTTP. A documented setting without a driver here fails the test."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, update

from runner.cli import main
from runner.state import StateStore
from runner.state.schema import runs
from runner.workspace import WorkspaceServer
from tests.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]


def documented() -> list[str]:
    """The variables of the README's Settings table."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE)


@dataclass
class Op:
    """An operator's folder: jobs.yaml, a state DB, the environment the runner gets."""

    ws: WorkspaceServer
    tmp: Path
    env: dict[str, str | None]

    def cli(self, *args: str, **env: str | None) -> Result:
        return CliRunner().invoke(main, list(args), env={**self.env, **env},
                                  catch_exceptions=False)

    def write(self, text: str) -> None:
        (self.tmp / "jobs.yaml").write_text(textwrap.dedent(text), encoding="utf-8")

    def chats(self, n: int) -> list[int]:
        """Group chats the owner (whose token runs the jobs here) may post to."""
        store = self.ws.store
        return self.ws.call(lambda: sorted(
            c.id for c in store.chats.values() if not c.personal and not c.archived
            and store.owner_id in c.member_ids))[:n]

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        url = f"{self.ws.root_url}/_workspace/requests"
        return list(httpx.get(url, params={"since": since}).json()["requests"])

    def mark(self) -> int:
        url = f"{self.ws.root_url}/_workspace/requests"
        return int(httpx.get(url, params={"since": 1 << 30}).json()["total"])

    def message_job(self, chats: list[int] | None = None, timeout: str = "30s") -> None:
        self.write(f"""\
            timezone: Europe/Moscow
            jobs:
              notice:
                kind: message
                schedule: "0 9 * * 1"
                timeout: {timeout}
                to: {{chats: {chats or self.chats(1)}}}
                text: "Объявление"
            """)


@pytest.fixture
def op(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Op:
    monkeypatch.chdir(tmp_path)  # no .env of the repository's folder
    ws = fresh_workspace(conversations=12, channels=2, direct_chats=4, messages=400)
    env: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith("PACHCA_")}
    env.update({"PACHCA_TOKEN": ws.owner_token, "PACHCA_BASE_URL": ws.base_url,
                "PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
                "PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"),
                "PACHCA_RUNNER_SERVER_PORT": "0"})
    return Op(ws, tmp_path, env)


def one_line(result: Result) -> str:
    return " ".join(result.output.split())


# -- the drivers: one per documented variable -------------------------------------------


def token(op: Op) -> None:
    op.message_job()
    assert op.cli("run-job", "notice", "--dry-run").exit_code == 0
    missing = op.cli("run-job", "notice", "--dry-run", PACHCA_TOKEN=None)
    assert missing.exit_code == 2 and "PACHCA_TOKEN" in missing.output


def export_token(op: Op) -> None:
    op.write("""\
        jobs:
          history-export:
            kind: export
            schedule: "0 3 * * *"
            timeout: 20s
            period: yesterday
            output_dir: exports
        """)

    def who_asked(**env: str | None) -> set[str]:
        mark = op.mark()
        op.cli("run-job", "history-export", **env)
        return {r["token_kind"] for r in op.requests(mark)
                if r["method"] == "POST" and r["path"].endswith("/chats/exports")}

    # Without it the bot's token would export: its scopes lack the owner's export
    # scopes, so the run stops before asking, and says to set this variable.
    mark = op.mark()
    alone = op.cli("run-job", "history-export", PACHCA_TOKEN=op.ws.bot_token)
    assert "set PACHCA_EXPORT_TOKEN" in alone.output
    assert ("bot", "/oauth/token/info") in {(r["token_kind"], r["path"].rsplit("/v1", 1)[-1])
                                          for r in op.requests(mark)}
    assert who_asked(PACHCA_TOKEN=op.ws.bot_token) == set()
    assert who_asked(PACHCA_TOKEN=op.ws.bot_token,
                     PACHCA_EXPORT_TOKEN=op.ws.owner_token) == {"owner"}


def base_url(op: Op) -> None:
    op.message_job()
    assert op.cli("run-job", "notice", "--dry-run").exit_code == 0
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    nowhere = op.cli("run-job", "notice", "--dry-run",
                     PACHCA_BASE_URL=f"http://127.0.0.1:{port}/api/shared/v1")
    assert nowhere.exit_code != 0 and "cannot connect" in one_line(nowhere)


def webhook_secret(op: Op) -> None:
    # Pushed bot events are accepted only when signed with the secret: without one, a
    # daemon set to receive them refuses to start; with one, an unsigned push is refused.
    op.write(QUIET_JOB + "bot: {events: push}\n")
    port = _free_port()
    refused = subprocess.run([sys.executable, "-m", "runner", "run"], env=_env(op, port),
                             cwd=op.tmp, capture_output=True, text=True, timeout=60,
                             check=False)
    assert refused.returncode == 2 and "PACHCA_WEBHOOK_SECRET" in refused.stderr
    proc = subprocess.Popen([sys.executable, "-m", "runner", "run"], cwd=op.tmp,
                            env=_env(op, port, PACHCA_WEBHOOK_SECRET="s3cret-value"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 120, "the server")
        unsigned = httpx.post(f"http://127.0.0.1:{port}/pachca/events", content=b"{}",
                              headers={"Content-Type": "application/json"})
        assert unsigned.status_code in (401, 403), unsigned.status_code
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


QUIET_JOB = """\
jobs:
  later:
    kind: message
    schedule: "0 9 1 1 *"
    enabled: false
    to: {chats: [1]}
    text: x
"""


def catalogue(op: Op) -> None:
    op.message_job()
    other = op.tmp / "other.yaml"
    other.write_text("jobs: {}\n", encoding="utf-8")
    assert op.cli("validate", "--offline").exit_code == 0
    chosen = op.cli("validate", "--offline", PACHCA_RUNNER_CATALOGUE=str(other))
    assert chosen.exit_code == 2 and "other.yaml" in chosen.output


def state_url(op: Op) -> None:
    op.message_job()
    assert op.cli("run-job", "notice", "--dry-run").exit_code == 0
    assert "notice" in op.cli("history").output
    elsewhere = f"sqlite:///{op.tmp / 'elsewhere.db'}"
    assert "notice" not in op.cli("history", PACHCA_RUNNER_STATE_URL=elsewhere).output


def server_host(op: Op) -> None:
    # The daemon's server listens on the address given (another loopback one here).
    op.write(QUIET_JOB)
    port = _free_port()
    with _daemon(op, port, PACHCA_RUNNER_SERVER_HOST="127.0.0.2"):
        wait_for(lambda: _answers(f"http://127.0.0.2:{port}/healthz"), 120, "the server")
        assert _answers(f"http://127.0.0.2:{port}/healthz")
        assert not _answers(f"http://127.0.0.1:{port}/healthz")


def server_body_timeout(op: Op) -> None:
    # A client that sends headers and then stalls gets 408 once the body deadline passes.
    op.write(QUIET_JOB + "bot: {events: push}\n")  # the bot's push route reads bodies
    head = (b"POST /pachca/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\n\r\n")
    for timeout, stalled_answer in (("0.3", True), (None, False)):
        port = _free_port()
        with _daemon(op, port, PACHCA_RUNNER_SERVER_BODY_TIMEOUT=timeout,
                     PACHCA_WEBHOOK_SECRET="s3cret-value"):
            # The push route is added once the bot side is set up, which may be after
            # /healthz first answers: wait until the route itself is there.
            wait_for(lambda p=port: _route_is_there(f"http://127.0.0.1:{p}/pachca/events"),
                     120, "the push route")
            with socket.create_connection(("127.0.0.1", port)) as conn:
                conn.sendall(head)
                conn.settimeout(3.0)  # ten times the short deadline; far below the default
                try:
                    answer = conn.recv(200)
                except TimeoutError:
                    answer = b""
            assert (b" 408 " in answer) is stalled_answer, (timeout, answer)


def _pushed(op: Op, forwarded_for: str | None = None, **env: str | None) -> int:
    """The status an unsigned push to the bot's route gets from a daemon with ``env``,
    sent from 127.0.0.1 (through a proxy saying ``forwarded_for``, if given)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _daemon(op, port, PACHCA_WEBHOOK_SECRET="s3cret-value", **env):
        wait_for(lambda: _answers(base + "/healthz"), 120, "the server")
        # The push route comes once the bot side is set up, maybe after /healthz answers:
        # a GET from an accepted sender is 405 once it is there; a refused one gets 403
        # on every webhook path, there or not.
        wait_for(lambda: httpx.get(base + "/pachca/events").status_code in (403, 405), 120,
                 "the push route")
        headers = {"Content-Type": "application/json"}
        if forwarded_for is not None:
            headers["X-Forwarded-For"] = forwarded_for
        return httpx.post(base + "/pachca/events", content=b"{}", headers=headers).status_code


def webhook_senders(op: Op) -> None:
    # The runner talks to the workspace on loopback, so by default its webhooks (and so
    # this test's, from 127.0.0.1) get as far as the signature check; naming Pachca's
    # address alone refuses them before.
    op.write(QUIET_JOB + "bot: {events: push}\n")
    assert _pushed(op) == 401
    assert _pushed(op, PACHCA_RUNNER_WEBHOOK_SENDERS="37.200.70.177") == 403


def trusted_proxies(op: Op) -> None:
    # A proxy on loopback says the push came from Pachca's address: believed only when
    # the proxy is trusted.
    op.write(QUIET_JOB + "bot: {events: push}\n")
    pachca = {"PACHCA_RUNNER_WEBHOOK_SENDERS": "37.200.70.177"}
    assert _pushed(op, "37.200.70.177", **pachca) == 403
    assert _pushed(op, "37.200.70.177", PACHCA_RUNNER_TRUSTED_PROXIES="127.0.0.1",
                   **pachca) == 401


def console(op: Op) -> None:
    # The daemon's server answers the console's pages only when it is turned on.
    op.write(QUIET_JOB)
    for value, status in ((None, 404), ("true", 200)):
        port = _free_port()
        with _daemon(op, port, PACHCA_RUNNER_CONSOLE=value):
            wait_for(lambda p=port: _answers(f"http://127.0.0.1:{p}/healthz"), 120, "server")
            answer = httpx.get(f"http://127.0.0.1:{port}/console/jobs", timeout=10)
            assert answer.status_code == status, (value, answer.status_code)


def _console_answers(op: Op, **env: str | None) -> int:
    """The status of the console's Jobs page on a daemon run with ``env``."""
    port = _free_port()
    with _daemon(op, port, PACHCA_RUNNER_CONSOLE="true", **env):
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 120, "server")
        return httpx.get(f"http://127.0.0.1:{port}/console/jobs", timeout=10).status_code


def console_users(op: Op) -> None:
    # With accounts, even this computer must log in (303 to the login page).
    from runner.web.auth import hash_password

    op.write(QUIET_JOB)
    users = f"anna:operator:{hash_password('pw-1')}"
    assert _console_answers(op) == 200
    assert _console_answers(op, PACHCA_RUNNER_CONSOLE_USERS=users) == 303


def console_password(op: Op) -> None:
    op.write(QUIET_JOB)
    assert _console_answers(op, PACHCA_RUNNER_CONSOLE_PASSWORD="admin-pw-77") == 303


def server_port(op: Op) -> None:
    op.write("jobs:\n  e:\n    kind: export\n    schedule: '0 3 * * *'\n    period: yesterday\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        busy = op.cli("run-job", "e", "--dry-run", PACHCA_RUNNER_SERVER_PORT=port)
    assert busy.exit_code != 0 and port in busy.output
    assert op.cli("run-job", "e", "--dry-run").exit_code == 0


def public_url(op: Op) -> None:
    op.message_job()
    bot = str(op.ws.store.bot_id)
    unknown = op.cli("bot", "status", "--bot-id", bot)
    known = op.cli("bot", "status", "--bot-id", bot,
                   PACHCA_RUNNER_PUBLIC_URL="https://runner.example.com")
    assert "cannot tell" in unknown.output
    assert "matches this runner (https://runner.example.com" in known.output


def bot_user_id(op: Op) -> None:
    # Whose messages are not activity: the token's user, or the one named.
    (chat,) = op.chats(1)
    op.write(f"""\
        jobs:
          weekly:
            kind: activity_report
            schedule: "0 9 * * 1"
            period: last_7_days
            to: {{chats: [{chat}]}}
        """)
    store = op.ws.store
    since = int((datetime.now(UTC) - timedelta(days=8)).timestamp() * 1000)
    authors = op.ws.call(lambda: Counter(m.user_id for m in store.messages.values()
                                         if m.created_ms >= since))
    owner_count = authors.get(op.ws.store.owner_id, 0)
    other = next(u for u, n in authors.items() if n != owner_count and n > 0)

    def counted(**env: str | None) -> str:
        result = op.cli("run-job", "weekly", "--dry-run",
                        PACHCA_RUNNER_TEMPLATES_DIR=str(REPO / "templates"), **env)
        found = re.search(r"\d+ active chats, \d+ messages", one_line(result))
        assert found is not None, result.output
        return found.group(0)

    assert counted() != counted(PACHCA_RUNNER_BOT_USER_ID=str(other))


def max_retry_after(op: Op) -> None:
    op.message_job(op.chats(1))
    # Pachca answers 429 with a Retry-After of about a second to every other call.
    httpx.post(f"{op.ws.root_url}/_workspace/faults", json={"burst_429_rate": 0.5})
    patient = op.cli("run-job", "notice", "--dry-run", PACHCA_RUNNER_BOT_USER_ID="1")
    impatient = op.cli("run-job", "notice", "--dry-run", PACHCA_RUNNER_MAX_RETRY_AFTER="0",
                       PACHCA_RUNNER_BOT_USER_ID="1")
    httpx.post(f"{op.ws.root_url}/_workspace/faults", json={"burst_429_rate": 0.0})
    assert patient.exit_code == 0, patient.output
    assert impatient.exit_code == 1 and "429" in one_line(impatient) or \
        "rate" in one_line(impatient).lower()


def replica_id(op: Op) -> None:
    op.message_job()
    op.cli("run-job", "notice", "--dry-run", PACHCA_RUNNER_REPLICA_ID="north-1")
    assert "north-1" in op.cli("history").output


def lease(op: Op) -> None:
    op.message_job()
    op.cli("run-job", "notice", "--dry-run", PACHCA_RUNNER_LEASE="5000")
    op.cli("run-job", "notice", "--dry-run")
    held = [datetime.fromisoformat(r["lease_until"]) - datetime.fromisoformat(r["started_at"])
            for r in json.loads(op.cli("history", "--json").output)]
    assert sorted(round(h.total_seconds(), -2) for h in held) == [0, 5000]


def history_retention_days(op: Op) -> None:
    op.message_job()
    for _ in range(2):
        assert op.cli("run-job", "notice", "--dry-run").exit_code == 0
    engine = create_engine(str(op.env["PACHCA_RUNNER_STATE_URL"]))
    with engine.begin() as conn:  # one of them ran 30 days ago
        conn.execute(update(runs).where(runs.c.id == 1).values(
            started_at=datetime.now(UTC) - timedelta(days=30)))
    engine.dispose()
    op.write(QUIET_JOB)

    def kept_after_start(**env: str) -> int:
        with _daemon(op, _free_port(), **env) as log:
            # Its first beat starts right after this line; a stop lets that beat finish.
            wait_for(lambda: "started: " in log.read_text("utf-8"), 120, "the daemon")
        store = StateStore(str(op.env["PACHCA_RUNNER_STATE_URL"]), replica="probe")
        try:
            return len(store.runs("notice", limit=10))
        finally:
            store.close()

    assert kept_after_start() == 2  # 90 days by default
    assert kept_after_start(PACHCA_RUNNER_HISTORY_RETENTION_DAYS="7") == 1


def log_format(op: Op) -> None:
    op.write(QUIET_JOB)
    for fmt in ("text", "json"):
        with _daemon(op, _free_port(), PACHCA_RUNNER_LOG_FORMAT=fmt) as log:
            wait_for(lambda: "started" in log.read_text("utf-8"), 120, "the daemon")
        lines = log.read_text("utf-8").splitlines()
        start = next(line for line in lines if "started" in line)
        if fmt == "text":
            stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+  "
            assert re.match(stamp + r"started: 0 job\(s\) scheduled, 1 disabled", start)
        else:  # every line an object, the start line's fields among them
            records = [json.loads(line) for line in lines]
            assert any(r.get("event") == "start" and r["disabled"] == 1 for r in records)


def templates_dir(op: Op) -> None:
    op.write("jobs:\n  n:\n    kind: message\n    schedule: '0 9 * * 1'\n"
             "    to: {chats: [1]}\n    template: notice.md.j2\n")
    shared = op.tmp / "shared"
    shared.mkdir()
    (shared / "notice.md.j2").write_text("Объявление", encoding="utf-8")
    assert op.cli("validate", "--offline").exit_code == 2
    assert op.cli("validate", "--offline",
                  PACHCA_RUNNER_TEMPLATES_DIR=str(shared)).exit_code == 0


def timezone(op: Op) -> None:
    op.write("jobs:\n  n:\n    kind: message\n    schedule: '0 9 * * *'\n"
             "    to: {chats: [1]}\n    text: x\n")
    assert "09:00 UTC" in op.cli("jobs", "--from", "2026-12-01T00:00").output
    assert "09:00 MSK" in op.cli("jobs", "--from", "2026-12-01T00:00",
                                 PACHCA_RUNNER_TIMEZONE="Europe/Moscow").output
    wrong = op.cli("jobs", PACHCA_RUNNER_TIMEZONE="Europe/Moskow")
    assert wrong.exit_code == 2 and "Europe/Moscow" in wrong.output  # suggests the right one


def lang(op: Op) -> None:
    op.write("jobs:\n  n:\n    kind: message\n    shedule: '0 9 * * *'\n"
             "    to: {chats: [1]}\n    text: x\n")
    assert "unknown field" in op.cli("validate").output
    assert "неизвестное поле" in op.cli("validate", PACHCA_RUNNER_LANG="ru").output


def request_timeout(op: Op) -> None:
    op.message_job()
    httpx.post(f"{op.ws.root_url}/_workspace/faults", json={"latency": 0.5})
    try:
        short = op.cli("run-job", "notice", "--dry-run", PACHCA_RUNNER_REQUEST_TIMEOUT="0.05",
                       PACHCA_RUNNER_RETRY_BACKOFF="0.01")
        enough = op.cli("run-job", "notice", "--dry-run")
    finally:
        httpx.post(f"{op.ws.root_url}/_workspace/faults", json={"latency": 0.0})
    assert short.exit_code == 1 and "no answer in time" in one_line(short)
    assert enough.exit_code == 0, enough.output


def retry_backoff(op: Op) -> None:
    # Every call fails with a 5xx: the retries wait 0.01 s, or far longer than the job may.
    op.message_job(timeout="3s")
    httpx.post(f"{op.ws.root_url}/_workspace/faults", json={"error_rate": 1.0})
    try:
        quick = op.cli("run-job", "notice", "--dry-run", PACHCA_RUNNER_BOT_USER_ID="1",
                       PACHCA_RUNNER_RETRY_BACKOFF="0.01")
        slow = op.cli("run-job", "notice", "--dry-run", PACHCA_RUNNER_BOT_USER_ID="1",
                      PACHCA_RUNNER_RETRY_BACKOFF="1000")
    finally:
        httpx.post(f"{op.ws.root_url}/_workspace/faults", json={"error_rate": 0.0})
    assert "did not finish within its timeout" not in quick.output
    assert "did not finish within its timeout of 3 s" in one_line(slow)


def rate_limit_scale(op: Op) -> None:
    # Eight chats to check at once: more than the burst of "other" calls the limiter allows.
    op.message_job(op.chats(8), timeout="3s")
    assert op.cli("run-job", "notice", "--dry-run").exit_code == 0
    slowed = op.cli("run-job", "notice", "--dry-run", PACHCA_RUNNER_RATE_LIMIT_SCALE="0.00001")
    assert "did not finish within its timeout of 3 s" in one_line(slowed)


DRIVERS: dict[str, Callable[[Op], None]] = {
    "PACHCA_TOKEN": token, "PACHCA_EXPORT_TOKEN": export_token, "PACHCA_BASE_URL": base_url,
    "PACHCA_WEBHOOK_SECRET": webhook_secret, "PACHCA_RUNNER_CATALOGUE": catalogue,
    "PACHCA_RUNNER_STATE_URL": state_url, "PACHCA_RUNNER_SERVER_HOST": server_host,
    "PACHCA_RUNNER_SERVER_PORT": server_port, "PACHCA_RUNNER_CONSOLE": console,
    "PACHCA_RUNNER_CONSOLE_USERS": console_users,
    "PACHCA_RUNNER_CONSOLE_PASSWORD": console_password,
    "PACHCA_RUNNER_SERVER_BODY_TIMEOUT": server_body_timeout, "PACHCA_RUNNER_PUBLIC_URL": public_url,
    "PACHCA_RUNNER_BOT_USER_ID": bot_user_id, "PACHCA_RUNNER_MAX_RETRY_AFTER": max_retry_after,
    "PACHCA_RUNNER_REPLICA_ID": replica_id, "PACHCA_RUNNER_LEASE": lease,
    "PACHCA_RUNNER_HISTORY_RETENTION_DAYS": history_retention_days,
    "PACHCA_RUNNER_TEMPLATES_DIR": templates_dir, "PACHCA_RUNNER_TIMEZONE": timezone,
    "PACHCA_RUNNER_LANG": lang, "PACHCA_RUNNER_LOG_FORMAT": log_format,
    "PACHCA_RUNNER_REQUEST_TIMEOUT": request_timeout,
    "PACHCA_RUNNER_RETRY_BACKOFF": retry_backoff,
    "PACHCA_RUNNER_RATE_LIMIT_SCALE": rate_limit_scale,
    "PACHCA_RUNNER_WEBHOOK_SENDERS": webhook_senders,
    "PACHCA_RUNNER_TRUSTED_PROXIES": trusted_proxies,
}


def test_the_readme_documents_settings() -> None:
    assert len(documented()) >= 15


@pytest.mark.parametrize("name", documented())
def test_every_documented_setting_changes_behaviour(name: str, op: Op) -> None:
    driver = DRIVERS.get(name)
    assert driver is not None, f"{name} is documented: add a driver showing what it changes"
    driver(op)


# -- helpers ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _route_is_there(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code not in (404, 500, 502, 503)
    except httpx.HTTPError:
        return False


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


@contextmanager
def _daemon(op: Op, port: int, **env: str | None) -> Iterator[Path]:
    """``pachca-runner -v run`` in the operator's folder; yields its log; stops it."""
    log = op.tmp / f"daemon-{port}.log"
    more = {k: v for k, v in env.items() if v is not None}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "runner", "-v", "run"], cwd=op.tmp,
                                env=_env(op, port, **more), stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        yield log
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text("utf-8")[-2000:]


def _env(op: Op, port: int, **more: str) -> dict[str, str]:
    """The environment of a ``pachca-runner run`` child process."""
    env = {k: v for k, v in {**os.environ, **op.env, **more}.items() if v is not None}
    env.update({"PACHCA_RUNNER_SERVER_PORT": str(port), "PYTHONPATH": str(REPO)})
    return env
