"""The sandboxed Jinja environment that renders messages, its filters, and message splitting.

Templates are written by operators, so they run in Jinja's immutable sandbox with
``StrictUndefined``: a typo is an error with the template's file and line, never an
empty string in a posted message. Output is Pachca markdown, so nothing is escaped.
Every Jinja error is turned into ``TemplateProblem``; no traceback reaches the operator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from traceback import walk_tb
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    Undefined,
)
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.utils import missing as _MISSING

from runner import jinja_words, words
from runner.defaults import TEMPLATES
from runner.errors import TemplateLimit, TemplateProblem
from runner.filters import (  # noqa: F401 - plural & co. re-exported for callers of render
    _filters,
    mention,
    number,
    percent,
    plural,
    ru_date,
    ru_datetime,
    ru_period,
    ru_weekday,
)
from runner.render_shapes import Shapes
from runner.sandbox import Sandbox


class _Undefined(StrictUndefined):
    """StrictUndefined that leaves on its error what was missing from what."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super()._fail_with_undefined_error(*args, **kwargs)
        except UndefinedError as exc:
            exc.missing = (self._undefined_obj, self._undefined_name)  # type: ignore[attr-defined]
            raise


# StrictUndefined aliases its dunders to the base method itself: point them at ours.
for _name, _value in {**vars(Undefined), **vars(StrictUndefined)}.items():
    if _value is Undefined._fail_with_undefined_error and _name != "_fail_with_undefined_error":
        setattr(_Undefined, _name, _Undefined._fail_with_undefined_error)



class _Files(FileSystemLoader):
    """The templates folder, its files read as the catalogue is: UTF-8 text, no NUL."""

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        try:
            source, path, uptodate = super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            line = exc.object[:exc.start].count(b"\n") + 1
            raise TemplateProblem(template, line, words.text("file.not_utf8")) from None
        if "\0" in source:
            line = source.count("\n", 0, source.index("\0")) + 1
            raise TemplateProblem(template, line, words.text("tpl.nul"))
        return source, path, uptodate


def _number_problem(source: str, origin: str) -> TemplateProblem:
    """Jinja reads a number of more than 4,300 digits with int(), which refuses it."""
    found = re.search(r"\d{1000,}", source)
    line = source.count("\n", 0, found.start()) + 1 if found else None
    return TemplateProblem(origin, line, words.text("tpl.number_long"))


_INLINE = "<inline template>"
"""The file name inline templates are compiled under (errors name their origin)."""


