"""PyYAML's syntax errors explained: what went wrong, how to fix it, on the line at fault.

PyYAML reports where its parser gave up, which is often lines after the mistake (an
unclosed quote swallows the lines that follow it) and in its own terms ("expected <block
end>, but found '<block mapping start>'"). The common mistakes in a hand-written
jobs.yaml are recognised here from the text itself: a quote never closed, a field
indented differently from its neighbours, ``: `` inside an unquoted value, a line with
no ``:``, a bracket not closed, an unquoted ``${NAME}`` inside brackets. Anything else
keeps PyYAML's words inside a sentence of ours.
"""

from __future__ import annotations

import re

import yaml

from runner import words

Explained = tuple[int, int, str]  # 1-based line and column, message
_KEY = re.compile(r"^(?P<indent> *)(?P<dash>- +)?(?P<key>[^\s#'\"{\[][^#{\[]*?):(?:\s|$)")
_QUOTED_VALUE = re.compile(r"^\s*(?:- +)*(?:[^\s#'\"][^#]*?:\s+)?(?P<quote>[\"'])")
_CLOSERS = {"[": "]", "{": "}"}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(lines: list[str], index: int) -> bool:
    text = lines[index].strip()
    return bool(text) and not text.startswith("#")


def _closes(rest: str, quote: str) -> bool:
    """Whether the text after an opening ``quote`` closes it on the same line."""
    if quote == '"':
        return re.search(r'(?<!\\)(?:\\\\)*"', rest) is not None
    return re.search(r"'(?!')", rest.replace("''", "")) is not None


def _unclosed_quote(lines: list[str], before: int) -> Explained | None:
    """The first line before line index ``before`` whose quoted value is not closed on it."""
    for index in range(min(before, len(lines))):
        match = _QUOTED_VALUE.match(lines[index])
        if match is None or not _content(lines, index):
            continue
        quote = match["quote"]
        if not _closes(lines[index][match.end():], quote):
            return _quote(index, match.end(), quote)
    return None


def _quote(line: int, column: int, quote: str) -> Explained:
    return line + 1, column, words.text("yaml.quote_open", quote=quote, line=line + 1)


def _previous(lines: list[str], index: int) -> int | None:
    for back in range(index - 1, -1, -1):
        if _content(lines, back):
            return back
    return None


def _chain(lines: list[str], index: int) -> list[tuple[int, int]]:
    """Line ``index`` and the lines that hold it: (line index, indent), innermost first."""
    chain = [(index, _indent(lines[index]))]
    for back in range(index - 1, -1, -1):
        if _content(lines, back) and _indent(lines[back]) < chain[-1][1]:
            chain.append((back, _indent(lines[back])))
    return chain


def _key(line: str) -> str | None:
    match = _KEY.match(line)
    return match["key"].strip() if match else None


def _misindented(lines: list[str], index: int) -> Explained | None:
    """Line ``index`` does not line up with its neighbours: say with which, and how."""
    line = lines[index]
    here = _indent(line)
    above = _previous(lines, index)
    if above is None:
        return None
    there = _indent(lines[above])
    item, item_above = line.lstrip().startswith("-"), lines[above].lstrip().startswith("-")
    how = words.text("yaml.less" if here < there else "yaml.more")
    if item and item_above and here != there:
        return index + 1, here + 1, words.text("yaml.item_indent", how=how, line=above + 1)
    match = _KEY.match(line)
    if match is None or here == there:
        return None
    if here > there and lines[above].rstrip().endswith(":"):
        return None  # a block opened on the line above: more indentation is expected there
    chain = _chain(lines, above)
    if here < there:
        # Siblings are the innermost enclosing level still deeper than this line.
        deeper = [level for level in chain if level[1] > here]
        if any(level[1] == here for level in chain):
            return None  # a valid step back out of a block: the mistake is elsewhere
        there = deeper[-1][1]
        parent = chain[len(deeper)] if len(deeper) < len(chain) else None
    else:
        parent = chain[1] if len(chain) > 1 else None
    owner = _key(lines[parent[0]]) if parent else None
    others = (
        words.text("yaml.others_of", owner=owner) if owner else words.text("yaml.others_top")
    )
    spaces = f"{there} {words.plural(there, words.text('yaml.spaces').split('|'))}"
    message = words.text(
        "yaml.indent", key=match["key"].strip(), how=how, others=others, spaces=spaces
    )
    return index + 1, here + 1, message


_MAX_KEY = 1024
"""Longest plain key YAML reads (a longer one reads as a key without its ':')."""


def _keyless(lines: list[str], index: int) -> Explained | None:
    """Line ``index`` is neither ``name: value`` nor a list item: its ':' is missing."""
    line = lines[index]
    if _KEY.match(line) or line.lstrip().startswith("-"):
        return None
    word = line.strip()[:40]
    return index + 1, _indent(line) + 1, words.text("yaml.no_colon", word=word)


