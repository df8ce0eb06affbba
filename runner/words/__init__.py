"""Everything pachca-runner tells an operator, in English and in Russian.

Every message has an id and both texts (``str.format`` templates with the same
placeholders). The language is Russian when ``PACHCA_RUNNER_LANG`` says so, or, when
it is unset, when the locale does (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, first one set
wins, as POSIX reads them); English otherwise. ``use("ru")`` overrides both, e.g.
for a language set in ``.env``. Texts are chosen when a message is made, so a
message made under ``PACHCA_RUNNER_LANG=ru`` is Russian text; but it is a ``Said``
(``runner.words.said``), which keeps its id and values: what a run records is kept
so (``phrase``, ``rebuilt``) and each reader has it in their language (``in_language``).

A plain table rather than gettext catalogues: two languages, a few hundred messages,
and a test that checks every id has both texts with the same placeholders. The table
is kept by area, one module each (``yaml_file``, ``catalogue``, ``kinds``,
``templates``, ``api``, ``daemon``, ``commands``, ``runs``, ``plans``, ``export``, ``bot``, ``demo``, ``help``,
``state``: the state store, the runner's server and the console's accounts); ids are
unique across them.
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from runner.words import api as _api
from runner.words import bot as _bot
from runner.words import catalogue as _catalogue
from runner.words import commands as _commands
from runner.words import daemon as _daemon
from runner.words import demo as _demo
from runner.words import export as _export
from runner.words import help as _help
from runner.words import kinds as _kinds
from runner.words import plans as _plans
from runner.words import runs as _runs
from runner.words import said as _said
from runner.words import state as _state
from runner.words import templates as _templates
from runner.words import yaml_file as _yaml_file

LANGS = ("en", "ru")
_chosen: ContextVar[str | None] = ContextVar("runner_words_lang", default=None)


def _merged(*tables: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        if twice:  # one id, two texts: the later would silently win
            raise RuntimeError(f"message ids defined twice: {sorted(twice)}")
        merged.update(table)
    return merged


# id -> (English, Russian), every area's table.
MESSAGES: dict[str, tuple[str, str]] = _merged(
    _api.MESSAGES, _bot.MESSAGES, _catalogue.MESSAGES, _commands.MESSAGES, _daemon.MESSAGES, _demo.MESSAGES, _export.MESSAGES,
    _kinds.MESSAGES, _plans.MESSAGES, _runs.MESSAGES, _state.MESSAGES, _templates.MESSAGES,
    _yaml_file.MESSAGES,
)


def plural(n: int, forms: Sequence[str], language: str | None = None) -> str:
    """The form of a noun for ``n`` from three: for 1, for 2-4, for 5 and more.

    Russian picks by the last digits (21 час, 22 часа, 25 часов, 11 часов); English
    by one or not. ``language`` defaults to the current one.
    """
    if (language or lang()) != "ru":
        return forms[0] if n == 1 else forms[2]
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def decimal(value: float, digits: int = 1, language: str | None = None) -> str:
    """``value`` with ``digits`` decimals as the language writes it: ``1.5`` in English,
    ``1,5`` in Russian. ``language`` defaults to the current one."""
    shown = f"{value:.{digits}f}"
    return shown.replace(".", ",") if (language or lang()) == "ru" else shown


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to ``word`` (ignoring case), or None if none is close."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def suggest(word: str, choices: Sequence[str]) -> str:
    """ " — did you mean 'x'?" for the closest choice, or ""."""
    found = closest(word, choices)
    if not found:
        return ""
    hint = text("hint.did_you_mean", word=found)
    if found.isascii():
        # A Cyrillic 'е' or a zero-width space makes the word and the hint look the same.
        odd = next((i for i, c in enumerate(str(word), 1) if not c.isascii()), None)
        if odd is not None and (len(str(word)) == len(found) or unicodedata.category(
                str(word)[odd - 1]) == "Cf"):
            hint += text("hint.odd_character", n=odd)
    return hint


def _from_env() -> str:
    for name in ("PACHCA_RUNNER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip()
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def lang() -> str:
    """The language of messages now: ``"ru"`` or ``"en"``."""
    return _chosen.get() or _from_env()


def chosen() -> str | None:
    """The language ``use`` chose for this context, None when it follows the environment."""
    return _chosen.get()


def use(language: str | None) -> None:
    """Choose the language of messages for this context (None: back to the environment)."""
    if language is None:
        _chosen.set(None)
        return
    _chosen.set("ru" if language.lower().startswith("ru") else "en")


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Messages made inside are in ``language`` (a console reader's), then as before."""
    token = _chosen.set("ru" if language.lower().startswith("ru") else "en")
    try:
        yield
    finally:
        _chosen.reset(token)


