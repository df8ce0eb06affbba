"""A message's text that remembers what was said: its id and its values.

``runner.words.text`` returns a ``Said``: a ``str`` (so every use of a message as text
is unchanged) that also keeps the message id and the values it was filled with. What
a run records (its lines, its error) is kept that way, as ``phrase``, so a reader in
another language gets it in theirs (``runner.words.in_language``): a Russian console
over an English daemon, an alert in Pachca, ``history`` under ``PACHCA_RUNNER_LANG``.

A text made any other way (an f-string, a library's exception, Pachca's error body,
a ``Said`` joined to other text) is plain and stays as it was written.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any, Self


class Said(str):
    """The text of message ``message_id`` filled with ``values``, in one language."""

    __slots__ = ("message_id", "values")
    message_id: str
    values: dict[str, Any]

    def __new__(cls, text: str, message_id: str, values: Mapping[str, Any]) -> Self:
        said = super().__new__(cls, text)
        said.message_id = message_id
        # An error as what it said: its traceback (and every frame in it) is not kept.
        said.values = {name: told(value) if isinstance(value, BaseException) else value
                       for name, value in values.items()}
        return said

    def __reduce__(self) -> tuple[Any, ...]:
        return (Said, (str(self), self.message_id, self.values))


def told(value: Any) -> Any:
    """``value`` as a message keeps it: a ``Said`` or a number as it is, an error
    raised with a ``Said`` as that ``Said``, anything else as its text."""
    if isinstance(value, Said | int | float) or value is None:
        return value
    if isinstance(value, BaseException):
        args = value.args
        if len(args) == 1 and isinstance(args[0], Said) and str(value) == args[0]:
            return args[0]
    return str(value)


def shown(texts: tuple[str, ...]) -> set[str]:
    """The names of the values the texts of a message show."""
    return {name.split(".")[0].split("[")[0]
            for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def masked(text: str, mask: Callable[[str], str]) -> str:
    """``text`` with ``mask`` applied to it and, for a ``Said``, to each of its values,
    so the message said in another language hides them too."""
    if not isinstance(text, Said):
        return mask(text)
    values = {}
    for name, value in text.values.items():
        kept = told(value)
        values[name] = masked(kept, mask) if isinstance(kept, str) else kept
    return Said(mask(text), text.message_id, values)
