"""``plan`` and ``run-job --plan`` as an operator uses them, over HTTP to a private workspace.

The operator looks at what the sweep would do, saves it, and later applies exactly that
plan: chats that changed in between (someone wrote, a member kept the chat, members
changed, someone archived it) are left alone with the reason, the rest is done.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from runner.cli import main
from runner.workspace import WorkspaceServer
from tests.jobs.sweep_support import EMPTY, JOB, Sweep

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def sw(fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path) -> Iterator[Sweep]:
    sweep = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    yield sweep
    sweep.close()


def cli(sw: Sweep, *args: str, token: str | None = None, lang: str | None = None) -> Result:
    """The CLI with the sweep's catalogue, state and the bot's token (or ``token``), as of
    the workspace's now."""
    env = {
        "PACHCA_TOKEN": token or sw.ws.bot_token,
        "PACHCA_BASE_URL": sw.ws.base_url,
        "PACHCA_RUNNER_STATE_URL": f"sqlite:///{sw.h.tmp / 'state.db'}",
        "PACHCA_RUNNER_CATALOGUE": str(sw.h.tmp / "jobs.yaml"),
        "PACHCA_RUNNER_SERVER_PORT": "0",
    }
    if lang:
        env["PACHCA_RUNNER_LANG"] = lang
    # --at takes whole seconds: up to a second before the workspace's now.
    at = sw.now().astimezone(MOSCOW).strftime("%Y-%m-%dT%H:%M:%S")
    return CliRunner().invoke(main, [*args, "--at", at], env=env, catch_exceptions=False)


def test_plan_lists_what_the_run_would_do_and_changes_nothing(sw: Sweep) -> None:
    quiet = sw.chat("Проект «Альфа»")
    sw.chat("Отдел продаж")
    busy = sw.chat("Бюджет 2026")
    sw.advance(100)
    sw.say(busy)
    sw.job(exclude={"names": ["^Отдел"]})
    mark = sw.mark()

    result = cli(sw, "plan", JOB, "--out", str(sw.h.tmp / "plan.json"))

    assert result.exit_code == 0, result.output
    assert sw.writes(mark) == []
    lines = result.output.splitlines()
    assert any(line.split()[:1] == ["warn"] and "«Проект «Альфа»»" in line
               and re.search(r"no messages for (99|100) days", line)
               for line in lines), result.output
    assert any(line.split()[:1] == ["skip"] and "«Отдел продаж»" in line
               and "excluded by name" in line for line in lines), result.output
    assert "Бюджет" not in result.output  # active: nothing to do, not listed
    assert f"run-job {JOB} --plan" in result.output
    saved = json.loads((sw.h.tmp / "plan.json").read_text(encoding="utf-8"))
    assert [(c["chat_id"], c["verb"]) for c in saved["chats"] if c["verb"] == "warn"] == [
        (quiet, "warn")]
    assert sw.bot_messages(quiet) == []


def test_applying_a_plan_skips_the_chats_that_changed_since(sw: Sweep) -> None:
    steady = sw.chat("Проект «Альфа»")
    spoken = sw.chat("Бюджет 2025")
    kept = sw.chat("Переезд офиса")
    joined = sw.chat("Конференция")
    sw.advance(100)
    sw.job()
    plan = sw.h.tmp / "plan.json"
    assert cli(sw, "plan", JOB, "--out", str(plan)).exit_code == 0

    sw.advance(0.5)
    sw.say(spoken, text="Этот чат ещё нужен")
    sw.set_chat_state(kept, kept_until=sw.now() + timedelta(days=30))
    newcomer = next(u for u in sw.people(6) if u not in sw.people(3))
    sw.join(joined, newcomer)
    steady_after = sw.chat("Новый проект")  # inactive later, but not in the plan
    mark = sw.mark()

    result = cli(sw, "run-job", JOB, "--plan", str(plan))

    assert result.exit_code == 0, result.output
    assert [m for m in sw.bot_messages(steady) if m.buttons], "the unchanged chat is warned"
    for chat in (spoken, kept, joined, steady_after):
        assert sw.bot_messages(chat) == [], chat
    posted = [p for m, p in sw.writes(mark) if m == "POST"]
    assert posted == ["/messages"]
    out = result.output
    assert "«Бюджет 2025»: changed since the plan: a message arrived" in out
    assert "«Переезд офиса»: changed since the plan: kept until" in out
    assert ("«Конференция»: changed since the plan: membership changed"
            " (4 members then, 5 now)") in out
    assert "1 of 4 planned chats unchanged" in out


