"""Several ``pachca-runner run`` processes on one PostgreSQL: each fire runs once, a
replica killed mid-run is finished by another, missed fires are caught up once, and
SQLite refuses a second replica.

Real processes, a real PostgreSQL (``tests/postgres.py``) and the embedded workspace;
what counts is what reached the workspace, not what the runner believes it did.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from click.testing import CliRunner

from runner import app, logs
from runner.cli import main
from runner.replicas import Maintenance
from runner.scheduler import Daemon
from runner.state import RunRecord, StateStore
from runner.workspace import WorkspaceServer
from tests.harness import Harness
from tests.replica_support import Process, bot_chats, bot_texts, runner_env
from tests.waiting import wait_for

MSK = ZoneInfo("Europe/Moscow")
FIRE_TEXT = "Запуск за %Y-%m-%d %H:%M:%S"

TICK = """\
timezone: Europe/Moscow
jobs:
  tick:
    kind: message
    schedule: {every: 1s}
    misfire_grace: 30s
    to: {chats: [CHATS]}
    text: "{{ now.strftime('FIRE_TEXT') }}"
"""


def _write(tmp: Path, text: str) -> None:
    (tmp / "jobs.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def _runs(url: str, job: str) -> list[RunRecord]:
    with StateStore(url, replica="probe") as store:
        return store.runs(job, limit=10_000)


def _control(ws: WorkspaceServer, method: str, path: str, **kw: Any) -> Any:
    response = httpx.request(method, f"{ws.root_url}/_workspace/{path}", timeout=10, **kw)
    response.raise_for_status()
    return response.json()


def _mentioned(text: str, fire: datetime) -> bool:
    """Whether a replica's log has a line about ``fire`` (its run, or why it skipped it)."""
    return logs.moment(fire.astimezone(MSK)) in text


def test_three_replicas_run_every_fire_once_and_survive_a_kill(
    fresh_workspace: Callable[..., WorkspaceServer], pg_store_url: str, tmp_path: Path
) -> None:
    ws = fresh_workspace()
    chats = bot_chats(ws, ["Первый", "Второй", "Третий"])
    _write(tmp_path, TICK.replace("CHATS", ", ".join(map(str, chats)))
           .replace("FIRE_TEXT", FIRE_TEXT))
    names = ["r1", "r2", "r3"]
    procs = {
        name: Process.start(name, runner_env(ws, tmp_path, pg_store_url, replica_id=name,
                                             lease="3"), tmp_path, "run")
        for name in names
    }
    try:
        wait_for(lambda: all("started: 1 job(s) scheduled" in p.text() for p in procs.values()),
                 60, "three replicas to start")
        # Every fire from here on comes to all three schedulers: each says what it did.
        watched_from = datetime.now(UTC)
        # Hold the next post to the second chat at the door: the run making it cannot end
        # before the kill, whatever this machine's speed.
        _control(ws, "POST", "hold", json={"after_writes": 0, "chat_id": chats[1]})
        wait_for(lambda: _control(ws, "GET", "hold")["held"], 60, "a run's second post held")
        content = _control(ws, "GET", "hold")["request"]["body"]["message"]["content"]
        fire = datetime.strptime(content, FIRE_TEXT).replace(tzinfo=MSK).astimezone(UTC)
        victim = next(r for r in _runs(pg_store_url, "tick") if r.scheduled_for == fire)
        assert victim.status == "running"
        # A run posts to its chats side by side: the other two posts are not held.
        wait_for(lambda: all(content in bot_texts(ws, c) for c in (chats[0], chats[2])), 60,
                 "the held run's other two posts")
        procs[victim.replica].kill()
        _control(ws, "POST", "hold", json={"release": "drop"})  # its sender is gone
        survivors = [n for n in names if n != victim.replica]

        def resumed_and_more() -> datetime | None:
            runs = _runs(pg_store_url, "tick")
            resumed = next(r for r in runs if r.key == victim.key)
            if resumed.status != "succeeded" or resumed.finished_at is None:
                return None
            later = [r.scheduled_for for r in runs if r.scheduled_for is not None
                     and r.status == "succeeded" and r.scheduled_for > resumed.finished_at]
            return max(later) if len(later) >= 3 else None

        # The interrupted run finished by another replica, then three more fires run.
        last = wait_for(resumed_and_more, 120, "the takeover and three fires after it",
                        interval=0.5)
        wait_for(lambda: all(_mentioned(procs[n].text(), last) for n in survivors), 60,
                 "both survivors past the last fire watched")
        for name in survivors:
            assert procs[name].stop() == 0, procs[name].text()[-2000:]
    finally:
        for proc in procs.values():
            proc.ensure_gone()

    everything = _runs(pg_store_url, "tick")
    # A fire every replica was too busy for is recorded as skipped once its grace passed.
    skipped = [r for r in everything if r.status == "skipped"]
    assert all(r.error == "previous run still going" for r in skipped)
    runs = [r for r in everything if r.status != "skipped"]
    assert {r.status for r in runs} == {"succeeded"}
    fires = sorted(r.scheduled_for for r in runs if r.scheduled_for is not None)
    assert len(fires) == len(runs) and not {r.scheduled_for for r in skipped} & set(fires)
    # None lost: every second watched has its one run, unless every replica alive then
    # said it skipped it (busy with the previous run, or woken late and merged it into
    # a later fire). How many that is depends on the machine; that each is said does not.
    grid = [fires[0] + timedelta(seconds=i)
            for i in range(int((last - fires[0]).total_seconds()) + 1)]
    seconds = [s for s in grid if s > watched_from]
    alive = {n: procs[n].text() for n in survivors}
    for second in seconds:
        said = f"tick: the fire of {logs.moment(second.astimezone(MSK))} skipped: "
        assert second in fires or all(said in text for text in alive.values()), (
            f"the fire of {second} was lost")
    # Each fire reached each chat exactly once, whoever ran it and however often it was tried.
    expected = Counter(f.astimezone(MSK).strftime(FIRE_TEXT) for f in fires)
    for chat in chats:
        assert Counter(bot_texts(ws, chat)) == expected
    resumed = next(r for r in runs if r.key == victim.key)
    assert resumed.attempt >= 2 and resumed.replica in survivors
    # Done before the kill: not redone; the held one, dropped at the door, posted now
    # (or by an earlier attempt, if a stalled machine let a live takeover's lease lapse).
    assert resumed.counts.get("already_posted", 0) >= 2
    assert sum(resumed.counts.values()) == len(chats)
    for name in survivors:
        assert "Traceback" not in procs[name].text()
    assert any("taking over" in procs[n].text() for n in survivors)

    # history shows which replica ran what, and the takeover.
    env = {"PACHCA_RUNNER_STATE_URL": pg_store_url, "PACHCA_RUNNER_CATALOGUE": "jobs.yaml"}
    shown = CliRunner().invoke(main, ["history", "tick", "--json", "-n", "1000"], env=env)
    assert shown.exit_code == 0, shown.output
    row = next(r for r in json.loads(shown.output) if r["key"] == victim.key)
    assert row["attempt"] == resumed.attempt and row["replica"] == resumed.replica
    table = CliRunner().invoke(main, ["history", "tick", "-n", "1000"], env=env)
    assert f"{resumed.replica} (attempt {resumed.attempt})" in table.output


