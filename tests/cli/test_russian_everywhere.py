"""Every command an operator types, under PACHCA_RUNNER_LANG=ru, against the embedded
workspace the sample jobs.yaml is written for: each line it prints is Russian.

English may remain only as names: the jobs' and kinds' names, ids, files, fields,
variables, options, URLs, units, what Pachca or a library said (quoted in a sentence of
ours) and the command to type. ``--help`` of each command: tests/cli/test_help_words.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from runner.catalogue import load_catalogue
from runner.cli import main
from runner.demo import workspace_config
from runner.pachca.answers import error_from_response
from runner.workspace import WorkspaceServer
from tests.catalogue.test_yaml_words import latin_words

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "jobs.yaml"

# Names a Russian line keeps: Pachca's event and scope names, keys (Ctrl+C).
NAMES = {"Ctrl", "message_new", "button_click", "message", "new", "button", "click", "chats", "read",
         "example", "zip", "pachca", "bots"}


@pytest.fixture(scope="module")
def pachca() -> Iterator[WorkspaceServer]:
    """The workspace ``demo`` and ``workspace serve`` run: the sample's ids are its ids."""
    with WorkspaceServer(workspace_config(speed=50)) as ws:
        yield ws


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample catalogue, its templates and a state store, kept for the whole module:
    later commands (history, undo) read what earlier ones did."""
    root = tmp_path_factory.mktemp("ru")
    shutil.copytree(REPO / "templates", root / "templates")
    # A third of the sample workspace's chats is quiet: let the sweep act on them all.
    sample = SAMPLE.read_text(encoding="utf-8").replace("max_fraction: 0.25", "max_fraction: 0.5")
    (root / "jobs.yaml").write_text(sample, encoding="utf-8")
    changed = sample.replace('"0 9 * * 1-5"', '"0 10 * * 1-5"')
    (root / "changed.yaml").write_text(changed.replace("timesheet-reminder:", "reminder:"),
                                       encoding="utf-8")
    return root


def names_of_the_sample() -> set[str]:
    catalogue = load_catalogue(SAMPLE)
    found = set()
    for job in catalogue.jobs.values():
        found |= set(re.findall(r"[A-Za-z]+", f"{job.name} {job.kind}"))
    return found


ALLOWED = NAMES | names_of_the_sample()


_IDS = re.compile(
    r"«[^»]*»"  # names (chats, people) and what Pachca or a library said, quoted
    r"|\b[a-z]+(?:_[a-z]+)+\b"  # fields and settings: include_channels, max_fraction
    r"|\S+@\S+"  # who: user@host
    r"|\b[a-z]+(?:\.[a-z]+)+\b"  # nicknames: ivan.petrov
    r"|\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b"  # a manual run's key
    r"|\b[\w.-]+\.(?:png|csv|json|zip|md|txt|example)\b"  # files
)


def english_in(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Each line with English words left beyond names, ids, files and quotes."""
    left = []
    for line in lines:
        text = _IDS.sub("", line)
        words = [w for w in latin_words(text) if w not in ALLOWED]
        if words:
            left.append((line, words))
    return left


def ru(pachca: WorkspaceServer, folder: Path, *args: str, input: str | None = None,
       code: int = 0) -> list[str]:
    """The command's lines (stdout and stderr) under PACHCA_RUNNER_LANG=ru."""
    env = {
        "PACHCA_TOKEN": pachca.bot_token, "PACHCA_EXPORT_TOKEN": pachca.owner_token,
        "PACHCA_BASE_URL": pachca.base_url,
        "PACHCA_RUNNER_STATE_URL": f"sqlite:///{folder / 'state.db'}",
        "PACHCA_RUNNER_CATALOGUE": str(folder / "jobs.yaml"),
        "PACHCA_RUNNER_SERVER_PORT": "0", "PACHCA_RUNNER_LANG": "ru", "COLUMNS": "100",
    }
    result = CliRunner().invoke(main, list(args), env=env, input=input)
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines or args[0] in ("pause",), args
    return lines


def last_run(pachca: WorkspaceServer, folder: Path) -> int:
    line = ru(pachca, folder, "history", "--limit", "1")[2]
    return int(line.split()[0])


