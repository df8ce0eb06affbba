"""The JSON Schema of jobs.yaml, made from the models that validate it.

Editors that read ``# yaml-language-server: $schema=./jobs.schema.json`` (VS Code with the
YAML extension, JetBrains IDEs, ...) then complete field names and show problems as the
operator types. Made from pydantic's ``model_json_schema()`` of the top-level sections,
the common job fields and every kind's ``Params``, then adjusted for what the loader
accepts beyond pydantic's view:

- a job entry is the common fields plus one kind's fields: an ``if kind == X then``
  branch per kind, each closed with ``additionalProperties: false``;
- ``${VAR}`` is filled in before validation, so a ``${...}`` string is accepted wherever
  a number, a boolean or a choice is expected;
- durations are ``15m`` or seconds, and their defaults are shown as ``30m``;
- each field has ``description`` (English), ``description_ru`` and a ``markdownDescription``
  with both, which is what editors show on hover.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from runner import durations
from runner.catalogue.models import _JOB_NAME, JOB_NAME_MAX, CatalogueFile, _JobFields
from runner.kinds.base import JobKind

VAR_PATTERN = r"^\$\{.+\}$"
_ENV_VAR = {
    "type": "string",
    "pattern": VAR_PATTERN,
    "description": "A value from the environment: ${NAME} or ${NAME:-default}.",
    "description_ru": "Значение из окружения: ${ИМЯ} или ${ИМЯ:-значение}.",
}
_JOB_NAME_PATTERN = "^[-_0-9A-Za-zА-Яа-яЁё]+$"  # _JOB_NAME's \w, as editors' regexes read it
_SCALARS = ("integer", "number", "boolean")


class _Generator(GenerateJsonSchema):
    """Shows the defaults of ``default_factory`` fields too (``[]``, ``{}``, a section)."""

    def get_default_value(self, schema: Any) -> Any:
        factory = schema.get("default_factory")
        if factory is not None and not schema.get("default_factory_takes_data"):
            return _plain(factory())
        return super().get_default_value(schema)


def _plain(value: Any) -> Any:
    """A default as YAML would write it: a section's unset fields left out."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _model(model: type[BaseModel], prefix: str, defs: dict[str, Any]) -> dict[str, Any]:
    """``model``'s schema; its nested models go to ``defs`` under ``prefix`` + their name."""
    schema = model.model_json_schema(
        ref_template="#/$defs/" + prefix + "{model}", schema_generator=_Generator
    )
    for name, sub in schema.pop("$defs", {}).items():
        defs[prefix + name] = sub
    return schema


def _kind_entry(kind: JobKind, common: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A job entry of ``kind``: the common fields, ``kind: <name>`` and the kind's fields."""
    params = _model(kind.Params, f"{kind.name}.", defs)
    properties = dict(common["properties"])
    properties["kind"] = {**properties["kind"], "const": kind.name}
    properties.update(params.get("properties", {}))
    required = [*common.get("required", []), *params.get("required", [])]
    return {
        "type": "object",
        "description": kind.summary,
        "additionalProperties": False,
        "properties": properties,
        "required": list(dict.fromkeys(required)),
    }


def catalogue_schema(
    kind_names: Callable[[], Sequence[str]] | None = None,
    get_kind: Callable[[str], JobKind] | None = None,
) -> dict[str, Any]:
    """The JSON Schema (draft 7) of a job catalogue with the shipped job kinds."""
    from runner.kinds import registry

    names = list((kind_names or registry.kind_names)())
    kinds = [(get_kind or registry.get_kind)(name) for name in names]
    defs: dict[str, Any] = {}
    top = _model(CatalogueFile, "", defs)
    common = _model(_JobFields, "job.", defs)
    for kind in kinds:
        defs[f"job.{kind.name}"] = _kind_entry(kind, common, defs)
    defs["job"] = {
        "type": "object",
        "required": ["kind", "schedule"],
        "properties": {"kind": {**common["properties"]["kind"], "enum": names}},
        "allOf": [
            {"if": {"properties": {"kind": {"const": k.name}}, "required": ["kind"]},
             "then": {"$ref": f"#/$defs/job.{k.name}"}}
            for k in kinds
        ],
    }
    defs["env_var"] = _ENV_VAR
    jobs = top["properties"]["jobs"]
    jobs.pop("additionalProperties", None)
    jobs.update(minProperties=1, propertyNames={"pattern": _JOB_NAME_PATTERN,
                                                 "maxLength": JOB_NAME_MAX},
                additionalProperties={"$ref": "#/$defs/job"})
    assert _JOB_NAME.fullmatch("Ежедневная-сводка_2")  # the pattern above mirrors this one
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "pachca-runner job catalogue (jobs.yaml)",
        "description": top.get("description", ""),
        "type": "object",
        "properties": top["properties"],
        "required": ["jobs"],
        "patternProperties": {"^x-": {}},  # free-form extension sections, as the loader allows
        "additionalProperties": False,
        "$defs": defs,
    }
    return _polish(schema, in_properties=False)


def _polish(node: Any, *, in_properties: bool, member: bool = False) -> Any:
    """Adjust every sub-schema (see the module docstring).

    ``in_properties``: ``node`` maps field names to schemas (its keys are names, not
    keywords); ``member``: ``node`` is one branch of an ``anyOf``, which its parent adjusts.
    """
    if isinstance(node, list):
        return [_polish(item, in_properties=False, member=member) for item in node]
    if not isinstance(node, dict):
        return node
    if in_properties:
        return {name: _polish(sub, in_properties=False) for name, sub in node.items()}
    out = {key: _polish(value, in_properties=key in ("properties", "$defs"),
                        member=key == "anyOf")
           for key, value in node.items() if key != "title"}
    if not member:
        _accept_vars(out)
    if "anyOf" in out and durations.JSON_SCHEMA["anyOf"][0] in out["anyOf"]:
        default = out.get("default")
        if isinstance(default, int | float) and not isinstance(default, bool):
            out["default"] = durations.format_duration(default)
    if "description" in out and "description_ru" in out:
        out["markdownDescription"] = f"{out['description_ru']}\n\n*{out['description']}*"
    return out


def _accept_vars(schema: dict[str, Any]) -> None:
    """Let a ``${VAR}`` string stand where a number, boolean or choice is expected."""
    var = {"$ref": "#/$defs/env_var"}
    if "anyOf" in schema:
        members = schema["anyOf"]
        if var not in members and any(
            m.get("type") in _SCALARS or "enum" in m for m in members if isinstance(m, dict)
        ):
            members.append(var)
        return
    if schema.get("type") in _SCALARS or ("enum" in schema and "const" not in schema):
        keys = ("type", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        inner = {k: schema.pop(k) for k in keys if k in schema}
        schema["anyOf"] = [inner, var]


def dumps(schema: dict[str, Any]) -> str:
    """The schema as the committed ``jobs.schema.json`` holds it."""
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


