"""The command line as an operator uses it, against the embedded workspace over HTTP."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from runner.cli import main

GOOD = """\
timezone: Europe/Moscow
jobs:
  reminder:
    kind: message
    description: Напоминание про таймшиты
    schedule: "0 17 * * 5"
    to: {chats: [CHAT]}
    text: "Коллеги, заполните таймшиты до {{ now|ru_date }}."
"""


@pytest.fixture
def env(workspace, tmp_path: Path) -> dict[str, str]:
    """Environment pointing the CLI at the shared workspace and a fresh state DB."""
    return {
        "PACHCA_TOKEN": workspace.owner_token,
        "PACHCA_BASE_URL": workspace.base_url,
        "PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
        "PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"),
        "PACHCA_RUNNER_SERVER_PORT": "0",
    }


@pytest.fixture
def chat_id(workspace) -> int:
    """A group chat the owner's token may post to."""
    chats = httpx.get(
        f"{workspace.base_url}/chats",
        params={"personal": "false", "limit": 5},
        headers={"Authorization": f"Bearer {workspace.owner_token}"},
    ).json()["data"]
    return int(chats[0]["id"])


def write(tmp_path: Path, text: str, chat: int = 1) -> Path:
    path = tmp_path / "jobs.yaml"
    path.write_text(textwrap.dedent(text).replace("CHAT", str(chat)), encoding="utf-8")
    return path


def cli(env: dict[str, str], *args: str):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def writes_since(workspace, mark: int) -> list[dict]:
    log = httpx.get(f"{workspace.root_url}/_workspace/requests", params={"since": mark}).json()
    return [r for r in log["requests"] if r["method"] != "GET"]


def log_mark(workspace) -> int:
    url = f"{workspace.root_url}/_workspace/requests"
    return int(httpx.get(url, params={"since": 1 << 30}).json()["total"])


# -- validate ------------------------------------------------------------------------------


def test_validate_accepts_a_good_catalogue(env, tmp_path, chat_id):
    write(tmp_path, GOOD, chat_id)  # a chat the token may post to: validate asks Pachca
    result = cli(env, "validate")
    assert result.exit_code == 0, result.output
    assert "OK, 1 jobs" in result.output


HEAD = """\
timezone: Europe/Moscow
jobs:
  reminder:
    kind: message
    schedule: "0 9 * * *"
    to: {chats: [1]}
"""
# Line 3 is "  reminder:"; HEAD ends on line 6; an added line is line 7.

BROKEN = [
    ("unknown-field", HEAD + "    text: hi\n    shedule: x\n", "8:5", "jobs.reminder.shedule",
     "did you mean 'schedule'"),
    ("cron-hour", HEAD.replace('"0 9 * * *"', '"0 25 * * *"') + "    text: hi\n", "5:15",
     "jobs.reminder.schedule", "'hour' must be 0–23, got 25"),
    ("cron-fields", HEAD.replace('"0 9 * * *"', '"0 9 * *"') + "    text: hi\n", "5:15",
     "jobs.reminder.schedule", "5 fields"),
    ("bad-zone", HEAD + "    text: hi\n    timezone: Europe/Moskow\n", "8:15",
     "jobs.reminder.timezone", "did you mean 'Europe/Moscow'"),
    ("top-zone", HEAD.replace("Europe/Moscow", "Mars/Olympus") + "    text: hi\n", "1:11",
     "timezone", "unknown time zone"),
    ("unknown-kind", HEAD.replace("kind: message", "kind: mesage") + "    text: hi\n", "4:11",
     "jobs.reminder.kind", "did you mean 'message'"),
    ("missing-kind", HEAD.replace("    kind: message\n", "") + "    text: hi\n", "3:3",
     "jobs.reminder", "kind"),
    ("missing-schedule", HEAD.replace('    schedule: "0 9 * * *"\n', "") + "    text: hi\n",
     "3:3", "jobs.reminder", "schedule"),
    ("text-and-template", HEAD + "    text: hi\n    template: x.md.j2\n", "4:5",
     "jobs.reminder", "exactly one of `text` or `template`"),
    ("no-recipients", HEAD.replace("{chats: [1]}", "{}") + "    text: hi\n", "6:9",
     "jobs.reminder.to", "at least one chat or user"),
    ("chat-not-number", HEAD.replace("[1]", "[abc]") + "    text: hi\n", "6:18",
     "jobs.reminder.to.chats[0]", "whole number"),
    ("duplicate-key", HEAD + "    text: hi\n    text: again\n", "8:5", "jobs.reminder.text",
     "duplicate key"),
    ("missing-env", HEAD + "    text: ${GREETING_TEXT}\n", "7:11", "jobs.reminder.text",
     "GREETING_TEXT is not set"),
    ("bad-duration", HEAD + "    text: hi\n    timeout: 15 minutes\n", "8:14",
     "jobs.reminder.timeout", "duration"),
    ("enabled-not-bool", HEAD + "    text: hi\n    enabled: maybe\n", "8:14",
     "jobs.reminder.enabled", "true or false"),
    ("bad-workdays", HEAD + "    text: hi\n    workdays: XX\n", "8:15",
     "jobs.reminder.workdays", "holiday calendar"),
    ("yaml-syntax", HEAD + "    text: [unclosed\n", "8:1", "", "YAML syntax error"),
    ("jobs-not-mapping", "timezone: UTC\njobs: [a, b]\n", "2:7", "jobs", "mapping"),
    ("empty-file", "", "1:1", "", "empty"),
    ("bad-job-name", HEAD.replace("  reminder:", "  'my job!':") + "    text: hi\n", "3:3",
     "jobs.my job!", "letters, digits"),
    ("template-missing", HEAD + "    template: nope.md.j2\n", "jobs.yaml:7",
     "jobs.reminder.template", "template 'nope.md.j2' does not exist"),
    ("template-syntax", HEAD + "    template: broken.md.j2\n", "templates/broken.md.j2:2",
     "jobs.reminder.template", "broken"),
    ("unknown-top", HEAD + "    text: hi\nalert:\n  chat_id: 1\n", "8:1", "alert",
     "did you mean 'alerts'"),
    ("inline-text-undefined", HEAD + '    text: "Привет {{ nwo }}"\n', "3",
     "jobs.reminder.text", "'nwo' is undefined"),
    ("interval-bad", HEAD.replace('"0 9 * * *"', "{every: soon}") + "    text: hi\n", "5:23",
     "jobs.reminder.schedule.every", "duration"),
]