_ADDED: dict[str, tuple[str, str]] = {}
"""Messages job kinds bring (``JobKind.messages``), added when the kind is loaded."""


def add(messages: Mapping[str, tuple[str, str]]) -> None:
    """Make a kind's messages known; ValueError if one reuses another message's id."""
    for message_id, texts in messages.items():
        known = _texts(message_id)
        if known is not None and known != texts:
            raise ValueError(f"message id {message_id!r} is taken")
        _ADDED[message_id] = texts


def text(message_id: str, /, **values: Any) -> str:
    """The message ``message_id`` in the current language, with ``values`` filled in."""
    return text_in(lang(), message_id, **values)


def text_in(language: str, message_id: str, /, **values: Any) -> str:
    """The message ``message_id`` in ``language`` (a console page's, say), filled in."""
    en, ru = MESSAGES[message_id] if message_id in MESSAGES else _ADDED[message_id]
    return _said.Said((ru if language == "ru" else en).format(**values), message_id, values)


def _texts(message_id: str) -> tuple[str, str] | None:
    """The English and Russian texts of ``message_id`` (the runner's or a kind's), if any."""
    return MESSAGES.get(message_id) or _ADDED.get(message_id)


def in_language(told: str, language: str | None = None) -> str:
    """``told`` (a message made earlier, or read back from the store: a run's line or
    error) in ``language``, the current one by default, its messages within too; a
    plain text, or a message this runner no longer has, as it was written."""
    if not isinstance(told, _said.Said) or _texts(told.message_id) is None:
        return told
    values = {}
    for name, value in told.values.items():
        kept = _said.told(value)
        values[name] = in_language(kept, language) if isinstance(kept, str) else kept
    try:
        return text_in(language or lang(), told.message_id, **values)
    except (KeyError, IndexError, ValueError):  # the message's text changed since
        return told


def phrase(told: str) -> Any:
    """``told`` as JSON for the store: a message as ``{"id", "values"}`` with only the
    values its texts show (nothing else it was given is kept), a plain text as text."""
    texts = _texts(told.message_id) if isinstance(told, _said.Said) else None
    if not isinstance(told, _said.Said) or texts is None:
        return str(told)
    names = _said.shown(texts)
    values = {}
    for name, value in told.values.items():
        if name in names:
            kept = _said.told(value)
            values[name] = phrase(kept) if isinstance(kept, str) else kept
    return {"id": told.message_id, "values": values}


def rebuilt(kept: Any, written: str | None = None) -> str:
    """What ``phrase`` kept, as a ``Said`` again: its text ``written`` (as recorded),
    or made in the current language when none was recorded; a plain text as it is."""
    if not isinstance(kept, dict):
        return str(kept) if written is None else written
    values = {name: rebuilt(value) if isinstance(value, str | dict) else value
              for name, value in (kept.get("values") or {}).items()}
    message_id = str(kept.get("id"))
    if written is None:
        try:
            written = text(message_id, **values)
        except (KeyError, IndexError, ValueError):
            written = message_id
    return _said.Said(written, message_id, values)


def translated(english: str) -> str:
    """``english`` (a help text or one of click's) in the current language: its Russian
    from ``runner.words.help`` under Russian, itself otherwise or when it has none."""
    if lang() != "ru":
        return english
    known = _help.HELP_RU.get(english) or _help.HELP_RU.get(" ".join(english.split()))
    return known or english


def count_name(key: str, language: str | None = None) -> str:
    """A run's count (``posted``, ``skipped:channel``) in words, in ``language`` (the
    current one by default): the key itself in English, a key with no text here (a
    kind's own count) too."""
    return _named("count." + key, key, language)


def kind_name(kind: str, language: str | None = None) -> str:
    """A job kind (``digest``) in words (a digest, «сводка») in ``language`` (the
    current one by default); a kind with no text here (a plugin's), its name."""
    return _named("kind_title." + kind, kind, language)


def _named(message_id: str, name: str, language: str | None) -> str:
    """The message ``message_id`` (the runner's or a kind's) in ``language``, or ``name``
    itself when there is none."""
    known = _texts(message_id) is not None
    return text_in(language or lang(), message_id) if known else name


def retell(told: str, area: str, language: str) -> str:
    """``told``, a text of one of the ``area`` messages (``progress.``) made earlier in
    either language (a running run's step, kept in the store), in ``language``; any
    other text as it is."""
    for message_id, texts in (*MESSAGES.items(), *_ADDED.items()):
        if message_id.startswith(area) and told in texts and "{" not in texts[0]:
            return text_in(language, message_id)
    return told


def text_or(message_id: str, fallback: str, /) -> str:
    """The message ``message_id`` (no placeholders) if there is one, else ``fallback``."""
    return text(message_id) if message_id in MESSAGES else fallback
