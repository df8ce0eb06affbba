"""Jinja's syntax messages in our words, in the operator's language.

Jinja says what its parser met ("Expected an expression, got 'end of print statement'",
"unexpected char '!' at 5"); an operator needs what to change in the template, in the
language of the rest of the line. The commonest messages are matched here and retold
(with a suggestion where a name was mistyped); any other is kept as Jinja said it, in
quotes, inside a sentence of ours, so nothing Jinja knows is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from runner import words

_TOKENS = {  # Jinja's names for what it met -> what the operator typed
    "end of print statement": "}}",
    "end of statement block": "%}",
    "begin of print statement": "{{",
    "begin of statement block": "{%",
}


def _token(described: str) -> str:
    if described in _TOKENS:
        return _TOKENS[described]
    if described == "end of template":
        return words.text("tpl.token_end")
    if described == "name":
        return words.text("tpl.token_name")
    return described


def _by_name(message_id: str, known: str) -> Callable[[re.Match[str], dict[str, list[str]]], str]:
    def said(found: re.Match[str], names: dict[str, list[str]]) -> str:
        name = found.groupdict().get("name") or ""
        return words.text(message_id, name=name, hint=words.suggest(name, names.get(known, [])))
    return said


def _unclosed(found: re.Match[str], names: dict[str, list[str]]) -> str:
    return words.text("tpl.unclosed_block", block=found["block"])


def _expression(found: re.Match[str], names: dict[str, list[str]]) -> str:
    return words.text("tpl.expected_expression", got=_token(found["got"]))


def _expected(found: re.Match[str], names: dict[str, list[str]]) -> str:
    return words.text("tpl.expected_token", want=_token(found["want"]), got=_token(found["got"]))


def _char(found: re.Match[str], names: dict[str, list[str]]) -> str:
    return words.text("tpl.unexpected_char", char=found["char"], at=int(found["at"]) + 1)


_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], dict[str, list[str]]], str]], ...] = (
    (re.compile(r"No filter named '(?P<name>[^']*)'"), _by_name("tpl.no_filter", "filters")),
    (re.compile(r"No test named '(?P<name>[^']*)'"), _by_name("tpl.no_test", "tests")),
    (re.compile(r"Encountered unknown tag '(?P<name>[^']*)'"), _by_name("tpl.no_tag", "")),
    (re.compile(r"Unexpected end of template\. .*The innermost block that needs to be closed"
                r" is '(?P<block>\w+)'"), _unclosed),
    (re.compile(r"unexpected end of template", re.IGNORECASE), _by_name("tpl.unexpected_end", "")),
    (re.compile(r"Expected an expression, got '(?P<got>[^']*)'"), _expression),
    (re.compile(r"expected token '(?P<want>[^']*)', got '(?P<got>[^']*)'"), _expected),
    (re.compile(r"unexpected char (?P<q>['\"])(?P<char>.)(?P=q) at (?P<at>\d+)"), _char),
    (re.compile(r"unexpected '(?P<name>[^']*)'"), _by_name("tpl.unexpected", "")),
)


def explained(message: str, *, filters: Iterable[str] = (), tests: Iterable[str] = ()) -> str | None:
    """Jinja's ``message`` retold in the current language, or None for one not known
    here (the caller keeps it in quotes). ``filters`` and ``tests`` are the names the
    environment has, for "did you mean"."""
    names = {"filters": sorted(filters), "tests": sorted(tests)}
    for pattern, said in _PATTERNS:
        found = pattern.search(message)
        if found is not None:
            return said(found, names)
    return None


def detail(message: str) -> str:
    """Jinja's ``message`` for a line of ours: retold if known, else quoted as Jinja's."""
    return explained(message) or words.text("tpl.jinja_says", detail=message)
