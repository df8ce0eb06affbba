"""Reference pages made from the models: the job-kind reference and the settings table.

``pachca-runner docs kinds`` writes ``docs/kinds.md`` (``--lang ru``: ``docs/kinds.ru.md``)
from the same JSON Schema editors use, so every field, its type, default, description
and example come from where the field is defined; ``pachca-runner docs settings`` prints
the settings table of the README. Tests check the committed pages are current.
"""

from __future__ import annotations

from typing import Any

import yaml

from runner import durations

_TEXT = {
    "en": {
        "title": "# Job kinds",
        "made": "<!-- Made by `pachca-runner docs kinds` from the models; do not edit by hand:"
                " a test checks it is current. -->",
        "intro": "Every job has the common fields, then the fields of its kind. Durations are"
                 " written `30s`, `15m`, `2h`, `1d`, `1h30m` (or seconds); `${VAR}` and"
                 " `${VAR:-default}` take a value from the environment.",
        "common": "## Common fields (every job)",
        "head": "| field | type | default | what it does | example |",
        "required": "required",
        "mapping": "mapping", "list": "list of", "text": "text", "int": "whole number",
        "number": "number", "bool": "true/false", "date": "date", "duration": "duration",
        "or": " or ", "one_of": "one of", "schedule": "cron, list of crons, {every: duration}",
        "named": "mapping: name →",
    },
    "ru": {
        "title": "# Виды заданий",
        "made": "<!-- Сделано командой `pachca-runner docs kinds --lang ru` из моделей; не"
                " править вручную: тест проверяет, что страница актуальна. -->",
        "intro": "У каждого задания есть общие поля, а затем поля его вида. Длительности"
                 " пишутся так: `30s`, `15m`, `2h`, `1d`, `1h30m` (или число секунд);"
                 " `${VAR}` и `${VAR:-значение}` берут значение из окружения.",
        "common": "## Общие поля (у любого задания)",
        "head": "| поле | тип | по умолчанию | что делает | пример |",
        "required": "обязательно",
        "mapping": "словарь", "list": "список:", "text": "текст", "int": "целое число",
        "number": "число", "bool": "true/false", "date": "дата", "duration": "длительность",
        "or": " или ", "one_of": "одно из", "schedule": "cron, список cron, {every: длительность}",
        "named": "словарь: имя →",
    },
}


