"""The Dockerfile agrees with the package it installs (no Docker here: it is parsed):
the Python version, the entry point, the port, the health path, the settings it sets,
the files it copies; the README shows it verbatim."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

from runner.server.paths import OWN_ROUTES
from runner.settings import Settings

REPO = Path(__file__).resolve().parents[1]
TEXT = (REPO / "Dockerfile").read_text(encoding="utf-8")
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    lines = [line for line in TEXT.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def one(name: str) -> str:
    found = [args for word, args in instructions() if word == name]
    assert len(found) >= 1, f"the Dockerfile has no {name}"
    return found[-1]


def env() -> dict[str, str]:
    pairs: dict[str, str] = {}
    for word, args in instructions():
        if word == "ENV":
            pairs.update(dict(re.findall(r"(\w+)=(\S+)", args)))
    return pairs


def setting_names() -> dict[str, str]:
    """Every variable the settings read, to its field name."""
    names = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        for name in getattr(alias, "choices", []) or []:
            names[str(name)] = field
        names[f"PACHCA_RUNNER_{field.upper()}"] = field
    return names


def test_the_base_image_runs_a_python_the_package_supports() -> None:
    found = re.fullmatch(r"python:(\d+\.\d+)(-slim)?", one("FROM"))
    assert found, "FROM an official python image with its version"
    assert found.group(1) in SpecifierSet(PROJECT["requires-python"])


def test_it_runs_the_entry_point_as_a_plain_user() -> None:
    command = json.loads(one("CMD"))
    assert command[0] in PROJECT["scripts"] and command[1:] == ["run"]
    assert one("USER") not in ("root", "0")
    words = [w for w, _ in instructions()]
    assert words.index("USER") < words.index("CMD")


def test_its_settings_exist_and_the_state_lives_on_the_volume() -> None:
    names = setting_names()
    variables = {k: v for k, v in env().items() if k.startswith("PACHCA")}
    assert set(variables) <= set(names), "a PACHCA_* variable no setting reads"
    volume = one("VOLUME")
    state = variables["PACHCA_RUNNER_STATE_URL"]
    assert state.startswith(f"sqlite:///{volume}/"), "the state file is on the volume"
    Settings(**{names[k]: v for k, v in variables.items()})  # the values parse


def test_the_port_and_the_health_check_are_the_servers() -> None:
    port = env()["PACHCA_RUNNER_SERVER_PORT"]
    assert one("EXPOSE") == port
    assert int(port) == Settings.model_fields["server_port"].default
    assert env()["PACHCA_RUNNER_SERVER_HOST"] == "0.0.0.0"  # reachable from outside
    check = one("HEALTHCHECK")
    assert f"http://127.0.0.1:{port}{OWN_ROUTES[0]}'" in check
    assert OWN_ROUTES[0] == "/healthz"


def test_what_it_copies_exists_and_holds_the_package() -> None:
    copied = [args.split()[:-1] for word, args in instructions() if word == "COPY"]
    for sources in copied:
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: no such file"
    assert ["runner"] in copied
    assert any(PROJECT["readme"] in sources for sources in copied)


def test_the_readme_shows_this_dockerfile() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```dockerfile\n(.*?)```", readme, re.DOTALL)
    assert block and block.group(1) == TEXT
