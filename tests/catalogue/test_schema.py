"""The JSON Schema editors use for jobs.yaml: current, complete, and in step with the loader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from runner.catalogue.schema import catalogue_schema, dumps

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return catalogue_schema()


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def problems(validator: jsonschema.Draft7Validator, text: str) -> list[str]:
    """Where the schema finds fault with ``text`` (YAML), as JSON paths."""
    return sorted(e.json_path for e in validator.iter_errors(yaml.safe_load(text)))


def test_the_committed_schema_is_made_from_the_current_models(schema: dict[str, Any]) -> None:
    committed = (REPO / "jobs.schema.json").read_text(encoding="utf-8")
    assert committed == dumps(schema), (
        "jobs.schema.json is out of date: run `pachca-runner schema -o jobs.schema.json`"
    )


def _fields(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every field of every mapping the schema describes, with where it is."""
    if isinstance(node, dict):
        for name, field in (node.get("properties") or {}).items():
            yield f"{where}.{name}", field
        for key, value in node.items():
            if key == "properties":
                for name, field in value.items():
                    yield from _fields(field, f"{where}.{name}")
            elif key != "if":  # `if kind == X`: a condition, not fields
                yield from _fields(value, f"{where}/{key}" if where.endswith("$defs") or
                                   key == "$defs" else where)
    elif isinstance(node, list):
        for item in node:
            yield from _fields(item, where)


def test_every_field_has_english_and_russian_descriptions_and_an_example(
    schema: dict[str, Any],
) -> None:
    fields = list(_fields(schema))
    assert len(fields) > 100  # the walk reaches every kind's fields, nested ones included
    lacking = [
        f"{where}: no {key}"
        for where, field in fields
        for key in ("description", "description_ru", "examples")
        if not field.get(key)
    ]
    assert lacking == [], "add Field(description=..., examples=[...], json_schema_extra=ru(...))"
    not_russian = [w for w, f in fields if not any("а" <= c <= "я" for c in f["description_ru"])]
    assert not_russian == []


def test_the_sample_catalogue_points_editors_at_the_schema_and_passes_it(
    validator: jsonschema.Draft7Validator,
) -> None:
    text = (REPO / "jobs.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=./jobs.schema.json"
    assert problems(validator, text) == []


JOB = "jobs:\n  a:\n    kind: {kind}\n    schedule: '0 9 * * 1-5'\n"


@pytest.mark.parametrize(
    ("kind", "body", "where"),
    [
        ("digest", "    to: {chats: [1]}\n    shedule: x\n", ["$.jobs.a"]),
        ("digest", "    to: {chats: [1]}\n    timeout: 5 minutes\n", ["$.jobs.a.timeout"]),
        ("sweep", "    inactive_days: soon\n", ["$.jobs.a.inactive_days"]),
        ("sweep", "    exclude: {name: [x]}\n", ["$.jobs.a.exclude"]),
        ("message", "    to: {chats: [1]}\n    text: x\n    buttons: [{text: a}]\n",
         ["$.jobs.a.buttons[0]"]),
        ("digets", "", ["$.jobs.a.kind"]),
    ],
    ids=["unknown-field", "duration", "int", "nested-unknown", "nested-required", "kind"],
)
def test_the_schema_flags_what_the_loader_refuses(
    validator: jsonschema.Draft7Validator, kind: str, body: str, where: list[str]
) -> None:
    assert problems(validator, JOB.format(kind=kind) + body) == where


def test_the_schema_accepts_env_vars_durations_and_schedules_as_the_loader_does(
    validator: jsonschema.Draft7Validator,
) -> None:
    text = JOB.format(kind="sweep") + (
        "    inactive_days: ${INACTIVE_DAYS:-90}\n"
        "    include_channels: ${SWEEP_CHANNELS}\n"
        "    max_fraction: 0.5\n"
        "    timeout: 90\n"
        "    jitter: 1h30m\n"
        "  b:\n    kind: message\n    schedule: {every: 15m}\n"
        "    to: {chats: ['${CHAT_ID}']}\n    text: x\n"
        "  c:\n    kind: message\n    schedule: ['0 9 * * 1', '0 14 * * 5']\n"
        "    to: {users: [5]}\n    template: note.md.j2\n    enabled: false\n"
    )
    assert problems(validator, text) == []
    assert problems(validator, JOB.format(kind="sweep").replace("'0 9 * * 1-5'", "'0 9 * *'")
                    ) == ["$.jobs.a.schedule"]
