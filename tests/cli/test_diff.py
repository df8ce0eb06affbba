"""``diff OLD NEW``: what a change of the catalogue does, before it is deployed."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner, Result

from runner.cli import main
from runner.workspace import WorkspaceServer
from tests.jobs.sweep_support import EMPTY, Sweep

OLD = """\
timezone: Europe/Moscow
jobs:
  reminder:
    kind: message
    schedule: "0 9 * * 1-5"
    to: {chats: [101]}
    text: Доброе утро
  retired:
    kind: message
    schedule: "0 18 * * 5"
    to: {chats: [101]}
    text: Хороших выходных
  cleanup:
    kind: sweep
    schedule: "0 10 * * 1"
    inactive_days: 90
    max_fraction: 1.0
"""

NEW = """\
timezone: Europe/Moscow
jobs:
  reminder:
    kind: message
    schedule: "0 10 * * 1-5"
    to: {chats: [101]}
    text: Доброе утро
  weekly:
    kind: message
    schedule: "0 12 * * 3"
    to: {chats: [101]}
    text: Середина недели
  cleanup:
    kind: sweep
    schedule: "0 10 * * 1"
    inactive_days: 30
    max_fraction: 1.0
"""


def files(tmp: Path) -> tuple[str, str]:
    (tmp / "old.yaml").write_text(textwrap.dedent(OLD), encoding="utf-8")
    (tmp / "new.yaml").write_text(textwrap.dedent(NEW), encoding="utf-8")
    return str(tmp / "old.yaml"), str(tmp / "new.yaml")


def cli(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_diff_shows_jobs_added_removed_and_schedules_moved_without_a_token(
    tmp_path: Path,
) -> None:
    old, new = files(tmp_path)
    env = {"PACHCA_TOKEN": "", "PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 's.db'}"}

    result = cli(env, "diff", old, new, "--from", "2026-03-02T08:00")  # a Monday

    assert result.exit_code == 0, result.output
    out = result.output
    assert "Jobs added:\n  + weekly (message): 0 12 * * 3; next runs 2026-03-04 12:00 MSK" in out
    assert "Jobs removed:\n  - retired (message): 0 18 * * 5" in out
    assert "schedule: 0 9 * * 1-5 -> 0 10 * * 1-5" in out
    assert ("next runs before: 2026-03-02 09:00 MSK, 2026-03-03 09:00 MSK, 2026-03-04 09:00 MSK"
            in out)
    assert ("next runs after:  2026-03-02 10:00 MSK, 2026-03-03 10:00 MSK, 2026-03-04 10:00 MSK"
            in out)
    assert "inactive_days: 90 -> 30" in out
    assert "cannot count the chats it would affect: PACHCA_TOKEN is not set" in out


def test_diff_counts_the_chats_a_changed_sweep_would_affect_now(
    fresh_workspace: Callable[..., WorkspaceServer], tmp_path: Path
) -> None:
    sw = Sweep.make(fresh_workspace(**EMPTY), tmp_path)
    try:
        sw.chat("Проект «Альфа»")
        recent = sw.chat("Бюджет 2025")
        busy = sw.chat("Отдел продаж")
        sw.advance(60)
        sw.say(recent)
        sw.advance(40)  # «Альфа» quiet 100 days, «Бюджет» 40, «Отдел продаж» active
        sw.say(busy)
        old, new = files(tmp_path)
        env = {
            "PACHCA_TOKEN": sw.ws.bot_token,
            "PACHCA_BASE_URL": sw.ws.base_url,
            "PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
        }
        mark = sw.mark()
        now = sw.now().astimezone(ZoneInfo("Europe/Moscow")).strftime("%Y-%m-%dT%H:%M:%S")

        result = cli(env, "diff", old, new, "--from", now)

        assert result.exit_code == 0, result.output
        assert "chats it would warn or archive now: 1 -> 2 (+1: «Бюджет 2025»; -0)" in result.output
        assert sw.writes(mark) == []  # counting reads only
    finally:
        sw.close()


def test_diff_of_a_broken_catalogue_lists_its_problems(tmp_path: Path) -> None:
    old, new = files(tmp_path)
    Path(new).write_text(Path(new).read_text(encoding="utf-8").replace("0 10 * * 1-5", "0 25 * *"))

    result = cli({"PACHCA_RUNNER_LANG": "ru"}, "diff", old, new)

    assert result.exit_code == 2
    assert "в cron нужно 5 полей" in result.output
