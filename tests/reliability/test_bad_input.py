"""Broken catalogues and templates, as operators write them: each is refused with exit
code 2 and one line that names the file:line and the field, and never a traceback.

The corpus is data: ``bad_input/NAME.yaml`` is the jobs.yaml an operator wrote (with
``NAME.md.j2`` as its template ``custom.md.j2`` when there is one) and
``bad_input/expected.yaml`` says where the problem is and what the line must say. It
covers YAML syntax, wrong types, unknown fields, cron, time zones, environment
variables, template errors and sandbox escapes; it extends, and does not repeat, the
cases of ``tests/cli`` and ``tests/catalogue``. Every case goes through ``validate`` and
``run-job`` in-process; a few also through a real ``python -m runner`` process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from runner.cli import main
from tests.reliability.conftest import TALLY

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).with_name("bad_input")
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "expected.yaml").read_text(encoding="utf-8"))
IN_A_PROCESS = ("yaml-tab-indent", "escape-subclasses-file", "env-secret-in-number",
                "cron-minute-60")


def folder(name: str, tmp: Path) -> Path:
    """A folder as the operator has it: jobs.yaml and templates/ (the case's custom one)."""
    shutil.copytree(REPO / "templates", tmp / "templates")
    shutil.copyfile(CORPUS / f"{name}.yaml", tmp / "jobs.yaml")
    template = CORPUS / f"{name}.md.j2"
    if template.exists():
        shutil.copyfile(template, tmp / "templates" / "custom.md.j2")
    return tmp / "jobs.yaml"


def problems_in(output: str, case: dict[str, Any]) -> list[str]:
    """What is wrong with the output of a refused command, for ``case``."""
    found = []
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    if len(errors) != 1:
        found.append(f"expected one 'error:' line, got {len(errors)}")
    first = errors[0] if errors else output
    if case["where"] not in first:
        found.append(f"the line does not say where ({case['where']})")
    if case["field"] and not re.search(rf" {re.escape(case['field'])}[:.\[]", first):
        found.append(f"the line does not name the field {case['field']}")
    found += [f"the line does not say {words!r}" for words in case["says"]
              if words.lower() not in first.lower()]
    if "Traceback" in output:
        found.append("a traceback was shown")
    found += [f"the secret {secret!r} was shown" for secret in case.get("hidden", [])
              if secret in output]
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_input_is_refused_with_one_line_naming_file_line_and_field(
    name: str, tmp_path: Path
) -> None:
    case = EXPECTED[name]
    path = folder(name, tmp_path)
    env = {"PACHCA_RUNNER_CATALOGUE": str(path), "PACHCA_TOKEN": "", **case.get("env", {})}
    report = []
    for args in (["validate"], ["run-job", "any-job"]):
        result = CliRunner().invoke(main, args, env=env)
        if result.exit_code != 2:
            report.append(f"{args[0]}: exit code {result.exit_code}, not 2")
        report += [f"{args[0]}: {p}" for p in problems_in(result.output, case)]
    assert not report, "\n".join(report) + f"\n--- output:\n{result.output}"
    TALLY["bad inputs refused"] += 1


def test_a_real_process_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    runs = {}
    for name in IN_A_PROCESS:
        case = EXPECTED[name]
        path = folder(name, tmp_path / name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PACHCA")}
        env.update(case.get("env", {}))
        runs[name] = subprocess.Popen(
            [sys.executable, "-m", "runner", "validate", str(path)], env=env,
            cwd=tmp_path / name, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for name, proc in runs.items():
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 2, (name, out, err)
        assert out == "", (name, out)
        assert problems_in(err, EXPECTED[name]) == [], (name, err)
