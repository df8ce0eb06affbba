"""Every exception of the runner lives in runner/errors.py and is in its drawing."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import runner
from runner import errors

# A separate program sharing the package (the drawing says so): its exceptions stay there.
WORKSPACE = "runner.workspace"


def _defined_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(runner.__path__, "runner."):
        if info.name == WORKSPACE or info.name.startswith(WORKSPACE + "."):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == info.name):
                found[f"{info.name}.{value.__qualname__}"] = value
    return found


def test_every_exception_of_the_runner_is_in_errors_py() -> None:
    elsewhere = [name for name, cls in _defined_exceptions().items()
                 if cls.__module__ != "runner.errors"]
    assert elsewhere == [], "move these into runner/errors.py (and its drawing)"


def test_the_drawing_shows_every_class_under_its_parent() -> None:
    drawing = (errors.__doc__ or "").split("The tree::")[1].split("\n\n")[1]
    drawn: dict[str, str | None] = {}  # class -> the class it is drawn under
    stack: list[tuple[int, str]] = []
    for line in drawing.splitlines():
        indent = len(line) - len(line.lstrip(" │├└─"))
        name = line[indent:].split(" ", 1)[0]
        branch = line[:indent].endswith("── ") or not drawn  # else a description goes on
        if not branch:
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        drawn[name] = stack[-1][1] if stack else None
        stack.append((indent, name))
    classes = {n: c for n, c in vars(errors).items()
               if inspect.isclass(c) and issubclass(c, BaseException)
               and c.__module__ == "runner.errors"}
    assert sorted(drawn) == sorted(classes)
    for name, cls in classes.items():
        parent = next((b.__name__ for b in cls.__mro__[1:] if b.__name__ in classes), None)
        assert drawn[name] == parent, f"{name} is drawn under {drawn[name]}, derives {parent}"


def test_a_failed_source_is_told_in_the_operators_language() -> None:
    from runner import words

    words.use("ru")
    try:
        said = str(errors.SourceError("crm", "сайт недоступен (ConnectError)"))
    finally:
        words.use(None)
    assert said == "источник «crm» не прочитан: сайт недоступен (ConnectError)"
    assert str(errors.SourceError("crm", "HTTP 500")) == "source 'crm' failed: HTTP 500"
