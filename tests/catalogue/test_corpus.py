"""Broken catalogues and templates that ``validate`` once accepted (or answered with a
traceback, a hang or a secret): each is refused with exactly the one line it states.

The corpus is data, one file per case, in ``corpus/``:

- ``NAME.yaml`` is a jobs.yaml as an operator wrote it;
- ``NAME.md.j2`` is a template, used as ``templates/custom.md.j2`` by a one-job catalogue.

The file's first lines state the case: ``error:`` the exact English line (after
``error: ``) that both ``pachca-runner validate`` and ``pachca-runner run-job a
--dry-run`` must print (``{defaults}`` stands for the folder of the templates that ship
in the package, as installed), and
``env:`` variables set first (``# env: NAME=value`` in YAML, ``{# ... #}`` in a template).
Every variable's value must stay out of the output, in English and in Russian.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import main
from runner.defaults import TEMPLATES

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).with_name("corpus")
CASES = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".yaml", ".j2"))
FOR_TEMPLATE = (
    'jobs:\n  a:\n    kind: message\n    schedule: "0 9 * * *"\n    to: {chats: [101]}\n'
    "    template: custom.md.j2\n"
)
_HEADER = re.compile(rb"^(?:# |\{# )(error|env): (.*?)(?: #\})?$")
# Words Python, pydantic and Jinja use in their own (English) messages: none may reach a
# Russian line outside what it quotes ('...', «...», `...`).
_ENGLISH = re.compile(r"\b(must|should|expected|unexpected|position|out of range|invalid"
                      r"|unterminated|missing|got|is not|too (large|long|many)|cannot|unknown)\b")
# What Python and pydantic say of types and errors: never part of an operator's line.
_JARGON = re.compile(r"NoneType|\bdict\b|Input should|type=|pydantic|For further information"
                     r"|Errno|Traceback")
_QUOTED = re.compile(r"'[^']*'|«[^»]*»|`[^`]*`|\"[^\"]*\"")


def read_case(name: str) -> tuple[str, dict[str, str]]:
    """The expected line and the environment a case states in its first lines."""
    expected, env = "", {}
    for line in (CORPUS / name).read_bytes().splitlines():
        found = _HEADER.match(line)
        if not found:
            break
        key, value = found.group(1).decode(), found.group(2).decode("utf-8")
        if key == "error":
            expected = "error: " + value.replace("{defaults}", str(TEMPLATES))
        else:
            var, _, text = value.partition("=")
            env[var] = text
    assert expected, f"{name} states no `error:` line"
    return expected, env


def lay_out(name: str, folder: Path) -> None:
    """jobs.yaml and templates/ as the operator has them, in ``folder``."""
    shutil.copytree(REPO / "templates", folder / "templates")
    if name.endswith(".md.j2"):
        (folder / "jobs.yaml").write_text(FOR_TEMPLATE, encoding="utf-8")
        shutil.copyfile(CORPUS / name, folder / "templates" / "custom.md.j2")
    else:
        shutil.copyfile(CORPUS / name, folder / "jobs.yaml")


def run_cli(args: list[str], env: dict[str, str], lang: str) -> tuple[int, str]:
    """Exit code and output (stdout and stderr) of one command."""
    base = {"PACHCA_RUNNER_CATALOGUE": "jobs.yaml", "PACHCA_RUNNER_LANG": lang,
            "PACHCA_TOKEN": "tok-unused", "PACHCA_BASE_URL": "http://127.0.0.1:9/api/shared/v1"}
    result = CliRunner().invoke(main, args, env={**base, **env})
    return result.exit_code, result.output


COMMANDS = {"validate": ["validate"], "run-job --dry-run": ["run-job", "a", "--dry-run"]}


@pytest.mark.parametrize("name", CASES)
def test_each_case_is_refused_with_the_line_it_states(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected, env = read_case(name)
    lay_out(name, tmp_path)
    monkeypatch.chdir(tmp_path)
    where = expected.split(": ", 2)[1].rstrip(":")  # error: FILE:LINE[:COL]: ...
    report = []
    for command, args in COMMANDS.items():
        for lang, prefix in (("en", "error: "), ("ru", "ошибка: ")):
            code, output = run_cli(args, env, lang)
            errors = [line for line in output.splitlines() if line.startswith(prefix)]
            if code != 2:
                report.append(f"{command} ({lang}): exit code {code}, not 2")
            if lang == "en" and errors != [expected]:
                report.append(f"{command}: printed {errors!r}")
            if lang == "ru" and (len(errors) != 1 or not errors[0].startswith(
                    f"{prefix}{where}")):
                report.append(f"{command} (ru): printed {errors!r}")
            if lang == "ru" and any(_ENGLISH.search(_QUOTED.sub("", e)) for e in errors):
                report.append(f"{command} (ru): English in {errors!r}")
            if any(_JARGON.search(_QUOTED.sub("", e)) for e in errors):
                report.append(f"{command} ({lang}): Python's words in {errors!r}")
            if "Traceback" in output:
                report.append(f"{command} ({lang}): a traceback")
            report += [f"{command} ({lang}): shows the value of {var}"
                       for var, value in env.items() if value in output]
    assert not report, "\n".join(report)


def test_every_case_names_the_file_and_line() -> None:
    for name in CASES:
        expected, _ = read_case(name)
        assert re.match(r"error: [\w./-]+:\d+", expected), name


IN_A_PROCESS = ("secret-kind.yaml", "tpl-power-tower.md.j2", "tpl-not-utf8.md.j2",
                "catchup-huge.yaml", "tpl-self-include.md.j2", "secret-sql-url.yaml")


def test_a_real_process_prints_the_same_line(tmp_path: Path) -> None:
    """``python -m runner``, as an operator runs it: stderr holds the line, nothing else."""
    runs = {}
    for name in IN_A_PROCESS:
        expected, env = read_case(name)
        folder = tmp_path / name
        folder.mkdir()
        lay_out(name, folder)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PACHCA")}
        runs[name] = (expected, env, subprocess.Popen(
            [sys.executable, "-m", "runner", "validate", "jobs.yaml"],
            env={**clean, **env, "PACHCA_RUNNER_LANG": "en"}, cwd=folder,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for name, (expected, env, proc) in runs.items():
        out, err = proc.communicate(timeout=120)
        assert (proc.returncode, out, err) == (2, "", expected + "\n"), name
        assert not any(value in err for value in env.values()), name
