"""Job kinds, found by module name under ``runner/jobs/``."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import runner.jobs
from runner.jobs.base import JobKind

_NOT_KINDS = {"base", "registry"}


@cache
def kind_names() -> tuple[str, ...]:
    """Names of every job kind shipped, sorted."""
    return tuple(
        sorted(
            m.name
            for m in pkgutil.iter_modules(runner.jobs.__path__)
            if m.name not in _NOT_KINDS and not m.name.startswith("_")
        )
    )


@cache
def get_kind(name: str) -> JobKind:
    """The kind called ``name``; KeyError if there is none."""
    if name not in kind_names():
        raise KeyError(name)
    module = importlib.import_module(f"runner.jobs.{name}")
    kind = getattr(module, "KIND", None)
    if not isinstance(kind, JobKind):
        raise TypeError(f"runner.jobs.{name} defines no KIND")
    return kind
