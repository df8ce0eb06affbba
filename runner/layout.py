"""Plain-text layouts that fit a terminal: rows whose short fields share a line and
whose long fields go on indented lines below.

Names and ids are never cut (an operator copies them into the next command); a row
that cannot fit its short fields on one line moves them to the next. Long text wraps
at spaces; a list wraps between its items, never inside one ("2026-12-07 09:00 MSK").
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Sequence

INDENT = 4


def width(piped: int = 120) -> int:
    """Columns to fill: ``COLUMNS`` if set, the terminal's, or ``piped`` for a pipe or file
    (wide, so a log keeps a row on one line for grep)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return piped


def fill(items: Sequence[str], label: str, total: int, indent: int = INDENT,
         sep: str = ", ") -> list[str]:
    """``label`` then ``items`` joined by ``sep``, wrapped between items to ``total``."""
    first = " " * indent + label
    cont = " " * len(first)
    lines: list[str] = []
    line = first
    for n, item in enumerate(items):
        piece = item + (sep.rstrip() if n < len(items) - 1 else "")
        fresh = line in (first, cont)
        candidate = line + piece if fresh else f"{line} {piece}"
        if not fresh and len(candidate) > total:
            lines.append(line)
            line = cont + piece
        else:
            line = candidate
    lines.append(line)
    return lines


def wrap(text: str, total: int, indent: int = INDENT) -> list[str]:
    """``text`` wrapped at spaces to ``total`` columns, each line indented."""
    pad = " " * indent
    return textwrap.wrap(text, width=max(total, indent + 20), initial_indent=pad,
                         subsequent_indent=pad + "  ", break_on_hyphens=False) or [pad]


def rows(cells: Sequence[Sequence[str]], total: int, right: Sequence[int] = ()) -> list[list[str]]:
    """Each row's short fields as its first line(s), padded into columns when they fit.

    Columns in ``right`` are right-aligned (ids). The first row (the header) sets the
    columns with every row that fits ``total``; a row too wide for them (a very long
    job name) keeps its first two fields (id and name) on its first line and puts the
    rest on the next, indented, rather than pushing every other row apart.
    """
    if not cells:
        return []
    count = len(cells[0])

    def natural(row: Sequence[str]) -> int:
        return sum(len(cell) for cell in row) + 2 * (count - 1)

    aligned = list(range(len(cells)))
    while True:
        widths = [max(len(cells[r][i]) for r in aligned) for i in range(count)]
        if sum(widths) + 2 * (count - 1) <= total or len(aligned) == 1:
            break
        aligned.remove(max(aligned[1:], key=lambda r: natural(cells[r])))
    out = []
    for number, row in enumerate(cells):
        if number in aligned:
            padded = [cell.rjust(w) if i in right else cell.ljust(w)
                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
            out.append(["  ".join(padded).rstrip()])
            continue
        head = [row[0].rjust(widths[0]) if 0 in right else row[0], row[1]]
        out.append(["  ".join(head), " " * INDENT + "  ".join(c for c in row[2:] if c)])
    return out
