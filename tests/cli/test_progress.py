"""Long runs as an operator sees them: a live Rich bar when stderr is a terminal (driven
here through a pseudo-terminal), and not a byte of it when the output is piped.

Rich draws the bar's last frame when it stops, so what it shows is in the bytes however
fast the run was: nothing here depends on timing.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.cli.test_cli import env  # noqa: F401 - fixture

FAN_OUT = """\
jobs:
  fan-out:
    kind: message
    schedule: "0 9 * * 1-5"
    to: {{chats: [{chats}]}}
    text: "Коллеги, напоминание"
  quiet-chats:
    kind: sweep
    schedule: "0 10 * * 1"
    inactive_days: 30
    max_fraction: 1.0
"""
LABELS = {  # job and options -> the bar's label, in each language
    ("fan-out",): {"en": b"posting", "ru": "отправка".encode()},
    ("quiet-chats", "--dry-run"): {"en": b"scanning chats", "ru": "просмотр чатов".encode()},
}


def group_chats(workspace, n: int) -> list[int]:
    chats = httpx.get(f"{workspace.base_url}/chats",
                      params={"personal": "false", "limit": 50},
                      headers={"Authorization": f"Bearer {workspace.owner_token}"}).json()
    return [c["id"] for c in chats["data"] if not c["channel"]][:n]


def in_a_terminal(argv: list[str], environ: dict[str, str], cwd: Path | None = None
                  ) -> tuple[int, bytes]:
    """Run ``argv`` with stderr on a pseudo-terminal; its exit code and what it drew."""
    main_end, child_end = pty.openpty()
    proc = subprocess.Popen(argv, env=environ, cwd=cwd, stderr=child_end,
                            stdout=subprocess.DEVNULL)
    os.close(child_end)
    drawn = b""
    while True:
        try:
            chunk = os.read(main_end, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        drawn += chunk
    code = proc.wait(timeout=120)
    os.close(main_end)
    return code, drawn


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("job", sorted(LABELS), ids=" ".join)
def test_a_long_run_shows_a_bar_in_a_terminal_and_nothing_when_piped(
    env: dict[str, str], workspace, tmp_path: Path, job: tuple[str, ...], lang: str,  # noqa: F811
) -> None:
    chats = ", ".join(str(c) for c in group_chats(workspace, 6))
    (tmp_path / "jobs.yaml").write_text(FAN_OUT.format(chats=chats), encoding="utf-8")
    environ = dict(os.environ, **env, PYTHONPATH=str(Path(__file__).resolve().parents[2]),
                   PACHCA_RUNNER_LANG=lang, TERM="xterm", COLUMNS="100")
    label = LABELS[job][lang]

    code, drawn = in_a_terminal([sys.executable, "-m", "runner", "run-job", *job], environ,
                                tmp_path)
    assert code == 0, drawn.decode(errors="replace")
    assert label in drawn, drawn.decode(errors="replace")
    assert "━".encode() in drawn  # the bar itself

    piped = subprocess.run([sys.executable, "-m", "runner", "run-job", *job], env=environ,
                           cwd=tmp_path, capture_output=True, timeout=120, check=False)
    assert piped.returncode == 0, piped.stderr.decode(errors="replace")
    for stream in (piped.stdout, piped.stderr):
        assert label not in stream and b"\r" not in stream and "━".encode() not in stream
