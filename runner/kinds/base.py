"""The contract of a job kind, and what a run hands to it.

A kind is a module (``runner/kinds/digest.py``) or a package (``runner/kinds/sweep/``)
that defines a module-level ``KIND``: an instance of a ``JobKind`` subclass. The
registry finds kinds by name, so adding a kind needs no edit anywhere else. A kind
never builds HTTP requests itself; it calls the Pachca client, renders messages with
the renderer and records what it did in the state store, all taken from the
``JobContext``.

Besides running, a kind may extend the core through optional hooks, each asked by the
one core part it concerns, which never names a kind:

- commands added to ``pachca-runner`` (the sweep's ``plan``, ``undo``): not a hook but a
  ``commands`` module in the kind's package defining ``COMMANDS``, found and imported
  without the kind, so ``--help`` lists them without loading every kind (keep that
  module and the package's ``__init__`` light: the commands import what they run);
- ``button_actions``: handlers of the signed buttons it posts, by action (``keep``);
- ``routes(server)``, ``metrics(server)``: endpoints and metrics on the runner's HTTP
  server (the export's webhook);
- its own state tables, created and migrated with the store's: not a hook either but
  ``TABLES`` in a ``table`` module of its package, found and imported without the kind,
  so opening the store for a run of one kind does not import them all (keep that module
  light too; a single-module kind has no tables). Its async reads and writes of them: a
  ``runner.state.aio.KindRecords`` subclass, reached by ``ctx.state.records(TheRecords)``;
- ``messages``: its operator messages by id, in English and Russian (``runner.words``);
- ``read_plan`` / ``affected``: ``run-job --plan FILE`` and the chats ``diff`` counts;
- ``demo``: its part of ``pachca-runner demo`` (the sweep's week in fast-forward).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from runner.words.said import masked

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from runner.bot.context import BotContext
    from runner.buttons import ButtonAction, Keys
    from runner.catalogue import JobSpec
    from runner.catalogue.fields import KindParams
    from runner.demo import Demo
    from runner.pachca.client import PachcaClient
    from runner.pachca.models import ButtonClick
    from runner.render import Renderer
    from runner.runtime import Runtime
    from runner.server import RunnerServer
    from runner.server.metrics import Metric
    from runner.state import RunHandle, StateStore
    from runner.state.aio import Store

class ChatAction(Protocol):
    """One thing a run did to a chat, as the history and the console list it."""

    @property
    def chat_id(self) -> int: ...
    @property
    def action(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def detail(self) -> dict[str, Any]: ...


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

    # Hides values that came from ${VAR} (a chat name may hold one): set by the run.
    mask: Callable[[str], str] = field(default=lambda text: text, repr=False)

    def say(self, line: str) -> None:
        """Record a sentence for the operator, with no ``${VAR}`` value in it: a message
        (``words.text(id, ...)``) is kept as said, so each reader has it in their
        language; any other text as it is."""
        self.lines.append(masked(line, self.mask))


Progress = Callable[[str, int, int | None], None]
"""``progress(what, done, total)``: called as long work advances (total may be unknown)."""


def no_progress(what: str, done: int, total: int | None) -> None:
    """A progress callback that shows nothing (daemon, tests)."""


@dataclass
class JobContext:
    """Everything one run of one job may use. Built by ``runner.execute``."""

    job: JobSpec
    client: PachcaClient  # the read-only view in a dry run
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
    # The client of the workspace owner's token (PACHCA_EXPORT_TOKEN), None: the main one.
    owner_client: PachcaClient | None = None
    button_secret: Keys = b""  # signs the data of the buttons a run posts (and checks it)
    server: RunnerServer | None = None  # the runner's HTTP server, when it runs
    plan: object | None = None  # what ``read_plan`` made of ``run-job --plan FILE``
    # How each configured recipient is named («name» (id)), by (entity_type, entity_id):
    # filled by the pre-run check, read by preview's labels.
    labels: dict[tuple[str, int], str] = field(default_factory=dict)
    # What is wrong with each recipient the token may not post to (the same check): a
    # post there is not sent (``Unreachable``), so it never becomes a bare 403.
    blocked: dict[tuple[str, int], str] = field(default_factory=dict)


P = TypeVar("P", bound="KindParams")

ButtonHandler = Callable[["BotContext", "ButtonClick", "ButtonAction"], Awaitable[str]]
"""Acts on one verified click of a kind's button; returns a short label for counts."""


