"""Field conventions every kind's parameters and the catalogue's sections follow.

A field has an English ``description``, ``examples`` and a Russian description
(``json_schema_extra=ru(...)``): the JSON Schema, the kind reference and the "required
field is missing" messages are made from them. The annotated types here (``Id``,
``Regex``, ``Label``, ``Link``) check what jobs.yaml says when the catalogue loads.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["MAX_ID", "Id", "KindParams", "Label", "Link", "PostChat", "PostsHere", "Regex", "ru"]


class KindParams(BaseModel):
    """Base of every kind's parameter model: unknown fields are errors.

    Every field has an English ``description``, ``examples`` and a Russian description
    (``json_schema_extra=ru(...)``): the JSON Schema, the kind reference and the
    "required field is missing" messages are made from them (a test checks).
    """

    model_config = ConfigDict(extra="forbid")


def ru(description: str, **schema: Any) -> dict[str, Any]:
    """A field's ``json_schema_extra``: its Russian description, and any extra schema keys."""
    return {"description_ru": description, **schema}


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(_regex_problem(pattern, exc)) from None
    return pattern


def _regex_problem(pattern: str, exc: re.error) -> str:
    """What is wrong with ``pattern``, in the operator's language (Python words it in English)."""
    from runner import words

    msg, pos = exc.msg, exc.pos
    if msg.startswith("missing ), unterminated subpattern"):
        detail = words.text("regex.open_group")
    elif msg.startswith("unterminated character set"):
        detail = words.text("regex.open_set")
    elif msg.startswith("unbalanced parenthesis"):
        detail = words.text("regex.close_group")
    elif msg in ("nothing to repeat", "multiple repeat") and pos is not None:
        detail = words.text("regex.repeat", char=pattern[pos])
    elif msg.startswith("bad escape "):
        detail = words.text("regex.escape", escape=msg.removeprefix("bad escape ").split()[0])
    elif msg.startswith("bad character range "):
        detail = words.text("regex.range", range=msg.removeprefix("bad character range "))
    else:
        detail = words.text("regex.other")
    if pos is not None:
        detail += words.text("regex.at", n=pos + 1)
    return words.text("regex.invalid", pattern=pattern, detail=detail)


Regex = Annotated[str, AfterValidator(_compiles)]
"""A regular expression written in jobs.yaml: checked when the catalogue loads."""

def _http_url(value: str) -> str:
    from urllib.parse import urlsplit

    from runner import words

    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad port or bracket
        ok = False
    if ok and len(value) > _MAX_URL:  # a link otherwise fine: say what is wrong with it
        raise ValueError(words.text("field.url_long", n=len(value), max=_MAX_URL,
                                    got=f"'{value[:60]}…'"))
    if not ok or any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError(words.text("field.url", got=f"'{value[:60]}'"))
    return value


def _not_blank(value: str) -> str:
    from runner import words

    if not value.strip():
        raise ValueError(words.text("field.not_empty"))
    return value


Label = Annotated[str, AfterValidator(_not_blank)]
"""Text people read on a button: Pachca refuses a blank one."""

_MAX_URL = 2048
"""Longest button link taken: longer ones are refused by browsers and proxies alike."""

Link = Annotated[str, AfterValidator(_http_url)]
"""An http(s) URL a person opens from a message (a button's link)."""

MAX_ID = 2**31 - 1
"""Pachca's ids (chats, users, tags) are 32-bit integers (format: int32 in its API)."""


def _not_bool(value: Any) -> Any:
    from runner import words

    if isinstance(value, bool):  # pydantic would take `true` for 1
        raise ValueError(words.text("field.int", got=str(value).lower()))  # noqa: TRY004
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_not_bool)]
"""An id of a chat, a user or a tag in Pachca: a whole number from 1 to 2**31 - 1."""


class PostsHere:
    """Marks an id field as a chat the job posts to (a report, a notice) besides its ``to``:
    the token's right to post there is checked before a run writes anything, and in
    ``preview``, ``--dry-run`` and ``validate``, as for ``to`` (``runner.preflight``)."""


PostChat = Annotated[Id, PostsHere()]
"""The id of a chat a job posts a report or notice to; checked before the run."""
