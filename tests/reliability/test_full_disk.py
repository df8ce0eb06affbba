"""The state store's disk fills up in the middle of a run.

``run-job`` runs as its own process with a file size limit (``RLIMIT_FSIZE``, SIGXFSZ
ignored): once SQLite's write-ahead log would grow past it, every write fails with an
I/O error, as on a full disk, while Pachca keeps working. The run must end as a failed
job (exit 1, not 2 "bad input"), say how much it had already posted, leave the history
saying so when the store still takes that much, and a rerun of the fire, once there
is room again, must post only what is left.

Whether the run's failed status still fits depends on how much of the limit the
failing write left unused: a few bytes more schema move it from one side to the other.
So both honest endings are accepted, and each is checked for what it promises: "marked
failed", or "running until its claim expires" (the test then lets the claim expire, as
the lease would, before the rerun).
"""

from __future__ import annotations

import re
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from runner.workspace import WorkspaceServer
from tests.reliability.worlds import build, snapshot, workspace_config

# Bytes of the write-ahead log: the claim and the posts' start records fit, not every
# record of their answers. (The starts of concurrent posts commit together, a batch at a
# time, so the limit decides which batch is the last to fit, not which post.)
LIMIT = 50001


def _limited() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, no kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def _runner(env: dict[str, str], cwd: Path, *args: str,
            limited: bool = False) -> subprocess.CompletedProcess[str]:
    """``pachca-runner ARGS`` as its own process, with the file size limit if asked."""
    return subprocess.run([sys.executable, "-m", "runner", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False,
                          preexec_fn=_limited if limited else None)


def _expire_claims(db: Path) -> None:
    """Move every running claim's lease into the past, as waiting out the lease would."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE runs SET lease_until = '2000-01-01 00:00:00.000000'"
                     " WHERE status = 'running'")
    conn.close()


def test_a_full_disk_mid_run_fails_the_run_and_says_what_was_posted(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    (tmp_path / "w").mkdir()
    world = build("message", fresh_workspace(**{**workspace_config("message"),
                                                "rate_limits": False}), tmp_path / "w")
    world.overrides["lease"] = 600  # no renewal writes while it runs
    world.store().close()  # the schema exists; what fills up is the run's own writes
    env = {**world.env(), "PYTHONDONTWRITEBYTECODE": "1"}

    done = _runner(env, world.tmp, *world.run_job_args(), limited=True)

    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output and "error:" not in done.stderr, output
    posted = sum(len(texts) for texts in snapshot(world).posts.values())
    recipients = 9
    assert 0 < posted <= recipients, output
    said = re.search(r"the state store failed mid-run: .*; done before it stopped: posted: (\d+)",
                     output)
    assert said and int(said.group(1)) == posted, output
    with world.store() as state:
        (run,) = state.runs()
    if "the run is marked failed" in output:
        assert run.status == "failed" and run.counts == {"posted": posted}, run
        assert f"posted: {posted}" in (run.error or "")
        first_attempt = "failed"
    else:
        assert "the history shows the run as running until its claim expires (600 s)" \
            in output, output
        assert run.status == "running", run
        _expire_claims(world.tmp / "state.db")  # as 600 s of lease running out would
        first_attempt = "running"

    again = _runner(env, world.tmp, *world.run_job_args())  # room again: rerun the fire

    assert again.returncode == 0, again.stdout + again.stderr
    posts = snapshot(world).posts
    assert len(posts) == recipients and all(len(texts) == 1 for texts in posts.values())
    with world.store() as state:
        (run,) = state.runs()
    assert run.status == "succeeded"
    # The posts of the first attempt whose record the full disk lost were found in the
    # chats, not made again.
    assert run.counts["already_posted"] == posted, run.counts
    shown = _runner(env, world.tmp, "history")
    if first_attempt == "failed":
        # Totals over both attempts, and the first one's failure kept.
        assert run.counts["posted"] == recipients, run.counts
        assert [(a["attempt"], a["status"]) for a in run.earlier_attempts] == [(1, "failed")]
        assert "disk" in (run.earlier_attempts[0]["error"] or "")
        assert f"posted={recipients}" in shown.stdout, shown.stdout
        assert "attempt 1 failed: the state store failed mid-run" in shown.stdout, shown.stdout
    else:
        # The store never learnt how the first attempt ended: it was taken over running.
        assert run.counts.get("posted", 0) == recipients - posted, run.counts
        assert [(a["attempt"], a["status"]) for a in run.earlier_attempts] == [(1, "running")]
        assert f"already_posted={posted}" in shown.stdout, shown.stdout
