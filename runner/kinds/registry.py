"""Job kinds, found by name: the one place that lists them.

The shipped kinds are the modules and packages under ``runner/kinds/`` (``base`` and
``registry`` aside, and names starting with ``_``). More kinds come from installed
distributions through the ``pachca_runner.kinds`` entry point group (name = kind,
value = the module that defines ``KIND``), or from ``add(module)`` in tests. The
core asks the registry for what every kind adds (commands, button actions, routes,
tables, messages) and never names a kind itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

import runner.kinds
from runner.kinds.base import ButtonHandler, JobKind

if TYPE_CHECKING:
    import click
    from sqlalchemy import Table

    from runner.kinds.base import ChatAction
    from runner.state import StateStore

_NOT_KINDS = {"base", "registry"}
ENTRY_POINTS = "pachca_runner.kinds"
_added: dict[str, str] = {}  # kind name -> module, added with add()


@cache
def _shipped() -> dict[str, str]:
    """Kind name -> module, for the kinds under runner/kinds/ and installed plugins."""
    found = {
        m.name: f"runner.kinds.{m.name}"
        for m in pkgutil.iter_modules(runner.kinds.__path__)
        if m.name not in _NOT_KINDS and not m.name.startswith("_")
    }
    for entry in metadata.entry_points(group=ENTRY_POINTS):
        found.setdefault(entry.name, entry.value)
    return found


def _modules() -> dict[str, str]:
    return {**_shipped(), **_added}


def kind_names() -> tuple[str, ...]:
    """Names of every job kind known, sorted."""
    return tuple(sorted(_modules()))


def find_kind(name: str) -> JobKind[Any] | None:
    """The kind called ``name``, or None (a run in the history of a kind since removed)."""
    module_name = _modules().get(name)
    return None if module_name is None else _load(module_name)


def run_actions(state: StateStore, run_id: int) -> list[ChatAction]:
    """What run ``run_id`` did to chats, from every kind that records it (by run id:
    the job's kind may have changed since)."""
    return [a for kind in every_kind() for a in kind.run_actions(state, run_id)]


def get_kind(name: str) -> JobKind[Any]:
    """The kind called ``name``; KeyError if there is none."""
    module_name = _modules()[name]
    return _load(module_name)


@cache
def _load(module_name: str) -> JobKind[Any]:
    module = importlib.import_module(module_name)
    kind = getattr(module, "KIND", None)
    if not isinstance(kind, JobKind):
        raise TypeError(f"{module_name} defines no KIND")
    from runner import words

    words.add(kind.messages)  # its operator messages, by id, beside the core's
    return kind


def add(module_name: str) -> JobKind[Any]:
    """Make the kind defined in ``module_name`` known (a kind outside this package)."""
    kind = _load(module_name)
    _added[kind.name] = module_name
    return kind


def remove(name: str) -> None:
    """Forget a kind ``add`` made known."""
    _added.pop(name, None)


def every_kind() -> list[JobKind[Any]]:
    """Every kind known, by name."""
    return [get_kind(name) for name in kind_names()]


def button_actions() -> Mapping[str, ButtonHandler]:
    """Every kind's button actions, by action name."""
    actions: dict[str, ButtonHandler] = {}
    for kind in every_kind():
        actions.update(kind.button_actions)
    return actions


def commands() -> dict[str, click.Command]:
    """Every kind's commands, by name."""
    found: dict[str, click.Command] = {}
    for kind in every_kind():
        for command in kind.commands():
            found[command.name or ""] = command
    return found


def tables() -> list[Table]:
    """Every kind's own state tables."""
    return [table for kind in every_kind() for table in kind.tables()]