@pytest.mark.parametrize(("text", "where", "path", "words"),
                         [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_validate_names_file_line_and_field(env, tmp_path, text, where, path, words):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "broken.md.j2").write_text("Привет\n{{ broken(\n")
    write(tmp_path, text)
    result = cli(env, "validate")
    assert result.exit_code == 2, result.output
    first = result.output.strip().splitlines()[0]
    assert first.startswith("error: ")
    assert f":{where}" in first or where in first, first
    assert path in first, first
    assert words.lower() in result.output.lower(), result.output
    assert "Traceback" not in result.output


def test_validate_lists_every_problem_at_once(env, tmp_path):
    write(tmp_path, HEAD + "    text: hi\n    shedule: x\n    timeout: soon\n")
    result = cli(env, "validate")
    assert result.exit_code == 2
    assert "2 problems found" in result.output


# -- jobs ----------------------------------------------------------------------------------


BERLIN_NIGHTLY = """\
    timezone: Europe/Berlin
    jobs:
      nightly:
        kind: message
        schedule: "30 2 * * *"
        to: {chats: [1]}
        text: hi
    """


def test_jobs_shows_next_fire_times_across_a_dst_change(env, tmp_path):
    write(tmp_path, BERLIN_NIGHTLY)
    result = cli(env, "jobs", "--from", "2026-03-28T12:00")
    assert result.exit_code == 0, result.output
    # 02:30 does not exist on 29 March in Berlin: the run happens once, when the gap ends.
    assert "2026-03-29 03:00 CEST" in result.output
    assert "2026-03-30 02:30 CEST" in result.output
    autumn = cli(env, "jobs", "--from", "2026-10-24T12:00")
    # 02:30 comes twice on 25 October (clocks go back at 03:00): the job runs once.
    assert "2026-10-25 02:30 CEST" in autumn.output
    assert autumn.output.count("2026-10-25") == 1


NIGHTLY = """\
    jobs:
      nightly:
        kind: sweep
        schedule: "30 2 * * *"
        inactive_days: 30
    """


@pytest.mark.parametrize("args", [("jobs", "--from", "9999-12-31 23:59"),
                                  ("run-job", "nightly", "--dry-run", "--at", "0001-01-01"),
                                  ("plan", "nightly", "--at", "9999-12-31")])
def test_a_moment_past_the_computable_years_is_one_line_not_a_traceback(env, tmp_path, args):
    write(tmp_path, NIGHTLY)
    result = cli(env, *args)
    assert result.exit_code == 2, result.output
    assert "from 2000-01-01 to 2099-12-31" in result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a usage error


@pytest.mark.parametrize("args", [("jobs", "--from", "tomorrow"),
                                  ("run-job", "nightly", "--dry-run", "--at", "2026-13-01"),
                                  ("plan", "nightly", "--at", "07.12.2026 09:00")])
def test_a_moment_that_is_not_a_date_is_told_how_to_write_one(env, tmp_path, args):
    write(tmp_path, NIGHTLY)
    result = cli(env, *args)
    assert result.exit_code == 2, result.output
    assert f"'{args[-1]}' is not a date and time: write it as 2026-12-07 09:00" in result.output
    assert "%Y" not in result.output  # not strptime's codes


# -- run-job, dry run, preview, history -----------------------------------------------------


def test_run_job_posts_and_reports(env, tmp_path, workspace, chat_id):
    write(tmp_path, GOOD, chat_id)
    mark = log_mark(workspace)
    result = cli(env, "run-job", "reminder")
    assert result.exit_code == 0, result.output
    # Named as the recipient check found it, not by id alone.
    assert re.search(rf"posted to chat «[^»]+» \({chat_id}\)", result.output), result.output
    assert "✓ reminder succeeded" in result.output
    posts = writes_since(workspace, mark)
    assert [(p["method"], p["path"].rsplit("/", 1)[-1]) for p in posts] == [("POST", "messages")]


def test_dry_run_sends_no_write_request(env, tmp_path, workspace, chat_id):
    write(tmp_path, GOOD, chat_id)
    mark = log_mark(workspace)
    result = cli(env, "run-job", "reminder", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would post to chat" in result.output
    assert writes_since(workspace, mark) == []


def test_preview_renders_the_message_and_posts_nothing(env, tmp_path, workspace, chat_id):
    write(tmp_path, GOOD, chat_id)
    mark = log_mark(workspace)
    result = cli(env, "preview", "reminder")
    assert result.exit_code == 0, result.output
    assert "Коллеги, заполните таймшиты до" in result.output
    assert writes_since(workspace, mark) == []


def test_history_lists_runs_with_outcome(env, tmp_path, chat_id):
    write(tmp_path, GOOD, chat_id)
    assert cli(env, "run-job", "reminder").exit_code == 0
    assert cli(env, "run-job", "reminder", "--dry-run").exit_code == 0
    result = cli(env, "history")
    assert result.exit_code == 0, result.output
    assert result.output.count("reminder") >= 2
    assert "succeeded" in result.output and "(dry run)" in result.output


def test_run_job_at_a_time_runs_that_fire_once(env, tmp_path, workspace, chat_id):
    write(tmp_path, GOOD, chat_id)
    mark = log_mark(workspace)
    first = cli(env, "run-job", "reminder", "--at", "2026-11-20T17:00")
    second = cli(env, "run-job", "reminder", "--at", "2026-11-20T17:00")
    assert first.exit_code == 0 and second.exit_code == 0
    assert "not run: already claimed" in second.output
    assert len(writes_since(workspace, mark)) == 1


def test_a_failing_job_exits_1_with_one_line(env, tmp_path):
    write(tmp_path, GOOD, 99999999)
    result = cli(env, "run-job", "reminder")
    assert result.exit_code == 1
    assert "reminder failed" in result.output
    assert "Traceback" not in result.output


def test_unknown_job_suggests_the_closest(env, tmp_path):
    write(tmp_path, GOOD)
    result = cli(env, "run-job", "remindr")
    assert result.exit_code == 2
    assert "did you mean 'reminder'" in result.output


def test_missing_token_is_bad_input(env, tmp_path):
    write(tmp_path, GOOD)
    env = dict(env, PACHCA_TOKEN="")
    result = cli(env, "run-job", "reminder")
    assert result.exit_code == 2
    assert "PACHCA_TOKEN" in result.output


@pytest.mark.parametrize(("written", "read"), [("en", "ru"), ("ru", "en")])
def test_history_tells_a_run_in_the_readers_language(env, tmp_path, written, read):
    write(tmp_path, GOOD, 99999999)  # a chat that does not exist: the run fails
    assert cli(dict(env, PACHCA_RUNNER_LANG=written), "run-job", "reminder").exit_code == 1
    listed = cli(dict(env, PACHCA_RUNNER_LANG=read), "history")
    shown = cli(dict(env, PACHCA_RUNNER_LANG=read), "history", "show", "1")
    fix = {"en": "add the bot to chat 99999999", "ru": "добавьте бота в чат 99999999"}
    [row] = json.loads(cli(dict(env, PACHCA_RUNNER_LANG=read), "history", "--json").output)
    assert fix[read] in row["error"] and fix[read] in row["lines"][0]
    for output, times in ((listed.output, 1), (shown.output, 2)):  # the error; show's lines
        flat = " ".join(output.split())
        assert flat.count(fix[read]) == times, output
        assert fix[written] not in flat


def test_run_job_at_a_time_the_clocks_jumped_over_is_refused_naming_the_fire(env, tmp_path):
    # 02:30 does not exist on 29 March in Berlin; the fire due then ran at 03:00 under that
    # instant's key. Read with the offset before the jump, --at 02:30 would be a fire of its
    # own, and rerunning the gap's fire that way would post again.
    write(tmp_path, BERLIN_NIGHTLY)
    result = cli(env, "run-job", "nightly", "--at", "2026-03-29 02:30")
    assert result.exit_code == 2, result.output
    assert "does not exist in Europe/Berlin" in result.output
    assert "give --at 2026-03-29 03:00" in result.output