def test_fires_missed_while_every_replica_was_down_are_caught_up_once(
    fresh_workspace: Callable[..., WorkspaceServer], pg_store_url: str, tmp_path: Path
) -> None:
    ws = fresh_workspace()
    (chat,) = bot_chats(ws, ["Сводки"])
    # A daily job whose fire was ten minutes ago: the last run was five days ago, so four
    # fires were missed, three of them within the catch-up window of three days.
    now = datetime.now(MSK)
    fire = (now - timedelta(minutes=10)).replace(second=0, microsecond=0)
    _write(tmp_path, f"""\
        timezone: Europe/Moscow
        jobs:
          daily:
            kind: message
            schedule: "{fire.minute} {fire.hour} * * *"
            catchup: 3d
            to: {{chats: [{chat}]}}
            text: "{{{{ now.strftime('{FIRE_TEXT}') }}}}"
          too-late:
            kind: message
            schedule: "{fire.minute} {fire.hour} * * *"
            catchup: 5m
            to: {{chats: [{chat}]}}
            text: "Опоздавшая {{{{ now.strftime('{FIRE_TEXT}') }}}}"
        """)
    five_days_ago = fire - timedelta(days=5)
    with StateStore(pg_store_url, replica="old",
                    clock=lambda: five_days_ago.timestamp()) as store:
        handle = store.claim("daily", f"daily@{five_days_ago.astimezone(UTC).isoformat()}",
                             kind="message", scheduled_for=five_days_ago, lease=30)
        assert handle is not None
        store.finish(handle, "succeeded", counts={"posted": 1}, lines=[], error=None)

    # Both replicas start after the downtime and both see the missed fire.
    procs = [Process.start(name, runner_env(ws, tmp_path, pg_store_url, replica_id=name),
                           tmp_path, "run") for name in ("r1", "r2")]
    try:
        wait_for(lambda: all("started: 2 job(s) scheduled" in p.text() for p in procs), 30,
                 "both replicas past their catch-up")
        # The catch-up starts beside the "started" line: wait for its run, not for quiet.
        wait_for(lambda: any(r.scheduled_for == fire and r.status != "running"
                             for r in _runs(pg_store_url, "daily")), 30,
                 "the catch-up run to finish")
        for proc in procs:
            assert proc.stop() == 0, proc.text()[-2000:]
    finally:
        for proc in procs:
            proc.ensure_gone()

    runs = _runs(pg_store_url, "daily")
    assert [(r.scheduled_for, r.status) for r in runs] == [
        (fire.astimezone(UTC), "succeeded"), (five_days_ago.astimezone(UTC), "succeeded")]
    assert bot_texts(ws, chat) == [fire.strftime(FIRE_TEXT)]  # once, for the latest fire
    assert _runs(pg_store_url, "too-late") == []  # outside its window: not run
    assert any("catching up the missed run" in p.text() for p in procs)


