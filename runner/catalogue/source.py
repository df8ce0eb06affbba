"""Reading jobs.yaml: plain data, positions of every value, ${VAR} filled in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from runner.errors import Problem

FieldPath = tuple[str | int, ...]
Pos = tuple[int | None, int | None]  # 1-based line and column
_VAR = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_VAR_BODY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?", re.DOTALL)
_MAX_NODES = 50_000  # guards against alias bombs


def dotted(path: FieldPath) -> str:
    """``("jobs", "a", "to", 1)`` -> ``jobs.a.to[1]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class _Doc:
    """Plain data from the YAML file, and where each piece of it was written."""

    file: str
    env: Mapping[str, str]
    problems: list[Problem]
    values: dict[FieldPath, Pos] = field(default_factory=dict)
    keys: dict[FieldPath, Pos] = field(default_factory=dict)
    secrets: dict[FieldPath, list[str]] = field(default_factory=dict)
    _nodes: int = 0
    _active: set[int] = field(default_factory=set)
    _constructor: yaml.constructor.SafeConstructor = field(
        default_factory=yaml.constructor.SafeConstructor
    )

    def add(self, path: FieldPath, message: str, pos: Pos | None = None) -> None:
        line, col = pos if pos else self.where(path)
        self.problems.append(Problem(self.file, line, col, dotted(path), message))

    def where(self, path: FieldPath, *, key: bool = False) -> Pos:
        """The position of ``path`` (its key if ``key``), else of its nearest ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (None, None))

    def read(self, text: str) -> Any:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            if node is None:
                self.add((), "the file is empty — it needs at least a 'jobs:' section", (1, 1))
                return None
            return self._build(node, ())
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            pos = (mark.line + 1, mark.column + 1) if mark else (None, None)
            message = f"YAML syntax error: {exc.problem or exc.context}"
            if any("alias" in str(t) or "anchor" in str(t) for t in (exc.context, exc.problem)):
                message += " (a value starting with * or & must be in quotes)"
            self.add((), message, pos)
        except yaml.YAMLError as exc:
            self.add((), f"the file cannot be read as YAML: {exc}", (None, None))
        except RecursionError:
            self.add((), "the file is nested too deeply", (None, None))
        return None

    def _build(self, node: yaml.Node, path: FieldPath) -> Any:
        self._nodes += 1
        if self._nodes > _MAX_NODES:
            raise yaml.YAMLError("the file expands to too many values (check its aliases)")
        self.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if id(node) in self._active:
            self.add(path, "an alias refers to itself")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self._build(item, path + (i,)) for i, item in enumerate(node.value)]
            return self._scalar(node, path)
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merges.append(value_node)
                continue
            pos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key_node, yaml.ScalarNode):
                self.add(path, "a key must be a plain name, not a list or mapping", pos)
                continue
            key = key_node.value
            if key in out:
                first = self.keys[path + (key,)][0]
                self.add(
                    path + (key,),
                    f"duplicate key '{key}' (already set on line {first}) — keep only one",
                    pos,
                )
                continue
            self.keys[path + (key,)] = pos
            out[key] = self._build(value_node, path + (key,))
        for merge in merges:  # "<<: *anchor": explicit keys win over merged ones
            for part in merge.value if isinstance(merge, yaml.SequenceNode) else [merge]:
                merged = self._build(part, path)
                if not isinstance(merged, dict):
                    self.add(path, "'<<' must refer to a mapping")
                    continue
                for key, value in merged.items():
                    out.setdefault(key, value)
        return out

    def _scalar(self, node: yaml.Node, path: FieldPath) -> Any:
        if node.tag == "tag:yaml.org,2002:str":
            return self._interpolate(node.value, path)
        try:
            return self._constructor.construct_object(node)
        except yaml.constructor.ConstructorError:
            self.add(path, f"YAML tag '{node.tag}' is not supported")
        except (ValueError, TypeError, OverflowError):
            self.add(path, f"'{node.value}' cannot be read as {node.tag.rsplit(':', 1)[-1]}")
        return None

    def _interpolate(self, text: str, path: FieldPath) -> str:
        if "$" not in text:
            return text
        used: list[str] = []

        def fill(m: re.Match[str]) -> str:
            if m.group(0) == "$${":
                return "${"
            if m.group(1) is None:
                self.add(path, "'${' is not closed with '}' — write $${ for a literal ${")
                return ""
            body = _VAR_BODY.fullmatch(m.group(1))
            if body is None:
                self.add(
                    path,
                    f"'${{{m.group(1)}}}' is not a variable reference — use ${{NAME}}"
                    " or ${NAME:-default}",
                )
                return ""
            name, op, default = body.groups()
            used.append(name)
            value = self.env.get(name)
            if op == ":-" and not value or op == "-" and value is None:
                value = default
            if value is None:
                self.add(
                    path,
                    f"environment variable {name} is not set — set it, or give a"
                    f" default: ${{{name}:-...}}",
                )
                return ""
            return value

        out = _VAR.sub(fill, text)
        if used:
            self.secrets[path] = used
        return out

