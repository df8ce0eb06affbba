"""``pachca-runner init`` and ``--version``, driven as an operator drives them: the
command in a folder, then ``validate`` on what it wrote."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from runner.catalogue import validate
from runner.defaults import COMMENTED_IN, ENV_EXAMPLE, SAMPLE, TEMPLATES
from runner.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def runner(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``pachca-runner ARGS`` in ``folder``, with no token and no settings of ours."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PACHCA_", "LC_", "LANG"))}
    return subprocess.run([sys.executable, "-m", "runner", *args], check=False, cwd=folder, text=True,
                          capture_output=True, timeout=120,
                          env={**clean, "PYTHONPATH": str(REPO), **env})


def test_init_writes_a_catalogue_that_validates(tmp_path: Path) -> None:
    done = runner(tmp_path, "init", "ops")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "ops"
    assert (folder / "jobs.yaml").read_bytes() == SAMPLE.read_bytes()
    assert (folder / ".env.example").read_bytes() == ENV_EXAMPLE.read_bytes()
    assert (folder / "jobs.schema.json").is_file()
    defaults = sorted(p.name for p in TEMPLATES.glob("*.j2"))
    assert sorted(p.name for p in (folder / "templates").iterdir()) == defaults
    assert "PACHCA_TOKEN" in done.stdout and "jobs.yaml" in done.stdout
    checked = runner(folder, "validate", "--offline")
    assert checked.returncode == 0, checked.stderr
    assert f"OK, {len(validate(SAMPLE, env={}).jobs)} jobs" in checked.stdout


def test_init_in_russian_writes_the_files_commented_in_russian(tmp_path: Path) -> None:
    done = runner(tmp_path, "init", "ops", PACHCA_RUNNER_LANG="ru")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "ops"
    sample, env_example = COMMENTED_IN["ru"]
    assert (folder / "jobs.yaml").read_bytes() == sample.read_bytes()
    assert (folder / ".env.example").read_bytes() == env_example.read_bytes()
    for name in ("jobs.yaml", ".env.example"):
        # Every comment is Russian, but for the editor's schema line and the settings
        # shown commented out (`# PACHCA_BASE_URL=…`).
        comments = [line.split("#", 1)[1].strip() for line in
                    (folder / name).read_text(encoding="utf-8").splitlines() if "#" in line]
        english = [c for c in comments if c and not re.search("[а-яё]", c)
                   and not c.startswith("yaml-language-server") and not re.match(r"[A-Z_]+=", c)]
        assert comments and not english, (name, english)
    checked = runner(folder, "validate", "--offline", PACHCA_RUNNER_LANG="ru")
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("language", sorted(COMMENTED_IN))
def test_a_translated_sample_differs_from_the_english_one_in_its_comments_alone(
        language: str) -> None:
    sample, env_example = COMMENTED_IN[language]
    assert (yaml.safe_load(sample.read_text(encoding="utf-8"))
            == yaml.safe_load(SAMPLE.read_text(encoding="utf-8")))

    def settings(path: Path) -> list[str]:  # every line that sets (or shows) a variable
        return [line for line in path.read_text(encoding="utf-8").splitlines()
                if re.match(r"#? ?[A-Z_]+=", line)]

    assert settings(env_example) == settings(ENV_EXAMPLE)


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "jobs.yaml").write_text("jobs: {}\n", encoding="utf-8")
    done = runner(tmp_path, "init")
    assert done.returncode == 2
    assert "jobs.yaml" in done.stderr and "nothing was written" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.yaml"]
    assert (tmp_path / "jobs.yaml").read_text(encoding="utf-8") == "jobs: {}\n"

    (tmp_path / "jobs.yaml").unlink()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.md.j2").write_text("свой дайджест", encoding="utf-8")
    russian = runner(tmp_path, "init", PACHCA_RUNNER_LANG="ru")
    assert russian.returncode == 2
    assert "templates/digest.md.j2 уже есть — ничего не записано" in russian.stderr
    # the folder by its full name, not ".": "ошибка: .: …" reads as a stray full stop
    assert russian.stderr.startswith(f"ошибка: {tmp_path.resolve()}: templates/digest.md.j2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["templates"]
    assert (tmp_path / "templates" / "digest.md.j2").read_text(encoding="utf-8") == "свой дайджест"


def test_init_onto_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ops").write_text("", encoding="utf-8")
    done = runner(tmp_path, "init", "ops")
    assert done.returncode == 2
    assert "is a file, not a folder" in done.stderr


def test_every_setting_of_the_env_example_exists() -> None:
    names = set()
    for info_name, info in Settings.model_fields.items():
        alias = info.validation_alias
        names |= set(alias.choices) if alias is not None else set()  # type: ignore[union-attr]
        names.add(f"PACHCA_RUNNER_{info_name.upper()}")
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    used = {line.lstrip("# ").split("=", 1)[0] for line in text.splitlines()
            if "=" in line and line.lstrip("# ").split("=", 1)[0].isupper()}
    assert {n for n in used if n.startswith("PACHCA")} <= names
    sample = SAMPLE.read_text(encoding="utf-8")
    for variable in used - names:
        assert "${" + variable in sample, f"{variable} is neither a setting nor in jobs.yaml"


def test_version_is_the_installed_one(tmp_path: Path) -> None:
    done = runner(tmp_path, "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"pachca-runner, version {version('pachca-runner')}"
