"""Reading jobs.yaml: plain data, positions of every value, ${VAR} filled in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from runner import words
from runner.catalogue.masks import Masks
from runner.catalogue.yaml_errors import cut_by_comment, explain
from runner.errors import Problem

FieldPath = tuple[str | int, ...]
Pos = tuple[int | None, int | None]  # 1-based line and column
_VAR_BODY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?", re.DOTALL)
_STANDARD = "tag:yaml.org,2002:"
_PLAIN_TAGS = (_STANDARD + "map", _STANDARD + "seq")
_OCTAL = re.compile(r"[-+]?0[0-7_]+")
_MAX_REPEATS = 50_000
"""Values an alias may repeat in one file: guards against alias bombs (a few lines that
expand to billions of values). Values written out are not counted: a catalogue of
10,000 jobs has some 100,000 of them."""


def shorten(text: str, size: int = 60) -> str:
    """``text`` cut to ``size`` characters with "…": a 5,000-digit value stays one line."""
    return text if len(text) <= size else text[:size] + "…"


def dotted(path: FieldPath) -> str:
    """``("jobs", "a", "to", 1)`` -> ``jobs.a.to[1]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# libyaml (when PyYAML has it) composes a 1,000-job catalogue about 6 times faster. Its
# composer recurses in C, so a file nested deeper than this could crash the process
# instead of raising: such files, and files it refuses, go to the pure-Python parser,
# whose errors (and RecursionError) are the ones this module words for the operator.
_FAST_MAX_DEPTH = 200
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _compose(text: str) -> yaml.Node | None:
    """The YAML node tree of ``text``, by libyaml when that is safe, else by pure Python."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            depth = 0
            for event in yaml.parse(text, Loader=fast):  # libyaml's parser does not recurse
                if isinstance(event, _OPEN):
                    depth += 1
                    if depth > _FAST_MAX_DEPTH:
                        break
                elif isinstance(event, _CLOSE):
                    depth -= 1
            else:
                return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass  # worded below by the pure-Python parser
    return yaml.compose(text, Loader=yaml.SafeLoader)


@dataclass
class _Doc:
    """Plain data from the YAML file, and where each piece of it was written."""

    file: str
    env: Mapping[str, str]
    problems: list[Problem]
    values: dict[FieldPath, Pos] = field(default_factory=dict)
    keys: dict[FieldPath, Pos] = field(default_factory=dict)
    secrets: dict[FieldPath, list[str]] = field(default_factory=dict)
    masks: Masks = field(default_factory=Masks)
    warnings: list[Problem] = field(default_factory=list)
    # Where the text of a literal block (`text: |`) starts: its lines are the file's lines.
    blocks: dict[FieldPath, int] = field(default_factory=dict)
    _lines: list[str] = field(default_factory=list)
    _hashes: set[int] = field(default_factory=set)  # indexes of the lines with a '#'
    _anchors: bool = True  # whether the file may share a node (needs an '&anchor')
    _repeats: int = 0
    _built: set[int] = field(default_factory=set)
    _active: set[int] = field(default_factory=set)
    _constructor: yaml.constructor.SafeConstructor = field(
        default_factory=yaml.constructor.SafeConstructor
    )

    def add(self, path: FieldPath, message: str, pos: Pos | None = None) -> None:
        line, col = pos if pos else self.where(path)
        self.problems.append(Problem(self.file, line, col, dotted(path), message))

    def has_problem(self, path: FieldPath) -> bool:
        """Whether a problem was already reported at ``path`` (one problem per mistake)."""
        where = dotted(path)
        return any(p.path == where for p in self.problems)

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
        self._lines = text.splitlines()
        self._hashes = {i for i, line in enumerate(self._lines) if "#" in line}
        self._anchors = "&" in text
        try:
            node = _compose(text)
            if node is None:
                self.add((), words.text("yaml.empty"), (1, 1))
                return None
            return self._build(node, ())
        except yaml.MarkedYAMLError as exc:
            explained = explain(text, exc)
            if explained is not None:
                line, column, message = explained
                self.add((), message, (line, column))
                return None
            mark = exc.problem_mark or exc.context_mark
            pos = (mark.line + 1, mark.column + 1) if mark else (None, None)
            self.add((), words.text("yaml.syntax", detail=exc.problem or exc.context), pos)
        except yaml.reader.ReaderError as exc:  # a NUL or another control character
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
            self.add((), words.text("yaml.bad_char", char=f"U+{exc.character:04X}"),
                     (line, column))
        except yaml.YAMLError as exc:
            self.add((), words.text("yaml.unreadable", detail=exc), (None, None))
        except RecursionError:
            self.add((), words.text("yaml.too_deep"), (None, None))
        return None

    def _build(self, node: yaml.Node, path: FieldPath) -> Any:
        if not self._anchors:
            # No anchor, so no alias: every node is reached once, by one path, and the
            # bookkeeping below (a third of reading 10,000 jobs) has nothing to find.
            self.values.setdefault(path, (node.start_mark.line + 1,
                                          node.start_mark.column + 1))
            return self._value(node, path)
        if id(node) in self._built:  # reached again through an alias
            self._repeats += 1
            if self._repeats > _MAX_REPEATS:
                raise yaml.YAMLError(words.text("yaml.too_many"))
        else:
            self._built.add(id(node))
        self.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if id(node) in self._active:
            self.add(path, words.text("yaml.alias_self"))
            return None
        self._active.add(id(node))
        try:
            return self._value(node, path)
        finally:
            self._active.discard(id(node))

    def _value(self, node: yaml.Node, path: FieldPath) -> Any:
        if node.tag not in _PLAIN_TAGS and not isinstance(node, yaml.ScalarNode):
            # A tag on a list or mapping (!!python/object/apply:..., !!set) would be
            # dropped silently; say it is not supported (the value is read untagged, so
            # what else is said about this field is about the same mistake, and left out).
            self.add(path, words.text("yaml.tag", tag=_short_tag(node.tag)))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self._build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merges.append(value_node)
                continue
            pos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key_node, yaml.ScalarNode):
                self.add(path, words.text("yaml.key_plain"), pos)
                continue
            key = key_node.value
            if key in out:
                first = self.keys[path + (key,)][0]
                self.add(
                    path + (key,),
                    words.text("yaml.duplicate", key=key, line=first),
                    pos,
                )
                continue
            self.keys[path + (key,)] = pos
            out[key] = self._build(value_node, path + (key,))
        for merge in merges:  # "<<: *anchor": explicit keys win over merged ones
            for part in merge.value if isinstance(merge, yaml.SequenceNode) else [merge]:
                merged = self._build(part, path)
                if not isinstance(merged, dict):
                    self.add(path, words.text("yaml.merge"))
                    continue
                for key, value in merged.items():
                    out.setdefault(key, value)
        return out

    def _scalar(self, node: yaml.Node, path: FieldPath) -> Any:
        # Only a line with a '#' can have had a value cut by one (checked on most lines,
        # this was a tenth of reading the file).
        cut = (cut_by_comment(self._lines, node, path[-1])
               if path and node.end_mark.line in self._hashes else None)
        if cut is not None:
            message = words.text("yaml.hash_cut", rest=shorten(cut[1], 30))
            line = node.end_mark.line + 1
            self.warnings.append(Problem(self.file, line, cut[0] + 1, dotted(path), message))
        if node.tag == _STANDARD + "str" or _read_as_written(node):
            if getattr(node, "style", None) == "|":
                self.blocks[path] = node.start_mark.line + 2  # the line after the `|`
            return self._interpolate(node.value, path)
        try:
            value = self._constructor.construct_object(node)
        except yaml.constructor.ConstructorError:
            self.add(path, words.text("yaml.tag", tag=_short_tag(node.tag)))
        except (ValueError, TypeError, OverflowError):
            if node.tag.endswith(":timestamp"):  # 2026-13-01: YAML's word would be "timestamp"
                self.add(path, words.text("field.date", got=f"'{node.value}'"))
            else:
                self.add(path, words.text("yaml.scalar", value=shorten(node.value),
                                          type=node.tag.rsplit(":", 1)[-1]))
        else:
            if not isinstance(value, bytes):
                return value
            # !!binary: no field takes bytes, and pydantic would quietly turn them into text.
            # The text as written stands in, so the field is not also reported as missing.
            self.add(path, words.text("yaml.tag", tag=_short_tag(node.tag)))
            return node.value
        return None

    def _interpolate(self, text: str, path: FieldPath) -> str:
        if "$" not in text:
            return text
        used: list[str] = []
        out = self._expand(text, path, used)
        if used:
            self.secrets[path] = used
        return out

    def _expand(self, text: str, path: FieldPath, used: list[str]) -> str:
        """``text`` with every ``${...}`` filled in; a default may hold references too."""
        out, i = [], 0
        while True:
            j = text.find("$", i)
            if j < 0:
                out.append(text[i:])
                return "".join(out)
            out.append(text[i:j])
            if text.startswith("$${", j):
                out.append("${")
                i = j + 3
                continue
            if not text.startswith("${", j):
                out.append("$")
                i = j + 1
                continue
            end = _closing(text, j + 2)
            if end < 0:
                self.add(path, words.text("env.unclosed"))
                return "".join(out)
            out.append(self._reference(text[j + 2:end], path, used))
            i = end + 1

    def _reference(self, ref: str, path: FieldPath, used: list[str]) -> str:
        body = _VAR_BODY.fullmatch(ref)
        if body is None:
            self.add(path, words.text("env.bad_ref", ref=ref))
            return ""
        name, op, default = body.groups()
        used.append(name)
        value = self.env.get(name)
        if op == ":-" and not value or op == "-" and value is None:
            return self._expand(default, path, used) if default else default or ""
        if value is None:
            self.add(path, words.text("env.missing", name=name))
            return ""
        self.masks.add(value, f"${{{name}}}")
        return value


def _read_as_written(node: yaml.Node) -> bool:
    """Whether ``node`` is a number only to YAML 1.1, which reads 9:30 as 570 (base 60) and
    0101 as 65 (octal): kept as written, so text stays text and a number field reads it
    in base 10, as YAML 1.2 and people do."""
    return (node.tag in (_STANDARD + "int", _STANDARD + "float")
            and (":" in node.value or _OCTAL.fullmatch(node.value) is not None))


def _short_tag(tag: str) -> str:
    """A tag as the operator wrote it: ``!!python/object``, not YAML's full URI."""
    return "!!" + tag.removeprefix(_STANDARD) if tag.startswith(_STANDARD) else tag


def _closing(text: str, start: int) -> int:
    """The index of the ``}`` that closes a ``${`` opened just before ``start``, or -1."""
    depth, i = 1, start
    while i < len(text):
        if text.startswith("$${", i):  # a literal "${...}": its "}" is its own
            depth, i = depth + 1, i + 3
        elif text.startswith("${", i):
            depth, i = depth + 1, i + 2
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
            i += 1
        else:
            i += 1
    return -1
