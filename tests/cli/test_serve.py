"""``workspace serve`` serves the demo's workspace: the sample catalogue, pointed at it with
the variables it prints, runs every job with ``run-job`` (Pachca's permission rules on).
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from runner.cli import main

REPO = Path(__file__).resolve().parents[2]


def _read_lines(stream: object, into: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        into.put(line)


@pytest.fixture
def served() -> Iterator[dict[str, str]]:
    """``pachca-runner workspace serve --port 0`` as a process; the variables it printed."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner", "workspace", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True).start()
    variables: dict[str, str] = {}
    printed: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while not printed or "Stop with Ctrl+C" not in printed[-1]:
            printed.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
        for line in printed:
            if line.strip().startswith("export "):
                name, _, value = line.strip().removeprefix("export ").partition("=")
                variables[name] = value.split()[0]
        yield variables
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_sample_catalogue_runs_every_job_against_workspace_serve(
    served: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(served) == {"PACHCA_BASE_URL", "PACHCA_TOKEN", "PACHCA_EXPORT_TOKEN"}
    shutil.copy(REPO / "jobs.yaml", tmp_path / "jobs.yaml")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    monkeypatch.chdir(tmp_path)  # the export job writes to ./exports
    env = {
        **served,
        "PACHCA_RUNNER_CATALOGUE": str(tmp_path / "jobs.yaml"),
        "PACHCA_RUNNER_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
        "PACHCA_RUNNER_SERVER_PORT": "0",  # the export's webhook
    }
    jobs = yaml.safe_load((REPO / "jobs.yaml").read_text(encoding="utf-8"))["jobs"]
    assert len(jobs) >= 6
    failed = {}
    for name in jobs:
        result = CliRunner().invoke(main, ["run-job", name], env=env, catch_exceptions=False)
        if result.exit_code != 0:
            failed[name] = result.output
    assert failed == {}
    assert any((tmp_path / "exports").iterdir()), "the export job downloaded its archive"
