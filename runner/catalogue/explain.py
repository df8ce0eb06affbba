"""Pydantic's validation errors, rewritten for operators: plain words, an example."""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import yaml
from pydantic import BaseModel

from runner import words
from runner.catalogue.source import FieldPath, shorten
from runner.words import closest, suggest


def _example(model: type[BaseModel], name: str) -> str:
    info = model.model_fields.get(name)
    if info is not None and info.examples:
        # One line, Cyrillic as written: PyYAML would escape it and fold long values.
        dumped = yaml.safe_dump(
            info.examples[0], default_flow_style=True, allow_unicode=True, width=1_000_000
        )
        return dumped.split("\n...")[0].strip()
    annotation = info.annotation if info else None
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    base = args[0]
    inner = typing.get_args(base)
    if typing.get_origin(base) in (list, tuple, set):
        return f"[{_example_of(inner[0] if inner else str)}]"
    if typing.get_origin(base) is dict:
        return "{key: value}"
    return _example_of(base)


_SIMPLE = {
    "int_parsing": "field.int",
    "int_type": "field.int",
    "int_from_float": "field.int",
    "float_parsing": "field.number",
    "float_type": "field.number",
    "bool_parsing": "field.bool",
    "bool_type": "field.bool",
    "string_type": "field.text",
    "list_type": "field.list",
    "tuple_type": "field.list",
    "set_type": "field.list",
    "dict_type": "field.mapping",
    "model_type": "field.mapping",
    "model_attributes_type": "field.mapping",
    "dataclass_type": "field.mapping",
    "date_type": "field.date",
    "date_parsing": "field.date",
    "date_from_datetime_parsing": "field.date",
    "date_from_datetime_inexact": "field.date",
    "finite_number": "field.finite",
}
"""Pydantic error types whose message needs only what was written (``got``)."""
_BOUNDS = {
    "greater_than": ("field.gt", "gt"),
    "greater_than_equal": ("field.ge", "ge"),
    "less_than": ("field.lt", "lt"),
    "less_than_equal": ("field.le", "le"),
}


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model holding the last item of pydantic's ``loc`` (for "did you
    mean" inside nested mappings such as ``to:`` or ``include:``); [] when unknown."""
    tp: Any = model
    for item in loc[:-1]:
        tp = _member(tp, item)
        if tp is None:
            return []
    return list(tp.model_fields) if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _member(tp: Any, item: Any) -> Any:
    """The type found at ``item`` (a field, an index, a key or a union tag) inside ``tp``."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(item) if isinstance(item, str) else None
        return field.annotation if field is not None else None
    if typing.get_origin(tp) in (list, tuple, set) and isinstance(item, int) and args:
        return args[0]
    if typing.get_origin(tp) is dict and len(args) == 2:
        return args[1]
    for arg in args:  # a union: the member the tag names, or the one holding the field
        if getattr(arg, "__name__", None) == item or _tagged(arg, item):
            return arg
        if _member(arg, item) is not None:
            return _member(arg, item)
    return None


def _tagged(tp: Any, tag: Any) -> bool:
    """Whether model ``tp`` is the member of a tagged union that ``tag`` names
    (``{type: vars, ...}``: a field typed ``Literal["vars"]``)."""
    if not (isinstance(tp, type) and issubclass(tp, BaseModel)):
        return False
    return any(
        typing.get_origin(f.annotation) is typing.Literal and tag in typing.get_args(f.annotation)
        for f in tp.model_fields.values()
    )


def _example_of(tp: Any) -> str:
    return {int: "101", bool: "true", float: "1.5"}.get(tp, "...")


def fields_listed(path: tuple[str | int, ...]) -> str:
    """Where the fields of the section ``path`` names are listed, as a hint."""
    jobs = bool(path) and path[0] in ("jobs", "defaults")
    return words.text("field.unknown_fix", doc="docs/kinds" if jobs else "docs/templates")


# A chat or user link pasted where its id belongs: https://app.pachca.com/chats/12345
_ID_IN_LINK = re.compile(r"^https?://\S*?/(?:chats?|users?|messages?|threads?)/(\d+)\b")


class Explainer:
    """A catalogue's validation errors in the operator's words; a value that came from
    ``${VAR}`` (``secrets``: the field paths holding one, and the variables' names) is
    named by its variable, never quoted."""

    def __init__(self, secrets: Mapping[FieldPath, list[str]]) -> None:
        self.secrets = secrets
        # Fields an unknown field was taken for ("did you mean 'to'?"): one problem per mistake.
        self.suggested: set[FieldPath] = set()

    def got(self, path: FieldPath, value: Any) -> str:
        if path in self.secrets:
            names = ", ".join(f"${{{v}}}" for v in self.secrets[path])
            return words.text("got.env", names=names)
        if isinstance(value, bool):
            return str(value).lower()
        if value is None:
            return words.text("got.empty")
        if isinstance(value, list):
            return words.text("got.list")
        if isinstance(value, dict):
            return words.text("got.mapping")
        text = shorten(str(value))
        return f"'{text}'" if isinstance(value, str) else text

    def hide(self, path: FieldPath, message: str, value: Any) -> str:
        """``message`` with a quoted ``value`` replaced when it came from the environment."""
        if path in self.secrets and isinstance(value, str) and value:
            return message.replace(f"'{value}'", self.got(path, value))
        return message

    def plain(
        self, err: Any, path: FieldPath, model: type[BaseModel], allowed: Sequence[str]
    ) -> str:
        kind, name, ctx = err["type"], str(path[-1]) if path else "", err.get("ctx") or {}
        got = self.got(path, err.get("input"))
        if kind == "missing":
            return words.text("field.missing", name=name, example=_example(model, name))
        if kind == "extra_forbidden":
            found = closest(name, allowed)
            if found is not None:
                self.suggested.add(path[:-1] + (found,))
            return words.text("field.unknown", name=name,
                              hint=suggest(name, allowed) or fields_listed(path))
        value = err.get("input")
        if isinstance(value, float) and not math.isfinite(value):  # .nan, .inf: "at most 1, got nan"
            return words.text("field.finite", got=got)
        simple = _SIMPLE.get(kind)
        if simple == "field.text" and isinstance(value, int | float | date):  # YAML read it so
            return words.text(simple, got=got, quote=words.text("hint.quote_it"))
        if simple is not None:
            message = words.text(simple, got=got, quote="")
            link = _ID_IN_LINK.search(str(err.get("input"))) if simple == "field.int" else None
            if link is not None and path not in self.secrets:
                message += words.text("hint.id_in_link", id=link[1])
            return message
        if kind in ("literal_error", "enum"):
            options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            hint = suggest(str(err.get("input")), options) if path not in self.secrets else ""
            return words.text("field.choice", options=", ".join(options), got=got, hint=hint)
        if kind in _BOUNDS:
            message_id, key = _BOUNDS[kind]
            return words.text(message_id, limit=ctx.get(key), got=got)
        if kind in ("too_short", "string_too_short"):
            size = len(err.get("input") or "")  # pydantic's ctx has none for a string
            n = ctx.get("min_length", 1)
            if n == 1:
                return words.text("field.not_empty")
            return words.text("field.min_chars" if kind == "string_too_short" else
                              "field.min_items", n=n, got=size)
        if kind in ("too_long", "string_too_long"):
            size = len(err.get("input") or "")
            return words.text("field.max_chars" if kind == "string_too_long" else
                              "field.max_items", n=ctx.get("max_length"), got=size)
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            key = str(ctx.get("discriminator", "")).strip("'")
            tags = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected_tags", ""))))
            if kind == "union_tag_not_found":
                return words.text("field.tag_missing", key=key)
            tag = str(ctx.get("tag"))
            hint = suggest(tag, tags.split(", ")) if path + (key,) not in self.secrets else ""
            return words.text("field.tag", key=key, options=tags, got=f"'{tag}'") + hint
        if kind in ("value_error", "assertion_error"):
            return self.hide(path, str(ctx.get("error", err["msg"])), err.get("input"))
        return words.text("field.invalid",
                          detail=str(err["msg"]).replace("Input should be", "must be"))
