"""``history`` and ``jobs`` as an operator reads them: at 80 and 120 columns, filtered,
one run whole, as JSON, in Russian."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from runner.cli import main
from runner.state import StateStore
from tests.cli.test_cli import chat_id, env, write  # noqa: F401 - fixtures
from tests.cli.test_progress import in_a_terminal

LONG = "timesheet-reminder-for-the-whole-engineering-department"  # 55 characters
CATALOGUE = f"""\
timezone: Europe/Moscow
jobs:
  {LONG}:
    kind: message
    description: Напоминание про таймшиты
    schedule: "0 17 * * 1-5"
    workdays: RU
    to: {{chats: [CHAT]}}
    text: "Коллеги, заполните таймшиты."
  digest:
    kind: message
    schedule: {{every: 1h30m}}
    to: {{chats: [CHAT]}}
    text: "Сводка"
"""
ERROR = ("403 Forbidden: the token may not post to chat 42 because the bot is not a member of"
         " it; add the bot to the chat in its settings, or remove the chat from the job's"
         " recipients, then run the job again")


def cli(environ: dict[str, str], *args: str, columns: int | None = None, lang: str = "en"):
    extra = {"PACHCA_RUNNER_LANG": lang} | ({"COLUMNS": str(columns)} if columns else {})
    return CliRunner().invoke(main, list(args), env=environ | extra, catch_exceptions=False)


def seed(environ: dict[str, str], *, at: float | None = None) -> dict[str, int]:
    """Runs in the state store, as the daemon leaves them: one succeeded with counts, one
    failed with a long error. Their ids by name."""
    url = environ["PACHCA_RUNNER_STATE_URL"]
    fire = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # 17:00 in Moscow
    ids = {}
    with StateStore(url, replica="host-a:101", clock=(lambda: at) if at else None) as state:
        for name, job, status, counts, error in (
            ("ok", LONG, "succeeded", {"posted": 12, "skipped": 3}, None),
            ("failed", "digest", "failed", {"posted": 0}, ERROR),
        ):
            handle = state.claim(job, f"{job}@{fire.isoformat()}", kind="message",
                                 scheduled_for=fire, lease=30)
            assert handle is not None
            state.finish(handle, status, counts=counts, lines=[f"posted to chat {i}"
                                                                for i in range(3)], error=error)
            ids[name] = handle.run_id
    return ids


@pytest.mark.parametrize("columns", [80, 120])
def test_history_fits_the_terminal_and_keeps_id_and_name_whole(env, tmp_path, columns):  # noqa: F811
    write(tmp_path, CATALOGUE)
    ids = seed(env)
    result = cli(env, "history", columns=columns)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= columns for line in lines), result.output
    # The id undo needs starts a line, the job name whole after it.
    assert re.search(rf"^\s*{ids['ok']}  {LONG}\b", result.output, re.MULTILINE), result.output
    assert re.search(rf"^\s*{ids['failed']}  digest\s+2026-12-04 17:00:00 MSK\s+failed\s+",
                     result.output, re.MULTILINE), result.output
    # Long fields below, readable: counts, replica, and the error as words, not a column
    # of letters.
    assert "posted=12, skipped=3" in result.output
    assert "on host-a:101" in result.output
    error_lines = [line for line in lines if "error: 403 Forbidden" in line]
    assert len(error_lines) == 1
    joined = " ".join(line.strip() for line in lines[lines.index(error_lines[0]):])
    assert ERROR in joined
    assert not any(len(line.strip()) == 1 for line in lines)


def test_history_filters_failed_and_since_and_refuses_an_unknown_job(env, tmp_path):  # noqa: F811
    write(tmp_path, CATALOGUE)
    old = seed(env, at=datetime(2026, 1, 10, 12, 0, tzinfo=UTC).timestamp())
    url = env["PACHCA_RUNNER_STATE_URL"]
    with StateStore(url, replica="host-b:7", clock=time.time) as state:  # a run started now
        handle = state.claim("digest", "digest@manual:0a1b2c3d4e5f", kind="message",
                             scheduled_for=None, lease=30)
        assert handle is not None
        state.finish(handle, "failed", counts={}, lines=[], error="boom")

    failed = cli(env, "history", "--failed")
    assert failed.exit_code == 0, failed.output
    assert "succeeded" not in failed.output and LONG not in failed.output
    assert "manual 0a1b2c3d4e5f" in failed.output
    assert re.search(rf"^\s*{old['failed']}  digest ", failed.output, re.MULTILINE), failed.output

    for since in ("2d", "2026-06-01", "2026-06-01T09:00"):
        shown = cli(env, "history", "--since", since)
        assert shown.exit_code == 0, shown.output
        assert "manual 0a1b2c3d4e5f" in shown.output and "17:00:00 MSK" not in shown.output
    everything = cli(env, "history", "--since", "2026-01-01")
    assert "17:00:00 MSK" in everything.output

    bad = cli(env, "history", "--since", "yesterday")
    assert bad.exit_code == 2
    assert "--since yesterday: give a date (2026-12-01)" in bad.output

    typo = cli(env, "history", "digets")
    assert typo.exit_code == 2
    assert "no job 'digets' in the catalogue or the history — did you mean 'digest'?" \
        in typo.output
    # A job gone from the catalogue still has its history.
    write(tmp_path, CATALOGUE.replace("  digest:", "  renamed:"))
    assert "boom" in cli(env, "history", "digest").output


def test_history_show_prints_one_run_whole(env, tmp_path, chat_id):  # noqa: F811
    write(tmp_path, CATALOGUE, chat_id)
    assert cli(env, "run-job", "digest").exit_code == 0
    run_id = json.loads(cli(env, "history", "--json").output)[0]["id"]
    shown = cli(env, "history", "show", str(run_id), columns=80)
    assert shown.exit_code == 0, shown.output
    text = shown.output
    assert text.startswith(f"Run {run_id} · digest (message)\n")
    for field in ("key:", "fire:", "started:", "finished:", "took:", "replica:", "outcome:",
                  "counts:", "error:"):
        assert re.search(rf"^  {field}\s+\S", text, re.MULTILINE), field
    assert re.search(r"^  outcome:\s+succeeded$", text, re.MULTILINE)
    assert re.search(r"^  counts:\s+posted=1$", text, re.MULTILINE)
    assert re.search(rf"What it did:\n  • posted to chat «[^»]+» \({chat_id}\)", text), text
    assert "Effects (each made once per fire):" in text
    assert all(len(line) <= 80 for line in text.splitlines()), text

    missing = cli(env, "history", "show", "999999")
    assert missing.exit_code == 2
    assert "no run 999999 in the history" in missing.output


def test_history_in_russian(env, tmp_path):  # noqa: F811
    write(tmp_path, CATALOGUE)
    ids = seed(env)
    shown = cli(env, "history", lang="ru", columns=80)
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("Последние запуски (время — в зоне задания)\n")
    assert "запуск  задание" in shown.output
    assert "успешно" in shown.output and "ошибка: 403 Forbidden" in shown.output
    one = cli(env, "history", "show", str(ids["ok"]), lang="ru")
    assert one.output.startswith(f"Запуск {ids['ok']} · {LONG} (message)")
    assert "Что сделано:" in one.output


@pytest.mark.parametrize("columns", [80, 120])
def test_jobs_fit_the_terminal_with_the_name_whole(env, tmp_path, columns):  # noqa: F811
    write(tmp_path, CATALOGUE)
    result = cli(env, "jobs", "--from", "2026-12-04T12:00", columns=columns)
    assert result.exit_code == 0, result.output
    title, *lines = result.output.splitlines()
    # The title names the catalogue's path whole (pytest's temporary folder: its length
    # is not this table's to fit); every line of the table fits.
    assert title == f"Jobs in {tmp_path / 'jobs.yaml'}"
    assert all(len(line) <= columns for line in lines), result.output
    assert f"{LONG}  message" in lines
    assert "digest  message" in lines
    # Fire times are never split across lines.
    times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d MSK", result.output)
    assert "2026-12-04 17:00 MSK" in times and len(times) == 6
    assert "    At 17:00, Monday through Friday, on working days (RU) (Europe/Moscow)" in lines
    assert "    Напоминание про таймшиты" in lines  # the description
    assert "skipped (holidays): 2026-12-31, 2027-01-01" in result.output


def test_jobs_json(env, tmp_path):  # noqa: F811
    write(tmp_path, CATALOGUE)
    result = cli(env, "jobs", "--json", "--from", "2026-12-04T12:00")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert set(rows) == {LONG, "digest"}
    reminder = rows[LONG]
    assert reminder["kind"] == "message" and reminder["enabled"] is True
    assert reminder["timezone"] == "Europe/Moscow"
    assert reminder["next"][0] == "2026-12-04T17:00:00+03:00" and len(reminder["next"]) == 3
    assert isinstance(reminder["schedule"], str) and reminder["schedule"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in reminder["skipped"])


def test_a_run_piped_shows_no_progress(env, tmp_path, chat_id):  # noqa: F811
    write(tmp_path, CATALOGUE, chat_id)
    result = cli(env, "run-job", "digest")
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output and "━" not in result.output
    assert result.output.splitlines()[-1].startswith("✓ digest succeeded")


def test_progress_shows_in_a_terminal_only(tmp_path):
    """The live bar long runs get (``console.progress_bar``): drawn when stderr is a
    terminal, nothing at all when it is a pipe."""
    script = ("from runner.console import progress_bar\n"
              "with progress_bar(True) as step:\n"
              "    for n in range(4):\n"
              "        step('scanning chats', n, 3)\n")
    environ = dict(os.environ, COLUMNS="80", TERM="xterm")
    piped = subprocess.run([sys.executable, "-c", script], env=environ, capture_output=True,
                           text=True, timeout=60, check=True)
    assert piped.stderr == "" and piped.stdout == ""

    code, drawn = in_a_terminal([sys.executable, "-c", script], environ)
    assert code == 0
    assert b"scanning chats" in drawn