# Each command as an operator would type it, in an order where each has something to
# show: runs first, then the history, plans and undo of what they did.
COMMANDS: list[tuple[str, ...]] = [
    ("validate", "--offline"),
    ("validate",),
    ("jobs",),
    ("pause", "team-pulse", "--reason", "отпуск"),
    ("jobs",),
    ("resume", "team-pulse"),
    ("run-job", "morning-digest"),
    ("preview", "team-pulse"),
    ("run-job", "weekly-activity", "--dry-run"),
    ("run-job", "weekly-sync-chat", "--dry-run"),
    ("run-job", "timesheet-reminder", "--dry-run"),
    ("run-job", "monthly-export", "--dry-run"),
    ("run-job", "runner-health", "--dry-run"),
    ("plan", "sweep-quiet-chats", "--at", "2027-12-06T10:00"),
    ("run-job", "sweep-quiet-chats", "--dry-run"),
    ("run-job", "sweep-quiet-chats", "--at", "2027-06-07T10:00"),
    ("history",),
    ("history", "--failed"),
    ("history", "sweep-quiet-chats"),
    ("chats",),
    ("chats", "--search", "Проект"),
    ("users", "--search", "ан"),
    ("bot", "status"),
    ("bot", "poll", "--once"),
    ("bot", "set-webhook", "--url", "http://127.0.0.1:9/pachca/events"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_each_command_speaks_russian(pachca: WorkspaceServer, folder: Path,
                                     args: tuple[str, ...]) -> None:
    lines = ru(pachca, folder, *args)
    assert not english_in(lines), english_in(lines)


def test_a_run_shown_whole_diff_and_undo_speak_russian(pachca: WorkspaceServer,
                                                        folder: Path) -> None:
    ru(pachca, folder, "run-job", "sweep-quiet-chats", "--at", "2027-06-07T10:00")
    warned = last_run(pachca, folder)
    ru(pachca, folder, "run-job", "sweep-quiet-chats", "--at", "2027-06-21T10:00")
    archived = last_run(pachca, folder)
    shown = ru(pachca, folder, "history", "show", str(archived))
    assert "Что сделано:" in shown and any("заархивирован «" in line for line in shown), shown
    # Effects and chat actions read as words, not as the records' JSON.
    assert any(line.strip().startswith("• report:") and "сообщение " in line
               for line in shown), shown
    assert any("заархивирован чат" in line and "«" in line for line in shown), shown
    assert not any("{" in line or "message_id" in line for line in shown), shown
    assert any(re.search(r"длился:\s+\d+,\d с$", line) for line in shown), shown  # 1,7 с
    undone = ru(pachca, folder, "undo", str(archived), "--yes")
    assert any(line.startswith("возвращён из архива: «") for line in undone), undone
    again = ru(pachca, folder, "undo", str(archived), "--yes", code=2)
    nothing = ru(pachca, folder, "undo", str(warned), code=2)
    diff = ru(pachca, folder, "diff", str(folder / "jobs.yaml"), str(folder / "changed.yaml"))
    assert "Удалены задания:" in diff and "Изменены задания:" in diff, diff
    for lines in (shown, undone, again, nothing, diff):
        assert not english_in(lines), english_in(lines)


def test_files_written_are_told_in_russian(pachca: WorkspaceServer, folder: Path) -> None:
    said = [
        *ru(pachca, folder, "schema", "--out", str(folder / "jobs.schema.json")),
        *ru(pachca, folder, "docs", "kinds", "--lang", "ru", "--out", str(folder / "k.md")),
        *ru(pachca, folder, "init", str(folder / "new")),
        *ru(pachca, folder, "hash-password", input="секрет\nсекрет\n")[:-1],  # the hash
    ]
    assert said[0].startswith("записано: "), said
    assert not english_in(said), english_in(said)


@pytest.mark.parametrize(
    ("args", "code"),
    [(("run-job", "no-such-job"), 2), (("history", "show", "999"), 2),
     (("undo", "999"), 2), (("diff", "jobs.yaml", "missing.yaml"), 2),
     (("bot", "set-webhook", "--url", "ftp://x"), 2), (("plan", "morning-digest"), 2),
     (("run-job", "sweep-quiet-chats", "--plan", str(SAMPLE)), 2)],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_refusals_speak_russian(pachca: WorkspaceServer, folder: Path,
                                args: tuple[str, ...], code: int) -> None:
    lines = ru(pachca, folder, *args, code=code)
    assert lines[0].startswith("ошибка: "), lines
    assert not english_in(lines), english_in(lines)


def test_a_sweep_refusing_to_act_says_why_in_russian(pachca: WorkspaceServer,
                                                     tmp_path: Path) -> None:
    """The sample as it is, on a state of its own: a third of the chats is quiet."""
    lines = ru(pachca, tmp_path, "-c", str(SAMPLE), "run-job", "sweep-quiet-chats", "--at",
               "2027-12-06T10:00", code=1)
    assert "уборка остановлена, ничего не изменено" in lines[-1], lines
    assert not english_in(lines), english_in(lines)


def test_a_recipient_pachca_does_not_know_is_told_in_russian(pachca: WorkspaceServer,
                                                             folder: Path) -> None:
    text = (folder / "jobs.yaml").read_text(encoding="utf-8")
    (folder / "broken.yaml").write_text(
        text.replace('["${DIGEST_CHAT_ID:-100044}"]', "[999999]"), encoding="utf-8")
    # a recipient the token may not post to fails the run (exit 1), whatever else it did
    lines = ru(pachca, folder, "-c", str(folder / "broken.yaml"), "run-job", "morning-digest",
               code=1)
    assert any("нельзя отправить: чат 999999: чата 999999 нет" in line for line in lines), lines
    assert not english_in(lines), english_in(lines)


def test_pachcas_error_answer_is_wrapped_in_our_sentence(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Pachca's own words quoted, the field it names explained."""
    monkeypatch.setenv("PACHCA_RUNNER_LANG", "ru")
    body = {"errors": [{"key": "content", "message": "can't be blank", "code": "blank"},
                       {"key": "", "message": "Something went wrong"}]}
    error = error_from_response("POST", "/messages", httpx.Response(422, json=body))
    assert str(error) == ("Пачка отказала (422) на POST /messages: поле 'content' (текст"
                          " сообщения): Пачка ответила «can't be blank»; Пачка ответила"
                          " «Something went wrong»")
    denied = error_from_response("GET", "/chats/1", httpx.Response(403, json={}))
    assert "у токена нет права или роли для этого вызова (Forbidden)" in str(denied)


def test_workspace_serve_speaks_russian(tmp_path: Path) -> None:
    """`workspace serve` runs until stopped: its lines are read until it says how to stop."""
    environ = dict(os.environ, PACHCA_RUNNER_LANG="ru", PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "runner", "workspace", "serve", "--port", "0"],
                            env=environ, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        while not lines or not lines[-1].startswith("Остановка"):
            line = proc.stdout.readline()
            assert line, lines  # it ended before saying how to stop it
            lines.append(line.rstrip("\n"))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert lines[0].startswith("Встроенное пространство Пачки: http://127.0.0.1:"), lines
    said = [line for line in lines if not line.startswith("  export ")]  # shell to paste
    assert not english_in(said), english_in(said)