class JobKind(ABC, Generic[P]):
    """One kind of scheduled work (digest, sweep, ...), generic in its parameters ``P``."""

    name: ClassVar[str]
    """The ``kind:`` value in jobs.yaml; equal to the module (or package) name."""

    Params: type[P]
    """The kind's own fields in a job entry, validated with ``extra="forbid"``."""

    summary: ClassVar[str] = ""
    """One line for ``jobs`` and the docs."""

    affects_chats: ClassVar[bool] = False
    """True if ``affected`` counts the chats a run would act on (``diff`` shows them)."""

    needs_server: ClassVar[bool] = False
    """True if a run needs the runner's HTTP server (e.g. to receive an export webhook)."""

    def scopes(self, params: P) -> frozenset[str]:
        """Token scopes a run needs (``chats:read``...), checked before it starts, so a
        token without them fails the run before its first call rather than half-way."""
        return frozenset()

    def templates(self, params: P) -> list[str]:
        """Template names (relative to the templates folder) this job renders."""
        return []

    def sample_context(self, params: P, template: str) -> dict[str, Any]:
        """Plausible data for ``template``, rendered at validation to catch typos early."""
        return {}

    def sample_key(self, params: P, template: str) -> Hashable | None:
        """Everything of ``params`` that ``sample_context(params, template)`` reads, or
        None. Jobs of one kind with equal keys get equal sample data, built once: a
        catalogue of thousands of jobs repeats a few, and building and telling them
        apart cost ``validate`` more than rendering. None: built for each job."""
        return None

    def inline_templates(self, params: P) -> dict[str, str]:
        """Jinja strings written in the job itself (field name -> source), such as a
        message ``text``: rendered at validation with ``sample_context(params, field)``."""
        return {}

    def check_rendered(
        self, params: P, field: str, render: Callable[[], str]
    ) -> str | None:
        """What is wrong with what inline template ``field`` renders to with sample data
        (``render()`` renders it), for ``validate``; None if nothing is."""
        return None

    @abstractmethod
    async def run(self, ctx: JobContext, params: P) -> None:
        """Do the work once. Record effects in ``ctx.report``; raise RunnerError on failure.

        Must be safe to call again for the same ``ctx.run.key`` after a crash: every
        effect is checked against the state store before it is made.
        """

    async def preview(self, ctx: JobContext, params: P) -> None:
        """Render what ``run`` would post, from live data, without any write call.

        The default runs the kind with ``ctx.dry_run`` set, which every kind honours.
        """
        await self.run(ctx, params)

    # -- optional hooks: what the kind adds to the core ---------------------------------

    button_actions: ClassVar[Mapping[str, ButtonHandler]] = {}
    """Button actions this kind's messages carry (``make_button_data(action, chat_id)``),
    by name; the bot's dispatcher hands a verified click on one to its handler."""

    messages: ClassVar[Mapping[str, tuple[str, str]]] = {}
    """The kind's operator messages by id: (English, Russian), as in ``runner.words``."""

    def run_actions(self, state: StateStore, run_id: int) -> Sequence[ChatAction]:
        """What run ``run_id`` did to chats, oldest first, for ``history show`` and the
        console's run page; read on the store's threads."""
        return ()

    def count_actions(self, state: StateStore, run_ids: Sequence[int]
                      ) -> Mapping[int, Mapping[str, int]]:
        """How many of each action each of ``run_ids`` has made so far (the progress
        of running runs); runs with none may be left out."""
        return {}

    def run_files(self, state: StateStore, job: str) -> Sequence[object]:
        """Files the runs of ``job`` made (each with ``start``, ``end``, ``file`` and
        ``size``), for the console's run page; read on the store's threads."""
        return ()

    route_prefixes: ClassVar[tuple[str, ...]] = ()
    """Paths under which ``routes`` serves (no other route may use them)."""

    async def routes(self, server: RunnerServer) -> Sequence[BaseRoute]:
        """Endpoints the kind serves on the runner's HTTP server, asked as it starts."""
        return ()

    def metrics(self, server: RunnerServer) -> Sequence[Metric]:
        """The kind's own metrics on the server's ``/metrics`` page."""
        return ()

    def read_plan(self, path: Path, job: JobSpec) -> object:
        """``run-job NAME --plan FILE``: the saved plan a run applies (``ctx.plan``).

        The default refuses: a kind takes a plan only if it makes them.
        """
        from runner import words
        from runner.errors import InputError

        raise InputError(words.text("plan.not_sweep_run", job=job.name, kind=job.kind))

    async def demo(self, demo: Demo) -> int:
        """The kind's part of ``pachca-runner demo`` after every sample job ran once (the
        sweep: a click on its warning, then a week later); returns the failures."""
        return 0

    async def affected(self, rt: Runtime, job: JobSpec) -> Mapping[int, str] | None:
        """The chats (id -> name) a run of ``job`` would act on now, reading only; ``diff``
        compares them before and after a change. None: the kind does not count them."""
        return None
