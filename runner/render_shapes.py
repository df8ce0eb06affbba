"""Inline texts of one shape, rendered from one compiled template.

A catalogue of thousands of jobs repeats an inline text with only its plain text changed
(``Напоминание №12 на {{ now|ru_date("d MMMM") }}``); compiling each with Jinja was most
of what ``validate`` spent on them. Plain text (Jinja's template data) only ever goes to
the output as written, unless something captures it: a ``{% set %}`` or ``{% filter %}``
block, a macro, a call, a block of an extended template. So a text free of those is
compiled once for its shape (every tag and expression, and where plain text stands),
with a marker in place of each piece of plain text; rendered once per sample, the
markers are replaced by each text's own pieces, which is what compiling that text would
have printed. Whatever does not fit (a capturing block, a syntax error, a render that
fails, output past the limit) gets ``None``: the caller renders it on its own, as before.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import Template, nodes
from jinja2.exceptions import TemplateError

from runner.errors import TemplateProblem
from runner.sandbox import MAX_OUTPUT, Sandbox

Token = tuple[int, str, str]
Key = tuple[tuple[int, str, str | None], ...]

# Statements through which plain text goes straight to the output; any other (a block
# that captures its body, a macro, an extended template's blocks) rules the shape out.
_PASSING = (nodes.Output, nodes.If, nodes.For, nodes.Assign, nodes.With,
            nodes.ExprStmt, nodes.Continue, nodes.Break)


class Shapes:
    """Compiled templates by shape, and what each rendered with each sample."""

    def __init__(self, env: Sandbox, run: Callable[[Template, Mapping[str, Any], str], str],
                 name: str) -> None:
        self._env = env
        self._run = run  # renders a compiled template, turning errors into TemplateProblem
        self._name = name  # the file name compiled templates carry
        self._nonce = secrets.token_hex(8)  # no text can hold a marker by chance
        self._mark = re.compile(f"\0{self._nonce}\\.(\\d+)\0")
        self._tokens: dict[str, list[Token] | None] = {}
        self._templates: dict[Key, Template | None] = {}
        self._made: dict[tuple[Key, str], str | None] = {}

    def tokens(self, source: str) -> list[Token] | None:
        """Jinja's tokens of ``source``, or None for a syntax error (kept per text)."""
        if source not in self._tokens:
            try:
                self._tokens[source] = list(self._env.lex(source))
            except TemplateError:
                self._tokens[source] = None
        return self._tokens[source]

    def render(self, source: str, context: Mapping[str, Any], context_key: str, origin: str
               ) -> str | None:
        """``source`` rendered with ``context`` (``context_key`` tells contexts apart), or
        None when it must be rendered on its own."""
        tokens = self.tokens(source)
        if tokens is None:
            return None
        key: Key = tuple((line, kind, None if kind == "data" else value)
                         for line, kind, value in tokens)
        pieces = [self._env.lexer._normalize_newlines(value)
                  for _, kind, value in tokens if kind == "data"]
        if key not in self._templates:
            self._templates[key] = self._compile(source, pieces)
        template = self._templates[key]
        if template is None:
            return None
        if (key, context_key) not in self._made:
            try:
                self._made[key, context_key] = self._run(template, context, origin)
            except TemplateProblem:
                self._made[key, context_key] = None
        made = self._made[key, context_key]
        if made is None:
            return None
        text = self._mark.sub(lambda found: pieces[int(found[1])], made)
        return text if len(text) <= MAX_OUTPUT else None

    def _compile(self, source: str, pieces: list[str]) -> Template | None:
        """The template of ``source``'s shape, its plain text as markers; None if the
        shape does not pass plain text straight through."""
        try:
            tree = self._env._parse(source, None, self._name)
        except (TemplateError, RecursionError, ValueError):
            return None
        if any(not isinstance(node, _PASSING) for node in tree.find_all(nodes.Stmt)):
            return None
        data = list(tree.find_all(nodes.TemplateData))
        if [node.data for node in data] != pieces:
            return None  # the parser did not keep the lexer's pieces in order: not ours to guess
        for i, node in enumerate(data):
            node.data = f"\0{self._nonce}.{i}\0"
        try:
            code = self._env.compile(tree, filename=self._name)
        except (TemplateError, RecursionError, ValueError):
            return None
        return self._env.template_class.from_code(self._env, code, self._env.make_globals(None))