def _flow(value: Any) -> str:
    """``value`` as YAML writes it on one line."""
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False,
                          width=1000).split("\n...")[0].strip()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class _Pages:
    """Walks the catalogue schema and writes its tables in one language."""

    def __init__(self, schema: dict[str, Any], lang: str) -> None:
        self.schema = schema
        self.lang = lang
        self.t = _TEXT[lang]

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        return node

    def label(self, node: dict[str, Any], name: str = "") -> str:
        """The type of a field, in words."""
        t = self.t
        if name == "schedule":
            return t["schedule"]
        node = self.resolve(node)
        if node == durations.JSON_SCHEMA or (
            "anyOf" in node and durations.JSON_SCHEMA["anyOf"][0] in node["anyOf"]
        ):
            nullable = any(m.get("type") == "null" for m in node["anyOf"])
            return t["duration"] + (t["or"] + "null" if nullable else "")
        if "anyOf" in node or "oneOf" in node:
            parts = [self.label(m) for m in node.get("anyOf", node.get("oneOf", []))
                     if m.get("$ref") != "#/$defs/env_var"]
            return t["or"].join(dict.fromkeys(p for p in parts if p))
        if "const" in node:
            return f"`{node['const']}`"
        if "enum" in node:
            return t["one_of"] + " " + ", ".join(f"`{v}`" for v in node["enum"])
        kind = node.get("type")
        if kind == "array":
            return f"{t['list']} {self.label(node.get('items', {}))}"
        if kind == "object":
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and extra and "properties" not in node:
                return f"{t['named']} {self.label(extra)}"
            return t["mapping"]
        if kind == "string":
            return t["date"] if node.get("format") == "date" else t["text"]
        return {"integer": t["int"], "number": t["number"], "boolean": t["bool"],
                "null": "null"}.get(str(kind), "")

    def rows(self, properties: dict[str, Any], required: list[str], prefix: str = "",
             depth: int = 0, variant: str = "") -> list[str]:
        """Table rows for ``properties``; nested mappings as ``parent.child`` rows.

        ``variant`` names the branch of a union the rows belong to (``http`` of a source).
        """
        out = []
        for name, field in properties.items():
            full = prefix + name + variant
            default = self.t["required"] if name in required else (
                f"`{_flow(field['default'])}`" if "default" in field else "—")
            example = f"`{_flow(field['examples'][0])}`" if field.get("examples") else "—"
            about = field.get("description_ru" if self.lang == "ru" else "description", "")
            out.append(f"| `{full}` | {_cell(self.label(field, name))} | {_cell(default)} |"
                       f" {_cell(about)} | {_cell(example)} |")
            if depth < 2:
                out += self.nested(field, full, depth)
        return out

    def nested(self, field: dict[str, Any], full: str, depth: int) -> list[str]:
        """Rows of the fields inside a mapping, a list of mappings or a named-source map."""
        node = self.resolve(field)
        branches = node.get("anyOf", [node])
        if node.get("type") == "array":
            branches, full = [node.get("items", {})], full + "[]"
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra and "properties" not in node:
            branches, full = [extra], full + ".<name>"
        out: list[str] = []
        for branch in branches:
            variants = self.resolve(branch).get("oneOf", [branch])
            for sub in variants:
                target = self.resolve(sub)
                if "properties" not in target or target is node:
                    continue
                const = target["properties"].get("type", {}).get("const")
                variant = f" ({const})" if const and len(variants) > 1 else ""
                out += self.rows(target["properties"], target.get("required", []),
                                 full + ".", depth + 1, variant)
        return out

    def table(self, properties: dict[str, Any], required: list[str]) -> list[str]:
        return [self.t["head"], "| --- | --- | --- | --- | --- |",
                *self.rows(properties, required)]


def kinds_markdown(schema: dict[str, Any], lang: str = "en") -> str:
    """The job-kind reference page (Markdown) in ``lang``."""
    from runner.catalogue.models import COMMON_FIELDS

    pages = _Pages(schema, lang)
    defs = schema["$defs"]
    entries = [defs[branch["then"]["$ref"].rsplit("/", 1)[-1]] for branch in defs["job"]["allOf"]]
    first = entries[0]
    common = {n: first["properties"][n] for n in COMMON_FIELDS}
    common["kind"] = defs["job"]["properties"]["kind"]  # any kind, not the first one's
    lines = [pages.t["title"], "", pages.t["made"], "", pages.t["intro"], "",
             pages.t["common"], "",
             *pages.table(common, [n for n in first["required"] if n in common]), ""]
    for entry in entries:
        own = {n: f for n, f in entry["properties"].items() if n not in common}
        lines += [f"## `{entry['properties']['kind']['const']}`", ""]
        if lang == "en" and entry.get("description"):
            lines += [entry["description"], ""]
        lines += [*pages.table(own, entry["required"]), ""]
    return "\n".join(lines)


def settings_markdown() -> str:
    """The settings table of the README: variable, default, meaning."""
    from pydantic import AliasChoices, SecretStr

    from runner.settings import Settings

    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        env = alias.choices[0] if isinstance(alias, AliasChoices) else f"PACHCA_RUNNER_{name}"
        default = info.default
        shown = "—" if default is None or isinstance(default, SecretStr) else f"`{default}`"
        lines.append(f"| `{str(env).upper()}` | {shown} | {_cell(info.description or '')} |")
    return "\n".join(lines) + "\n"