def test_a_plan_and_its_changes_read_in_russian(sw: Sweep) -> None:
    from tests.catalogue.test_yaml_words import latin_words

    steady = sw.chat("Проект «Альфа»")
    spoken = sw.chat("Бюджет 2025")
    joined = sw.chat("Конференция")
    sw.advance(100)
    sw.job()
    plan = sw.h.tmp / "plan.json"
    planned = cli(sw, "plan", JOB, "--out", str(plan), lang="ru")
    assert planned.exit_code == 0, planned.output
    rows = [line for line in planned.output.splitlines() if "«" in line and "(#" in line]
    assert len(rows) == 3, planned.output
    assert len({line.index("«") for line in rows}) == 1, rows  # names in one column

    sw.advance(0.5)
    sw.say(spoken, text="Этот чат ещё нужен")
    sw.join(joined, next(u for u in sw.people(6) if u not in sw.people(3)))

    result = cli(sw, "run-job", JOB, "--plan", str(plan), lang="ru")

    assert result.exit_code == 0, result.output
    assert [m for m in sw.bot_messages(steady) if m.buttons], "the unchanged chat is warned"
    changed = [line for line in result.output.splitlines() if "«Бюджет 2025»" in line
               or "«Конференция»" in line]
    assert len(changed) == 2, result.output
    assert any("пришло сообщение (последнее — " in line for line in changed), changed
    assert any("состав изменился (тогда участников — 4, теперь — 5)" in line
               for line in changed), changed
    for line in changed:
        assert not [w for w in latin_words(line) if w not in ("MSK",)], line


def test_a_planned_archive_is_refused_once_someone_archived_the_chat(sw: Sweep) -> None:
    first = sw.chat("Старый проект")
    second = sw.chat("Старый бюджет")
    sw.advance(100)
    sw.job()
    assert cli(sw, "run-job", JOB).exit_code == 0  # both warned
    sw.advance(8)
    plan = sw.h.tmp / "plan.json"
    planned = cli(sw, "plan", JOB, "--out", str(plan))
    assert planned.exit_code == 0, planned.output
    assert "archive  «Старый проект»" in planned.output
    assert "archive  «Старый бюджет»" in planned.output
    sw.archive_by_hand(second)
    mark = sw.mark()

    result = cli(sw, "run-job", JOB, "--plan", str(plan))

    assert result.exit_code == 0, result.output
    assert sw.archived(first)
    assert sw.archive_puts(mark) == {first: 1}
    assert "«Старый бюджет»: changed since the plan: archived by someone after the warning" in (
        result.output)


def test_plans_are_for_sweeps_and_for_their_own_job(sw: Sweep, tmp_path: Path) -> None:
    sw.job()
    digest = (sw.h.tmp / "jobs.yaml").read_text(encoding="utf-8") + (
        "  note:\n    kind: message\n    schedule: '0 9 * * 1'\n    to: {chats: [1]}\n"
        "    text: Привет\n")
    sw.h.write_catalogue(digest)

    not_sweep = cli(sw, "plan", "note")
    assert not_sweep.exit_code == 2
    assert "'note' is a message job: plans are made for sweep jobs" in not_sweep.output

    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "pachca-runner/sweep-plan", "version": 1,
                                 "job": "another-sweep", "made_at": "2026-03-02T10:00:00+03:00",
                                 "scanned": 0, "params_hash": "x", "chats": []}))
    wrong_job = cli(sw, "run-job", JOB, "--plan", str(other))
    assert wrong_job.exit_code == 2
    assert "the plan is for job 'another-sweep'" in wrong_job.output

    (tmp_path / "junk.json").write_text("not json")
    junk = cli(sw, "run-job", JOB, "--plan", str(tmp_path / "junk.json"))
    assert junk.exit_code == 2 and "not a plan file" in junk.output