def _colon(lines: list[str], index: int, column: int) -> Explained | None:
    """``mapping values are not allowed here`` at ``column`` of line ``index``."""
    line = lines[index]
    match = _KEY.match(line)
    if match is None or match.end("key") == column:
        # The colon is the line's own key: the line goes on a value from the line above.
        return _misindented(lines, index)
    value = line[match.end():].strip()
    message = words.text("yaml.colon_in_value", key=match["key"].strip(), value=value[:40])
    return index + 1, column + 1, message


def explain(text: str, exc: yaml.MarkedYAMLError) -> Explained | None:
    """A located, plain-words explanation of ``exc`` raised for ``text``, if one fits."""
    lines = text.splitlines()
    problem, context = str(exc.problem or ""), str(exc.context or "")
    mark, start = exc.problem_mark, exc.context_mark
    if start is not None and context.startswith("while scanning a quoted scalar"):
        line = lines[start.line] if start.line < len(lines) else ""
        return _quote(start.line, start.column + 1, line[start.column : start.column + 1] or '"')
    if mark is None:
        return None
    found = _unclosed_quote(lines, mark.line)
    if found is not None:
        return found
    if problem.startswith("could not find expected ':'") and start is not None:
        line = lines[start.line] if start.line < len(lines) else ""
        word = line.strip()[:40]
        if line.find(":", start.column) - start.column > _MAX_KEY:  # YAML's own limit
            return start.line + 1, start.column + 1, words.text("yaml.key_too_long",
                                                                word=word, n=_MAX_KEY)
        return start.line + 1, start.column + 1, words.text("yaml.no_colon", word=word)
    if mark.line >= len(lines):
        return None
    if problem.startswith("mapping values are not allowed"):
        return _colon(lines, mark.line, mark.column)
    if problem.startswith("expected <block end>"):
        return _misindented(lines, mark.line) or _keyless(lines, mark.line)
    if start is not None and context.startswith("while parsing a flow"):
        return _env_in_brackets(lines, mark) or _bracket(lines, start, mark)
    if "'\\t'" in problem:
        return mark.line + 1, mark.column + 1, words.text("yaml.tab")
    alias = re.match(r"found undefined alias '(.*)'", problem)
    if alias:
        return mark.line + 1, mark.column + 1, words.text("yaml.alias_undefined", name=alias[1])
    if "alias" in context or "anchor" in context:
        return mark.line + 1, mark.column + 1, words.text("yaml.alias_quote")
    if problem.startswith("but found another document"):
        return mark.line + 1, mark.column + 1, words.text("yaml.two_documents")
    return None


def _env_in_brackets(lines: list[str], mark: yaml.Mark) -> Explained | None:
    """``[${CHAT}]``: inside brackets YAML reads the ``{`` of an unquoted ``${NAME}`` as a
    mapping's start, and stops there saying that a bracket is never closed."""
    line = lines[mark.line]
    if not line.startswith("${", mark.column - 1):
        return None
    depth, end = 0, len(line)
    for index in range(mark.column, len(line)):  # to the brace closing it (defaults nest)
        depth += {"{": 1, "}": -1}.get(line[index], 0)
        if depth == 0:
            end = index + 1
            break
    value = line[mark.column - 1 : end]
    return mark.line + 1, mark.column, words.text("yaml.env_in_brackets", value=value)


def _bracket(lines: list[str], start: yaml.Mark, mark: yaml.Mark) -> Explained:
    """A ``[`` or ``{`` not closed: where it opened, and what stands in place of its closer."""
    opened = lines[start.line][start.column : start.column + 1] or "["
    found = lines[mark.line][mark.column : mark.column + 1] if mark.line < len(lines) else ""
    close = _CLOSERS.get(opened, "]")
    if found in ("]", "}"):
        message = words.text("yaml.bracket", open=opened, close=close, line=start.line + 1,
                             found=found)
        return mark.line + 1, mark.column + 1, message
    message = words.text("yaml.bracket_open", open=opened, close=close, line=start.line + 1)
    return start.line + 1, start.column + 1, message


def cut_by_comment(
    lines: list[str], node: yaml.Node, field: str | int
) -> tuple[int, str] | None:
    """Where (0-based column of ``#``) and what a `` #`` cut off an unquoted value, when
    it looks like part of the text.

    YAML reads `` #`` as the start of a comment, so ``text: Задача #123 готова`` says only
    "Задача". A comment is told from a cut text by a ``#`` glued to a word (``#123``) or
    by the field being a message text.
    """
    # PyYAML marks a plain scalar's style None, libyaml "".
    if not isinstance(node, yaml.ScalarNode) or node.style or node.tag != "tag:yaml.org,2002:str":
        return None
    end = node.end_mark
    if end.line >= len(lines):
        return None
    rest = lines[end.line][end.column :]
    match = re.match(r"\s+#(\S?)", rest)
    if match is None or not (match[1] or field == "text"):
        return None
    return end.column + match.start(1) - 1, rest.strip()


def not_utf8(data: bytes, start: int) -> tuple[str, tuple[int, int]]:
    """What to say of a file that is not UTF-8, and where its first foreign byte is."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return words.text("file.utf16"), (1, 1)
    line_start = data.rfind(b"\n", 0, start) + 1
    column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
    return words.text("file.not_utf8"), (data.count(b"\n", 0, start) + 1, column)
