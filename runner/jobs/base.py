"""The contract of a job kind, and what a run hands to it.

A kind is one module in ``runner/jobs/`` that defines a module-level ``KIND``: an
instance of a ``JobKind`` subclass. The registry finds kinds by module name, so adding
a kind needs no edit anywhere else. A kind never builds HTTP requests itself; it calls
the Pachca client, renders messages with the renderer and records what it did in the
state store, all taken from the ``JobContext``.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

if TYPE_CHECKING:
    from runner.catalogue import JobSpec
    from runner.pachca.client import PachcaClient
    from runner.render import Renderer
    from runner.state import RunHandle
    from runner.state.aio import Store


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
    from runner import words

    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(words.text("regex.invalid", pattern=pattern, detail=exc)) from None
    return pattern


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
    if not ok or len(value) > 2048 or any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError(words.text("field.url", got=f"'{value[:60]}'"))
    return value


def _not_blank(value: str) -> str:
    from runner import words

    if not value.strip():
        raise ValueError(words.text("field.not_empty"))
    return value


Label = Annotated[str, AfterValidator(_not_blank)]
"""Text people read on a button: Pachca refuses a blank one."""

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


@dataclass
class RunReport:
    """What a run did, for the CLI, the history and alerts.

    ``counts`` are named totals (``posted``, ``archived``, ``skipped:excluded``...);
    ``lines`` are short sentences a non-developer can read ("posted to «Отдел продаж»").
    ``messages`` keeps the rendered texts (for ``preview`` and ``demo``).
    ``undone`` says what was left undone when the run failed midway.
    """

    counts: Counter[str] = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)
    # Where each of ``messages`` goes ("chat «Отдел продаж» (100044)"), "" when unknown.
    addressed: list[str] = field(default_factory=list)
    # Names of the people the dry run's texts mention (``<@id>``), for the preview.
    mentions: dict[int, str] = field(default_factory=dict)
    # File names attached to each of ``messages`` (by its index; absent: none).
    files: dict[int, list[str]] = field(default_factory=dict)
    # A dry run's files as they would be attached, by name: (content type, bytes), so a
    # preview shows them (a real run uploads them instead).
    drafts: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the count called ``name``."""
        self.counts[name] += n

    def say(self, line: str) -> None:
        """Record a sentence for the operator."""
        self.lines.append(line)


Progress = Callable[[str, int, int | None], None]
"""``progress(what, done, total)``: called as long work advances (total may be unknown)."""


def no_progress(what: str, done: int, total: int | None) -> None:
    """A progress callback that shows nothing (daemon, tests)."""


@dataclass
class JobContext:
    """Everything one run of one job may use. Built by ``runner.execute``."""

    job: JobSpec
    client: PachcaClient
    renderer: Renderer
    state: Store
    run: RunHandle
    now: Callable[[], datetime]  # aware datetime; a fake clock in tests
    scheduled_for: datetime  # the fire time this run stands for (aware, job's zone)
    dry_run: bool
    log: logging.Logger
    report: RunReport = field(default_factory=RunReport)
    progress: Progress = no_progress
    bot_user_id: int | None = None  # the token's own user: its messages are not activity
    services: dict[str, Any] = field(default_factory=dict)  # e.g. the webhook receiver
    # How each configured recipient is named («name» (id)), by (entity_type, entity_id):
    # filled by the pre-run check, read by preview's labels.
    labels: dict[tuple[str, int], str] = field(default_factory=dict)


class JobKind(ABC):
    """One kind of scheduled work (digest, sweep, ...)."""

    name: ClassVar[str]
    """The ``kind:`` value in jobs.yaml; equal to the module name."""

    Params: ClassVar[type[KindParams]]
    """The kind's own fields in a job entry, validated with ``extra="forbid"``."""

    summary: ClassVar[str] = ""
    """One line for ``jobs`` and the docs."""

    needs_server: ClassVar[bool] = False
    """True if a run needs the runner's HTTP server (e.g. to receive an export webhook)."""

    def scopes(self, params: KindParams) -> frozenset[str]:
        """Token scopes a run needs (``chats:read``...), checked before it starts, so a
        token without them fails the run before its first call rather than half-way."""
        return frozenset()

    def templates(self, params: KindParams) -> list[str]:
        """Template names (relative to the templates folder) this job renders."""
        return []

    def sample_context(self, params: KindParams, template: str) -> dict[str, Any]:
        """Plausible data for ``template``, rendered at validation to catch typos early."""
        return {}

    def inline_templates(self, params: KindParams) -> dict[str, str]:
        """Jinja strings written in the job itself (field name -> source), such as a
        message ``text``: rendered at validation with ``sample_context(params, field)``."""
        return {}

    def check_rendered(
        self, params: KindParams, field: str, render: Callable[[], str]
    ) -> str | None:
        """What is wrong with what inline template ``field`` renders to with sample data
        (``render()`` renders it), for ``validate``; None if nothing is."""
        return None

    @abstractmethod
    async def run(self, ctx: JobContext, params: KindParams) -> None:
        """Do the work once. Record effects in ``ctx.report``; raise RunnerError on failure.

        Must be safe to call again for the same ``ctx.run.key`` after a crash: every
        effect is checked against the state store before it is made.
        """

    async def preview(self, ctx: JobContext, params: KindParams) -> None:
        """Render what ``run`` would post, from live data, without any write call.

        The default runs the kind with ``ctx.dry_run`` set, which every kind honours.
        """
        await self.run(ctx, params)
