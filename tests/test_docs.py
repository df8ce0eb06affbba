"""The guides tell the truth: their YAML validates, every command and setting is in the
README, and the job-kind reference is made from the current models."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
import yaml

from runner.catalogue import validate
from runner.catalogue.schema import catalogue_schema
from runner.cli import main
from runner.reference import kinds_markdown
from runner.settings import Settings

REPO = Path(__file__).resolve().parents[1]
GUIDES = ["README.md", "docs/operators.ru.md"]
_FENCE = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)


def snippets() -> list[tuple[str, int, str]]:
    """Every ```yaml block of the guides: (guide, line, text)."""
    out = []
    for guide in GUIDES:
        text = (REPO / guide).read_text(encoding="utf-8")
        for m in _FENCE.finditer(text):
            out.append((guide, text[: m.start()].count("\n") + 1, m.group(1)))
    return out


def as_catalogue(text: str) -> dict[str, Any]:
    """A snippet as a whole catalogue: job entries are wrapped in a minimal one."""
    data = yaml.safe_load(text)
    assert isinstance(data, dict), "a snippet is a catalogue or job entries"
    if "jobs" in data:
        return data
    assert all(isinstance(v, dict) and "kind" in v for v in data.values()), (
        "a snippet is a catalogue (with `jobs:`) or job entries (`name: {kind: ...}`)"
    )
    return {"timezone": "Europe/Moscow", "jobs": data}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the repository's templates, where snippets are written and checked."""
    tmp = tmp_path_factory.mktemp("snippets")
    shutil.copytree(REPO / "templates", tmp / "templates")
    return tmp


def test_both_guides_have_snippets() -> None:
    found = {guide for guide, _, _ in snippets()}
    assert found == set(GUIDES)


@pytest.mark.parametrize(("guide", "line", "text"), snippets(),
                         ids=[f"{g}:{n}" for g, n, _ in snippets()])
def test_every_yaml_snippet_of_the_guides_validates(
    folder: Path, guide: str, line: int, text: str
) -> None:
    data = as_catalogue(text)
    path = folder / f"{Path(guide).stem}-{line}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    validate(path, env={})  # raises CatalogueError with every problem
    errors = [e.message for e in jsonschema.Draft7Validator(catalogue_schema()).iter_errors(data)]
    assert errors == [], f"{guide}:{line}: the editor's schema disagrees"


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    out = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += _commands(command, f"{prefix}{name} ")
        else:
            out.append(prefix + name)
    return out


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = _commands(main)
    assert {"validate", "plan", "diff", "schema", "docs kinds", "workspace serve"} <= set(commands)
    missing = [c for c in commands
               if not re.search(rf"`(pachca-runner )?{re.escape(c)}[ `]", readme)]
    assert missing == [], "add these commands to the README's Commands table"


def test_every_setting_is_in_the_readme_settings_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    names = []
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.append(alias.choices[0] if alias is not None else f"PACHCA_RUNNER_{name.upper()}")
    missing = [n for n in names if f"`{n}`" not in section]
    assert missing == [], "add these settings to the README's Settings table"


@pytest.mark.parametrize(("page", "lang"), [("docs/kinds.md", "en"), ("docs/kinds.ru.md", "ru")])
def test_the_kind_reference_is_made_from_the_current_models(page: str, lang: str) -> None:
    committed = (REPO / page).read_text(encoding="utf-8")
    command = f"pachca-runner docs kinds{' --lang ru' if lang == 'ru' else ''} -o {page}"
    assert committed == kinds_markdown(catalogue_schema(), lang), f"out of date: run `{command}`"


@pytest.mark.parametrize("guide", GUIDES)
def test_the_token_table_lists_every_scope_the_sample_jobs_and_the_bot_need(
    guide: str, folder: Path
) -> None:
    from runner.bot.admin import CLICK_SCOPES, POLL_SCOPES
    from runner.kinds.export.kind import EXPORT_SCOPES
    from runner.kinds.registry import get_kind

    text = (REPO / guide).read_text(encoding="utf-8")
    heading = "### Which token each kind needs" if guide == "README.md" else (
        "## Какой токен нужен заданию")
    section = text.split(heading, 1)[1].split("\n#", 1)[0]
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| ")]
    shutil.copy(REPO / "jobs.yaml", folder / "jobs.yaml")
    catalogue = validate(folder / "jobs.yaml")

    def listed(mark: str) -> str:
        return " ".join(row[3] for row in rows if len(row) > 3 and mark in row[1])

    for job in catalogue.jobs.values():
        needed = get_kind(job.kind).scopes(job.params)
        if job.kind == "export":
            needed |= EXPORT_SCOPES
        scopes = listed(f"`{job.kind}`")
        assert [s for s in sorted(needed) if f"`{s}`" not in scopes] == [], (guide, job.kind)
    bot = listed("`bot:`")
    assert [s for s in sorted(CLICK_SCOPES | POLL_SCOPES) if f"`{s}`" not in bot] == []
