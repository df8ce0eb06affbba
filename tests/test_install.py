"""Installed, not cloned: the package built and installed (not editable) into a fresh
virtualenv, then driven from empty folders as an operator would.

No network: the venv reuses this interpreter's site-packages for the dependencies
(``--system-site-packages``), and pip builds the project with the setuptools and wheel
already here (``--no-build-isolation``, both in the ``test`` extra).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runner.defaults import TEMPLATES

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.install


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the project installed from a copy of its sources."""
    if importlib.util.find_spec("wheel") is None or importlib.util.find_spec("setuptools") is None:
        pytest.skip("building the wheel offline needs setuptools and wheel (the test extra)")
    root = tmp_path_factory.mktemp("install")
    source = root / "source"  # the build writes build/ and *.egg-info beside the sources
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(REPO / name, source / name)
    shutil.copytree(REPO / "runner", source / "runner",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(root / "venv")], check=True, timeout=120)
    python = root / "venv" / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-build-isolation", "--no-index", str(source)],
                   check=True, timeout=300, env=_env())
    return root / "venv"


def _env(**extra: str) -> dict[str, str]:
    """The environment of an operator's shell: none of our settings, no source tree."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PACHCA_", "LC_", "LANG")) and k != "PYTHONPATH"}
    return {**env, **extra}


def _run(venv: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "pachca-runner"), *args], check=False,
                          cwd=folder,
                          text=True, capture_output=True, timeout=300, env=_env())


def test_the_installed_package_is_the_one_that_runs(venv: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import runner; print(runner.__file__)"], cwd=tmp_path,
                           text=True, capture_output=True, check=True, env=_env())
    installed = Path(where.stdout.strip())
    assert installed.is_relative_to(venv), "the venv imports the source tree, not its install"
    shipped = installed.parent / "defaults"
    assert sorted(p.name for p in (shipped / "templates").glob("*.j2")) == sorted(
        p.name for p in TEMPLATES.glob("*.j2"))
    assert (shipped / "jobs.yaml").is_file() and (shipped / "env.example").is_file()
    assert _run(venv, tmp_path, "--version").stdout.startswith("pachca-runner, version ")


def test_init_validate_demo_in_an_empty_folder(venv: Path, tmp_path: Path) -> None:
    done = _run(venv, tmp_path, "init")
    assert done.returncode == 0, done.stderr
    # Named in full: "to ." would read as a stray full stop.
    assert f"files to {tmp_path.resolve()}. Next:" in done.stdout, done.stdout
    written = _files(tmp_path)
    assert {"jobs.yaml", ".env.example", "templates/digest.md.j2"} <= written
    checked = _run(venv, tmp_path, "validate", "--offline")
    assert checked.returncode == 0, checked.stderr
    demo = _run(venv, tmp_path, "demo")
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr
    assert "What reached Pachca" in demo.stdout and "messages posted" in demo.stdout
    assert _files(tmp_path) == written, "the demo left files in the operator's folder"


def test_a_catalogue_naming_no_template_uses_the_shipped_ones(venv: Path, tmp_path: Path
                                                              ) -> None:
    (tmp_path / "jobs.yaml").write_text(
        "jobs:\n  digest:\n    kind: digest\n    schedule: '0 9 * * 1-5'\n"
        "    to: {chats: [1]}\n", encoding="utf-8")
    checked = _run(venv, tmp_path, "validate", "--offline")
    assert checked.returncode == 0, checked.stderr
    assert _files(tmp_path) == {"jobs.yaml"}


def test_demo_from_an_empty_folder_uses_the_shipped_sample_and_leaves_it_empty(
    venv: Path, tmp_path: Path
) -> None:
    demo = _run(venv, tmp_path, "demo")
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr
    assert "What reached Pachca" in demo.stdout and "messages posted" in demo.stdout
    assert _files(tmp_path) == set(), "the demo left files in the operator's folder"