class Renderer:
    """Renders templates from ``templates_dir`` (then the package's defaults) and inline
    strings, sandboxed and strict."""

    def __init__(self, templates_dir: Path, *, lang: str = "ru") -> None:
        self.templates_dir = Path(templates_dir)
        self.lang = lang
        self.env = Sandbox(
            # the package's templates where the catalogue's folder has no file of that name:
            # an installed runner validates and runs without a copy of them
            loader=ChoiceLoader([_Files(str(self.templates_dir)), _Files(str(TEMPLATES))]),
            undefined=_Undefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.pop("lipsum", None)
        self.env.filters.update(_filters(lang))
        self.env.bound_filters()
        self._inline: dict[str, Template] = {}
        self._found: set[str] = set()
        # Given the environment, not this renderer: a renderer then holds no reference to
        # itself, and one that goes (``validate``'s, with every text's tokens) is freed
        # at once, not left to the collector.
        self._shapes = Shapes(self.env, partial(_run, self.env), _INLINE)

    def exists(self, name: str) -> bool:
        """Whether the template ``name`` is in the templates folder or among the defaults.

        A file found once is taken to stay (``validate`` asks once a job: reading the
        file each time was a second of a 10,000-job catalogue); a missing one is looked
        for again, so a file added meanwhile is found.
        """
        if name in self._found:
            return True
        try:
            self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        except TemplateNotFound:
            return False
        except TemplateProblem:
            pass  # there, but unreadable: rendering it says why
        self._found.add(name)
        return True

    def path_of(self, name: str) -> str:
        """The file ``name`` is read from, as the operator opens it: the catalogue's
        ``templates/`` copy, else the package's default; ``name`` itself if neither."""
        for folder in (self.templates_dir, TEMPLATES):
            if (folder / name).is_file():
                return str(folder / name)
        return name

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """Render the template file ``name``; TemplateProblem says what is wrong and where."""
        try:
            template = self.env.get_template(name)
        except TemplateNotFound as exc:
            missing = exc.name if exc.name != name else name
            raise TemplateProblem(
                name, None, words.text("tpl.missing", name=missing, folder=self.templates_dir)
            ) from exc
        except TemplateSyntaxError as exc:
            raise _syntax_problem(exc, name, self.env) from exc
        except RecursionError:  # Jinja's parser recurses once per level of nesting
            raise TemplateProblem(name, None, words.text("tpl.too_deep")) from None
        except ValueError:
            raise _number_problem(self.env.loader.get_source(self.env, name)[0],  # type: ignore[union-attr]
                                  name) from None
        return self._run(template, context, name)

    def compile_string(self, source: str, *, origin: str) -> Template:
        """Compile an inline template; ``origin`` names it in errors.

        Compiled once per distinct text, whichever job it came from: a catalogue of many
        jobs often repeats its inline texts, and compiling is most of what checking costs.
        """
        if source not in self._inline:
            try:
                code = self.env.compile(source, name=origin, filename=_INLINE)
            except TemplateSyntaxError as exc:
                raise _syntax_problem(exc, origin, self.env) from exc
            except RecursionError:
                raise TemplateProblem(origin, None, words.text("tpl.too_deep")) from None
            except ValueError:
                raise _number_problem(source, origin) from None
            made = self.env.template_class.from_code(self.env, code, self.env.make_globals(None))
            # The loader cannot give an inline text back: kept to word its errors (vars.x).
            made._runner_source = source  # type: ignore[attr-defined]
            self._inline[source] = made
        return self._inline[source]

    def shape_of(self, source: str) -> tuple[Any, ...] | str:
        """What decides whether an inline text renders, without its plain text: every
        tag and expression with its line. Plain text can be neither undefined nor a
        syntax error, so texts of one shape pass or fail alike on the same data."""
        tokens = self._shapes.tokens(source)
        if tokens is None:
            return source  # checked on its own, for its own error
        return tuple(token for token in tokens if token[1] != "data")

    def render_string(self, source: str, context: Mapping[str, Any], *, origin: str) -> str:
        """Render an inline template such as a chat name; ``origin`` names it in errors."""
        return self._run(self.compile_string(source, origin=origin), context, origin)

    def render_like(self, source: str, context: Mapping[str, Any], *, origin: str,
                    context_key: str) -> str:
        """What ``render_string`` gives, from a template compiled once for every text of
        ``source``'s shape (``runner.render_shapes``) where that is the same; errors come
        from ``render_string``. ``context_key`` tells contexts apart (``repr``, say)."""
        made = self._shapes.render(source, context, context_key, origin)
        return made if made is not None else self.render_string(source, context, origin=origin)

    def _run(self, template: Template, context: Mapping[str, Any], origin: str) -> str:
        return _run(self.env, template, context, origin)


def _run(env: Sandbox, template: Template, context: Mapping[str, Any], origin: str) -> str:
    """``template`` rendered with ``context`` in ``env``; every error a TemplateProblem."""
    where = template.filename or origin  # the frames' file name: a path, or _INLINE
    try:
        return env.rendering(lambda: template.generate(context))
    except TemplateProblem:
        raise
    except TemplateLimit as exc:
        raise TemplateProblem(origin, _line(exc, where), str(exc)) from exc
    except UndefinedError as exc:
        raise TemplateProblem(
            origin, _line(exc, where), _undefined(exc, template, context, origin)
        ) from exc
    except SecurityError as exc:
        raise TemplateProblem(origin, _line(exc, where), _unsafe(exc)) from exc
    except TemplateNotFound as exc:
        raise TemplateProblem(
            origin, _line(exc, where), words.text("tpl.include_missing", name=exc.name)
        ) from exc
    except TemplateSyntaxError as exc:
        raise _syntax_problem(exc, origin, env) from exc
    except RecursionError as exc:
        raise TemplateProblem(origin, _line(exc, where), words.text("tpl.recursion")) from None
    except OverflowError as exc:  # float arithmetic past 1e308: its own text is cryptic
        raise TemplateProblem(origin, _line(exc, where), words.text("tpl.overflow")) from exc
    except Exception as exc:  # a filter or an operation failed on the data it was given
        raise TemplateProblem(
            origin, _line(exc, where), words.text("tpl.failed", detail=exc)
        ) from exc


def _unsafe(exc: SecurityError) -> str:
    """The sandbox's refusal in our words: Jinja's reads "access to attribute ... is unsafe"."""
    found = re.match(r"access to attribute '([^']*)' of '([^']*)' object is unsafe", str(exc))
    if found is None:
        return words.text("tpl.unsafe", detail=exc)
    return words.text("tpl.unsafe_attr", attr=found[1], type=found[2])


def _syntax_problem(exc: TemplateSyntaxError, origin: str, env: Any) -> TemplateProblem:
    detail = exc.message or ""
    said = jinja_words.explained(detail, filters=env.filters, tests=env.tests)
    text = (words.text("tpl.syntax", detail=said) if said is not None
            else words.text("tpl.syntax_raw", detail=detail))
    return TemplateProblem(exc.name or origin, exc.lineno, text)


def _line(exc: BaseException, origin: str) -> int | None:
    """The template line where ``exc`` was raised (Jinja rewrites its traceback so)."""
    line = None
    for frame, lineno in walk_tb(exc.__traceback__):
        if frame.f_code.co_filename.endswith(origin):
            line = lineno
    return line


def _undefined(
    exc: UndefinedError, template: Template, context: Mapping[str, Any], origin: str
) -> str:
    obj, name = getattr(exc, "missing", (None, None))
    available = ", ".join(sorted(map(str, context))) or words.text("word.nothing")
    if name is None or obj is _MISSING:
        # Jinja's own "'x' is undefined": said in our words, with the nearest name.
        plain = re.fullmatch(r"'([^']+)' is undefined", exc.message or "")
        if plain is None:
            return words.text("tpl.undefined_detail", detail=exc.message, available=available)
        hint = words.suggest(plain[1], [str(k) for k in context])
        return words.text("tpl.undefined", what=plain[1], available=available, hint=hint)
    what = name
    line = _line(exc, template.filename or origin)
    source = _source(template, origin)
    if line and source:
        text = source.splitlines()[line - 1] if line <= len(source.splitlines()) else ""
        found = re.search(rf"([A-Za-z_][\w.]*)\.{re.escape(str(name))}\b", text)
        if found:
            what = f"{found.group(1)}.{name}"
    if isinstance(obj, Mapping):
        owner = what.rsplit(".", 1)[0] if "." in what else words.text("tpl.it")
        if not obj:
            return words.text("tpl.undefined_empty", what=what, owner=owner)
        keys = ", ".join(sorted(map(str, obj)))
        hint = words.suggest(str(name), [str(k) for k in obj])
        return words.text("tpl.undefined_in", what=what, owner=owner, keys=keys, hint=hint)
    hint = words.suggest(str(name), [str(k) for k in context]) if "." not in what else ""
    return words.text("tpl.undefined", what=what, available=available, hint=hint)


def _source(template: Template, origin: str) -> str | None:
    inline: str | None = getattr(template, "_runner_source", None)
    if inline is not None:
        return inline
    env = template.environment
    try:
        return env.loader.get_source(env, origin)[0]  # type: ignore[union-attr]
    except TemplateNotFound:
        return None


# ---- splitting long messages --------------------------------------------------------------

_ATOMS = re.compile(
    r"```.*?(?:```|\Z)"  # code fence (an unclosed one runs to the end)
    r"|`[^`\n]+`"  # code span
    r"|\[[^\]\n]*\]\([^)\s]*\)"  # markdown link
    r"|<@[^>\s]+>"  # mention by id
    r"|https?://[^\s<>]+"  # bare URL
    r"|(?<![\w@])@[\w.\-]+",  # @nickname
    re.DOTALL,
)
_LEVELS = (
    re.compile(r"\n[ \t]*\n\s*"),  # paragraph
    re.compile(r"\n\s*"),  # line
    re.compile(r"(?<=[.!?…])[\"»)]?\s+"),  # sentence
    re.compile(r"\s+"),  # word
)


_SPACE = re.compile(r"\s*")
Span = tuple[int, int]


def _atoms(text: str) -> list[Span]:
    """Where the mentions, links, URLs and code of ``text`` are. Found once over the whole
    text: backticks pair up from its start, and a window that starts inside a long code
    span it cut would pair them wrongly and split the next span."""
    return [m.span() for m in _ATOMS.finditer(text)]


def _cuts(text: str, limit: int, atoms: list[Span]) -> list[list[Span]]:
    """Per level, the (end of part, start of rest) pairs allowed within ``limit``."""
    spans = [(a, b) for a, b in atoms if a <= limit and b - a <= limit]
    out = []
    for level in _LEVELS:
        found = []
        for m in level.finditer(text, 0, limit + 1):
            start, end = m.span()
            if 0 < start <= limit and not any(a < start < b for a, b in spans):
                found.append((start, end))
        out.append(found)
    return out


def _hard_cut(limit: int, atoms: list[Span]) -> int:
    """Where to cut a text with no allowed boundary: before an atom that would be split."""
    for a, b in atoms:
        if a < limit < b and b - a <= limit and a > 0:
            return a
    return limit


def _split_once(text: str, limit: int, atoms: list[Span]) -> tuple[str, str]:
    levels = _cuts(text, limit, atoms)
    for found in levels:
        if found and found[-1][0] >= limit // 2:
            cut, rest = found[-1]
            return text[:cut], text[rest:]
    best = max((f[-1] for f in levels if f), default=None)
    if best is not None:
        return text[: best[0]], text[best[1] :]
    cut = _hard_cut(limit, atoms)
    return text[:cut], text[cut:]


def split_message(text: str, limit: int = 4000) -> list[str]:
    """Parts of ``text`` no longer than ``limit``, cut at the gentlest boundary available.

    Paragraphs before lines before sentences before spaces; never inside a mention, a
    link, a URL or code, unless that one piece is itself longer than ``limit``.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    parts: list[str] = []
    text = text.strip()
    atoms = _atoms(text)
    first = 0  # the first atom not wholly before the window
    start = 0
    # Each cut is chosen within a window of the text after the last one, never over the
    # whole rest: splitting stays linear in the text's length. An atom (link, code)
    # that starts within the limit and is short enough to keep whole ends within
    # twice the limit, so the window sees every atom the cut has to respect.
    while len(text) - start > limit:
        size = 2 * limit + 2
        window = text[start:start + size]
        while first < len(atoms) and atoms[first][1] <= start:
            first += 1
        near = []  # the atoms in the window, from its start (a cut one's rest included)
        for a, b in atoms[first:]:
            if a >= start + size:
                break
            near.append((max(a, start) - start, b - start))
        part, rest = _split_once(window, limit, near)
        part = part.rstrip()
        if part:
            parts.append(part)
        start += len(window) - len(rest)
        start = _SPACE.match(text, start).end()  # type: ignore[union-attr]
    if start < len(text):
        parts.append(text[start:])
    return parts


def truncate_message(text: str, limit: int, suffix: str = "…") -> str:
    """``text`` cut to at most ``limit`` characters at a gentle boundary, ending in ``suffix``."""
    if len(text) <= limit:
        return text
    room = limit - len(suffix)
    if room <= 0:
        return suffix[:limit]
    atoms = _atoms(text)
    best = max((f[-1] for f in _cuts(text, room, atoms) if f), default=None)
    cut = best[0] if best is not None else _hard_cut(room, atoms)
    return text[:cut].rstrip() + suffix
