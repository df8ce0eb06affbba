"""``Runtime``: what every run shares, typed and frozen; built by ``runner.app.runtime``.

The objects are made once per process (or command) and never swapped: the Pachca
clients, the state store, the renderer, the key that signs buttons, the runner's HTTP
server when it runs. Only the catalogue changes, when the daemon reloads it
(``reload``); everything reads it through ``rt.catalogue``, so a reload takes effect
at the next read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.buttons import ButtonKeys
    from runner.catalogue import Catalogue
    from runner.execute import Outcome
    from runner.pachca.client import PachcaClient
    from runner.render import Renderer
    from runner.server import RunnerServer
    from runner.state.aio import Store

Clock = Callable[[], datetime]
Observer = Callable[["Outcome"], Awaitable[None]]
"""Told every run's outcome (failure alerts)."""


def system_clock() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def shifted_clock(at: datetime) -> Clock:
    """A clock that starts at ``at`` and runs at real speed (``run-job --at``)."""
    offset = at - system_clock()
    return lambda: system_clock() + offset


@dataclass
class Current:
    """The catalogue in force: the one mutable slot of a Runtime."""

    catalogue: Catalogue


@dataclass(frozen=True, eq=False)
class Runtime:
    """What every run shares; built once (``runner.app.runtime``) and passed down."""

    client: PachcaClient
    renderer: Renderer
    state: Store
    current: Current
    button_secret: ButtonKeys
    """The keys that sign and check button data (``runner.buttons``)."""
    owner_client: PachcaClient | None = None
    """The client of PACHCA_EXPORT_TOKEN (only a workspace owner may export), when that
    token is set and differs from the main one; None: the main client serves."""
    server: RunnerServer | None = None
    """The runner's HTTP server, when this runtime runs one (the daemon, webhooks)."""
    clock: Clock = system_clock
    lease: float = 30.0
    bot_user_id: int | None = None
    observers: list[Observer] = field(default_factory=list)

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue in force."""
        return self.current.catalogue

    def reload(self, catalogue: Catalogue) -> None:
        """Put ``catalogue`` in force (the daemon after SIGHUP)."""
        self.current.catalogue = catalogue
