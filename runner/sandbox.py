"""Jinja's immutable sandbox with limits on the work and memory one render may take.

Jinja's sandbox stops templates from reaching Python's internals, not from exhausting
the machine: nested ``range`` loops, ``9 ** (9 ** 9)``, ``'x'|center(10**9)`` or
``'%0999999999d' % 1`` hang ``validate`` or take gigabytes. Here every render gets a
budget of work, counted deterministically (never by the clock, so the same template
on the same data passes or fails alike on any machine):

- each loop iteration costs one step, a function or macro call twenty; a filter, method,
  ``+`` or ``*`` over a collection or text costs in proportion to its size;
- numbers may not grow past ``MAX_INT_BITS`` bits; widths (``center``, ``%09d``,
  ``{:>9}``) past ``MAX_WIDTH``; one text or list past ``MAX_BUILT`` items;
- the text a render produces stops at ``MAX_OUTPUT`` characters.

Going over a limit raises ``TemplateLimit`` (from ``runner.errors``), which the renderer
words with the template's line.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sized
from contextvars import ContextVar
from dataclasses import dataclass
from functools import update_wrapper, wraps
from typing import Any, ClassVar

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from runner import words
from runner.errors import TemplateLimit

MAX_STEPS = 1_000_000
"""Work units one render may take: about a second of Python at most."""
MAX_OUTPUT = 100_000
"""Characters one rendered text may have: 25 posts of 4,000. More is refused, never
split into hundreds of posts per recipient."""
MAX_BUILT = 1_000_000
"""Items (characters) one text or list built inside a template may have."""
MAX_INT_BITS = 4_096
"""Bits a whole number may have (about 1,200 digits)."""
MAX_WIDTH = 10_000
"""Largest width or precision a format or a padding filter may ask for."""
_TEXT_UNIT = 64  # characters of text that cost one step
_CALL = 20  # a call (a macro's above all) takes about as long as twenty loop iterations


@dataclass
class Budget:
    """The work left to one render."""

    steps: int = MAX_STEPS
    built: int = 10 * MAX_BUILT  # characters all {{ }} of the render may print, blocks too

    def spend(self, steps: int) -> None:
        """Take ``steps`` from the budget; TemplateLimit once it runs out."""
        self.steps -= steps
        if self.steps < 0:
            raise TemplateLimit(words.text("tpl.limit_steps", n=f"{MAX_STEPS:,}"))


_budget: ContextVar[Budget | None] = ContextVar("runner_render_budget", default=None)


def budget() -> Budget:
    """The budget of the render under way (a fresh one outside ``Sandbox.rendering``)."""
    current = _budget.get()
    return current if current is not None else Budget()


def cost(value: Any) -> int:
    """Steps that reading ``value`` once is worth: its size, texts by the 64 characters."""
    if isinstance(value, str):
        return len(value) // _TEXT_UNIT
    if isinstance(value, Sized) and not isinstance(value, range):
        return len(value)
    return 0


def _size(value: Any, depth: int = 4) -> int:
    """Characters and items in ``value``, a few levels deep: what printing it would take.

    A list of one huge text repeated is small by its length and huge by this count.
    """
    if isinstance(value, str):
        return len(value)
    if depth == 0 or not isinstance(value, list | tuple | dict | set | frozenset):
        return 1
    total = len(value)
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    for item in items:
        total += _size(item, depth - 1)
        if total > MAX_BUILT:
            break
    return total


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and (
        value.bit_length() > MAX_INT_BITS
    ):
        raise TemplateLimit(words.text("tpl.limit_number", n=MAX_INT_BITS))
    return value


def _check_built(size: int) -> None:
    if size > MAX_BUILT:
        raise TemplateLimit(words.text("tpl.limit_size", n=f"{MAX_BUILT:,}"))


def _check_width(width: Any) -> None:
    if isinstance(width, int) and not isinstance(width, bool) and abs(width) > MAX_WIDTH:
        raise TemplateLimit(words.text("tpl.limit_width", n=f"{MAX_WIDTH:,}", got=width))


_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACES = re.compile(r"\{[^{}]*:([^{}]*)\}")
_DIGITS = re.compile(r"\d+")
_NESTED = re.compile(r"\{[^{}]*:[^{}]*\{")


def check_percent(fmt: str, args: Any) -> None:
    """Refuse ``fmt % args`` when a width or precision in ``fmt`` is too large."""
    star = False
    for match in _PERCENT.finditer(fmt):
        for part in match.groups():
            if part == "*":
                star = True
            elif part:
                _check_width(int(part[:20]))
    if star:
        for arg in args if isinstance(args, tuple) else (args,):
            _check_width(arg)


def check_format(fmt: str, args: Iterable[Any]) -> None:
    """Refuse ``fmt.format(*args)`` when a width or precision in ``fmt`` is too large."""
    for spec in _BRACES.findall(fmt.replace("{{", "").replace("}}", "")):
        for digits in _DIGITS.findall(spec):
            _check_width(int(digits[:20]))
    if _NESTED.search(fmt.replace("{{", "").replace("}}", "")):  # a width given as {0}
        for arg in args:
            _check_width(arg)


_WIDTH_ARGS = {"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "wordwrap",
               "truncate", "batch", "slice", "round", "format"}


def _check_call(name: str, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Pre-checks for the calls that can build much more than they are given."""
    if name in _WIDTH_ARGS:
        for arg in (*args, *kwargs.values()):
            _check_width(arg)
    if name == "join":
        items = list(args[0]) if args and isinstance(args[0], Iterable) else []
        _check_built(sum(_size(x) for x in items) + _size(target) * len(items))
    elif name == "replace" and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        count = str(target).count(old) if old else _size(target) + 1
        _check_built(_size(target) + count * max(len(new) - len(old), 0))
    elif name in ("indent", "expandtabs"):
        lines = str(target).count("\n" if name == "indent" else "\t") + 1
        width = next((a for a in (*args, *kwargs.values()) if isinstance(a, int)), 8)
        _check_built(_size(target) + lines * abs(width))


def bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` (a filter) charged for its input and refused arguments that build too much."""

    @wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        # Filters that take the context or environment get it first: the value follows.
        plain = [a for a in args if not isinstance(a, Environment | Context | EvalContext)]
        value, rest = (plain[0], tuple(plain[1:])) if plain else (None, ())
        budget().spend(1 + cost(value))
        _check_call(name, value, rest, kwargs)
        if name == "format" and isinstance(value, str):
            check_percent(value, tuple(rest) or tuple(kwargs.values()))
        return _check_int(func(*args, **kwargs))

    return bounded


class _Generator(CodeGenerator):
    """Jinja's code generator with ``~`` joined under the size limit."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _binop(op: str, left: Any, right: Any) -> None:
    """Refuse ``left op right`` before Python starts building a huge result."""
    numbers = all(isinstance(x, int) and not isinstance(x, bool) for x in (left, right))
    if op == "**" and numbers and right > 0 and abs(left) > 1:
        # At most twice the limit is built before the result itself is checked.
        if (abs(left).bit_length() - 1) * right > MAX_INT_BITS:
            raise TemplateLimit(words.text("tpl.limit_number", n=MAX_INT_BITS))
    elif op == "*" and numbers:
        if left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
            raise TemplateLimit(words.text("tpl.limit_number", n=MAX_INT_BITS))
    elif op == "*":
        seq, times = (left, right) if isinstance(right, int) else (right, left)
        if isinstance(times, int) and not isinstance(times, bool):
            _check_built(_size(seq) * max(times, 0))
    elif op == "+":
        _check_built(_size(left) + _size(right))
    elif op == "%" and isinstance(left, str):
        check_percent(left, right)


class Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with every render kept within a ``Budget``."""

    code_generator_class = _Generator
    intercepted_binops = frozenset(["*", "**", "+", "%"])
    _ops: ClassVar[dict[str, Callable[[Any, Any], Any]]] = {
        "*": operator.mul, "**": operator.pow, "+": operator.add, "%": operator.mod,
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=self._finalize, **options)
        self.globals["range"] = self._range

    def bound_filters(self) -> None:
        """Charge every filter (call after the last filter is added)."""
        self.filters = {name: bounded_filter(name, f) for name, f in self.filters.items()}

    def rendering(self, render: Callable[[], Iterator[str]]) -> str:
        """The text ``render()`` yields, made under a fresh budget and cut off at the
        output limit (TemplateLimit)."""
        token = _budget.set(Budget())
        try:
            out: list[str] = []
            size = 0
            chunks = render()
            for chunk in chunks:
                size += len(chunk)
                if size > MAX_OUTPUT:
                    over = TemplateLimit(words.text("tpl.limit_output", n=f"{MAX_OUTPUT:,}"))
                    # Raised where the template stands, so the error names its line.
                    if isinstance(chunks, Generator):
                        chunks.throw(over)
                    raise over
                out.append(chunk)
            return "".join(out)
        finally:
            _budget.reset(token)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):  # every loop is charged per iteration
            loop.iter = nodes.Call(nodes.EnvironmentAttribute("bounded_iter"), [loop.iter],
                                   [], None, None, lineno=loop.iter.lineno)
        return tree

    def _finalize(self, value: Any) -> Any:
        """Charge what each ``{{ }}`` prints, in blocks and macros too."""
        state = budget()
        printed = _size(value)
        state.built -= printed
        if state.built < 0:
            raise TemplateLimit(words.text("tpl.limit_output", n=f"{MAX_OUTPUT:,}"))
        state.spend(printed // _TEXT_UNIT)
        return value

    def bounded_iter(self, iterable: Any) -> Iterator[Any]:
        """``iterable``, each item charged one step."""
        state = budget()
        for item in iterable:
            state.spend(1)
            yield item

    def bounded_join(self, parts: tuple[Any, ...]) -> str:
        """``~``: the parts joined, if the result stays within the size limit."""
        _check_built(sum(_size(p) for p in parts))
        texts = [str(_check_int(p)) for p in parts]
        size = sum(map(len, texts))
        _check_built(size)
        budget().spend(1 + size // _TEXT_UNIT)
        return "".join(texts)

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        _check_built(len(numbers))
        budget().spend(len(numbers))
        return numbers

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """The operator, checked first and charged for the size of what it reads."""
        _binop(operator, left, right)
        budget().spend(1 + cost(left) + cost(right))
        return _check_int(self._ops[operator](left, right))

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """A call from a template, charged and checked like a filter."""
        state = budget()
        state.spend(_CALL + sum(cost(a) for a in args))
        name = getattr(obj, "__name__", "")
        target = getattr(obj, "__self__", None)
        if isinstance(target, str | list | tuple | dict):
            state.spend(cost(target))
            _check_call(name, target, args, kwargs)
        if isinstance(obj, LoopContext) and args:  # a recursive loop's next level
            args = (self.bounded_iter(args[0]), *args[1:])
        return _check_int(super().call(context, obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` reached from a template, its widths checked first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt, by_name = value.__self__, value.__name__ == "format_map"

        def checked(*args: Any, **kwargs: Any) -> str:
            given = args[0] if by_name and args and isinstance(args[0], Mapping) else kwargs
            check_format(fmt, (*args, *given.values()))
            return wrapped(*args, **kwargs)

        return update_wrapper(checked, value)