def test_sqlite_refuses_a_second_replica_but_not_a_restart_after_a_crash(
    workspace: WorkspaceServer, tmp_path: Path
) -> None:
    _write(tmp_path, """\
        timezone: Europe/Moscow
        jobs:
          yearly:
            kind: message
            schedule: "0 3 1 1 *"
            to: {chats: [1]}
            text: "С Новым годом"
        """)
    env = runner_env(workspace, tmp_path, f"sqlite:///{tmp_path / 'state.db'}")
    started: list[Process] = []

    def start(name: str) -> Process:
        started.append(Process.start(name, env, tmp_path, "run"))
        return started[-1]

    try:
        first = start("first")
        wait_for(lambda: "started: 1 job(s) scheduled" in first.text(), 30, "the first replica to start")
        second = start("second")
        assert second.wait() == 2
        assert ("error: SQLite state cannot be shared by several replicas: set"
                " PACHCA_RUNNER_STATE_URL to a PostgreSQL URL") in second.text()
        assert "Traceback" not in second.text()
        assert first.proc.poll() is None  # the first one is not disturbed

        # A crash leaves no lock behind: the replacement starts at once.
        first.kill()
        third = start("third")
        wait_for(lambda: "started: 1 job(s) scheduled" in third.text(), 30, "the replacement to start")
        assert third.stop() == 0
    finally:
        for proc in started:
            proc.ensure_gone()


async def test_maintenance_resumes_stale_fires_abandons_the_rest_and_prunes(
    workspace: WorkspaceServer, tmp_path: Path
) -> None:
    store_ = workspace.store
    chat = workspace.call(lambda: min(c.id for c in store_.chats.values() if not c.personal
                                      and not c.archived and store_.bot_id in c.member_ids))
    h = Harness(workspace, tmp_path)
    h.write_catalogue(f"""\
        timezone: Europe/Moscow
        jobs:
          note:
            kind: message
            schedule: "0 9 * * *"
            to: {{chats: [{chat}]}}
            text: "Заметка за {{{{ now.strftime('{FIRE_TEXT}') }}}}"
        """)
    settings = h.settings(history_retention_days=30)
    fire = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    # Runs of a replica that died an hour ago: every lease has long expired.
    with StateStore(settings.state_url, replica="gone",
                    clock=lambda: an_hour_ago.timestamp()) as gone:
        def claim(job: str, key: str, **kw: Any) -> int:
            handle = gone.claim(job, key, kind="message", lease=30, **kw)
            assert handle is not None
            return handle.run_id

        scheduled = claim("note", f"note@{fire.isoformat()}", scheduled_for=fire)
        manual = claim("note", "note@manual:0a1b2c", scheduled_for=None)
        dry = claim("note", "note@dry-run:3d4e5f", scheduled_for=fire, dry_run=True)
        removed = claim("old-job", f"old-job@{fire.isoformat()}", scheduled_for=fire)
    long_ago = datetime.now(UTC) - timedelta(days=40)
    with StateStore(settings.state_url, replica="gone",
                    clock=lambda: long_ago.timestamp()) as old:
        handle = old.claim("note", "note@manual:999999", kind="message", scheduled_for=None,
                           lease=30)
        assert handle is not None
        old.finish(handle, "succeeded", counts={}, lines=[], error=None)

    async with app.runtime(settings, h.catalogue()) as rt:
        daemon = Daemon(rt)
        beat = Maintenance(rt, retention_days=30, take_over=daemon.take_over)
        await beat()
        await beat()  # a second beat while the takeover runs does not start it twice
        await daemon.finish_running()
        runs = {r.id: r for r in rt.state.sync.runs(limit=100)}

    resumed = runs[scheduled]
    assert (resumed.status, resumed.attempt, resumed.replica) == ("succeeded", 2, "test")
    assert bot_texts(workspace, chat).count(fire.astimezone(MSK).strftime("Заметка за "
                                                                          + FIRE_TEXT)) == 1
    assert runs[manual].status == "abandoned" and "manual run" in (runs[manual].error or "")
    assert runs[dry].status == "abandoned" and "dry run" in (runs[dry].error or "")
    assert runs[removed].status == "abandoned"
    assert "no longer in the catalogue" in (runs[removed].error or "")
    assert handle.run_id not in runs  # older than history_retention_days: pruned

    shown = CliRunner().invoke(main, ["history"], env={
        "PACHCA_RUNNER_STATE_URL": settings.state_url, "PACHCA_RUNNER_CATALOGUE": "jobs.yaml"})
    assert shown.exit_code == 0, shown.output
    for text in ("manual 0a1b2c", "dry run 3d4e5f", "2026-03-02 06:00:00 UTC",
                 "test (attempt 2)", "abandoned"):
        assert text in shown.output
