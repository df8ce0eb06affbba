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

import httpx
import pytest
import yaml
from click.testing import CliRunner

from runner.cli import main
from runner.demo import runner_variables

REPO = Path(__file__).resolve().parents[2]


def _read_lines(stream: object, into: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        into.put(line)


def _printed(args: list[str], cwd: Path, *, timeout: float) -> Iterator[dict[str, str]]:
    """``python -m runner ARGS`` as a process, until it printed the runner's variables;
    they are yielded exactly as an operator would copy them (each line one shell line)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", "COLUMNS": "80"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "runner", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True).start()
    variables: dict[str, str] = {}
    shown: list[str] = []
    deadline = time.monotonic() + timeout  # a failure guard only
    try:
        while "PACHCA_EXPORT_TOKEN" not in variables:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line.strip().startswith("export "):
                name, _, value = line.strip().removeprefix("export ").partition("=")
                variables[name] = value.split()[0]
                shown.append(line.strip())
        # each line whole, as pasted into a shell (a wrapped comment would be a command)
        info = {"base_url": variables["PACHCA_BASE_URL"], "tokens": {
            "bot": variables["PACHCA_TOKEN"], "owner": variables["PACHCA_EXPORT_TOKEN"]}}
        assert shown == [line.strip() for line in runner_variables(info)]
        yield variables
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``pachca-runner workspace serve --port 0`` as a process; the variables it printed."""
    yield from _printed(["workspace", "serve", "--port", "0"], tmp_path, timeout=60)


def run_every_sample_job(variables: dict[str, str], folder: Path,
                         monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """``run-job`` for each job of the sample catalogue, in ``folder`` as an operator's
    folder (its state store is ./pachca-runner.db, the default); what went wrong, by job."""
    assert set(variables) == {"PACHCA_BASE_URL", "PACHCA_TOKEN", "PACHCA_EXPORT_TOKEN"}
    shutil.copy(REPO / "jobs.yaml", folder / "jobs.yaml")
    monkeypatch.chdir(folder)  # jobs.yaml, the state store and ./exports are found here
    unset = {name: None for name in os.environ if name.startswith("PACHCA_")}
    # The export's webhook server: any free port, as tests run side by side.
    env = {**unset, **variables, "PACHCA_RUNNER_SERVER_PORT": "0"}
    jobs = yaml.safe_load((REPO / "jobs.yaml").read_text(encoding="utf-8"))["jobs"]
    assert len(jobs) >= 6
    wrong = {}
    for name in jobs:
        result = CliRunner().invoke(main, ["run-job", name], env=env, catch_exceptions=False)
        out = " ".join(result.output.split())
        # succeeded, and not by shrugging: no source that failed, no recipient left out
        if (result.exit_code != 0 or f"✓ {name} succeeded" not in out
                or "source_errors" in out or "cannot post" in out or "not_posted" in out):
            wrong[name] = result.output
    assert any((folder / "exports").iterdir()), "the export job downloaded its archive"
    return wrong


def test_the_sample_catalogue_runs_every_job_against_workspace_serve(
    served: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_every_sample_job(served, tmp_path, monkeypatch) == {}


def test_demo_keep_prints_the_variables_and_the_workspace_answers_with_them(
    tmp_path: Path
) -> None:
    for variables in _printed(["demo", "--keep"], tmp_path, timeout=300):
        assert set(variables) == {"PACHCA_BASE_URL", "PACHCA_TOKEN", "PACHCA_EXPORT_TOKEN"}
        for token in (variables["PACHCA_TOKEN"], variables["PACHCA_EXPORT_TOKEN"]):
            me = httpx.get(f"{variables['PACHCA_BASE_URL']}/profile",
                           headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
        bot = httpx.get(f"{variables['PACHCA_BASE_URL']}/profile",
                        headers={"Authorization": f"Bearer {variables['PACHCA_TOKEN']}"})
        assert bot.json()["data"]["bot"] is True
