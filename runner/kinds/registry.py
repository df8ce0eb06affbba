"""Job kinds, found by name: the one place that lists them.

The shipped kinds are the modules and packages under ``runner/kinds/`` (``base`` and
``registry`` aside, and names starting with ``_``). More kinds come from installed
distributions through the ``pachca_runner.kinds`` entry point group (name = kind,
value = the module that defines ``KIND``), or from ``add(module)`` in tests. The
core asks the registry for what every kind adds (commands, button actions, routes,
tables, messages) and never names a kind itself. Two of those come from modules of a
kind's package, imported without the kind: its commands (the ``COMMANDS`` of its
``commands`` module), so ``--help`` lists them and ``plan --help`` parses without
importing every kind and the client; and its state tables (the ``TABLES`` of its
``table`` module), so opening the store for a run of one kind does not import all of
them. A single-module kind has neither.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Mapping
from functools import cache
from importlib import metadata
from types import ModuleType
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
    if callable(getattr(kind, "tables", None)):
        # Kinds once named their tables with a method; the store would now never see
        # them, and the kind's runs would fail on a missing table.
        raise TypeError(f"{module_name}: KIND.tables() is no longer read: give the tables as"
                        f" TABLES in the package's table module ({module_name}.table)")
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
    """Every kind's commands, by name (kinds in name order)."""
    modules = _modules()
    return {command.name or "": command
            for name in kind_names() for command in _commands(name, modules[name])}


@cache
def _commands(kind: str, module_name: str) -> tuple[click.Command, ...]:
    """The ``COMMANDS`` of the kind package's ``commands`` module, without importing
    the kind; none for a single-module kind or a package without that module."""
    module = _part(module_name, "commands")
    found = () if module is None else tuple(module.COMMANDS)
    for command in found:
        if command.callback is not None:
            command.callback = _kind_loaded(kind, command.callback)
    return found


def _part(module_name: str, part: str) -> ModuleType | None:
    """Module ``part`` of the kind package ``module_name``, imported without the kind
    (the package's ``__init__`` must not import it); None for a single-module kind or a
    package without that module."""
    spec = importlib.util.find_spec(module_name)  # imports the parents, not the kind
    places = spec.submodule_search_locations if spec is not None else None
    if not places or part not in {m.name for m in pkgutil.iter_modules(places)}:
        return None
    return importlib.import_module(f"{module_name}.{part}")


def _kind_loaded(kind: str, callback: Callable[..., Any]) -> Callable[..., Any]:
    """``callback``, run once its kind is loaded: its messages (``words.add``) are known
    before its command speaks, as when the kinds were loaded to list commands."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        get_kind(kind)
        return callback(*args, **kwargs)

    return run


def tables() -> list[Table]:
    """Every kind's own state tables (kinds in name order), created and checked with the
    store's core tables: the ``TABLES`` of each kind package's ``table`` module."""
    modules = _modules()
    return [table for name in kind_names() for table in _tables(modules[name])]


@cache
def _tables(module_name: str) -> tuple[Table, ...]:
    module = _part(module_name, "table")
    return () if module is None else tuple(module.TABLES)
