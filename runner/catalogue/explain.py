"""Pydantic's validation errors, rewritten for operators: plain words, an example."""

from __future__ import annotations

import typing
from typing import Any

import yaml
from pydantic import BaseModel

from runner import words


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
