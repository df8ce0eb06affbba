"""``Runtime``: what every run shares, typed and frozen; built by ``runner.app.runtime``.

The objects are made once per process (or command) and never swapped: the Pachca
clients, the state store, the renderer, the key that signs buttons, the runner's HTTP
server when it runs. Only the catalogue changes, when the daemon reloads it
(``reload``); everything reads it through ``rt.catalogue``, so a reload takes effect
at the next read.
"""

from __future__ import annotations

import asyncio
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


class BotUser:
    """Whose messages are the runner's own: ``PACHCA_RUNNER_BOT_USER_ID``, or else the
    token's user, asked for when the runtime opens and awaited by what needs it first
    (``get``). A run needs it only once its checks have read what it posts to, so the
    question goes out beside those reads, not a round trip before them."""

    def __init__(self, known: int | None = None,
                 asking: asyncio.Future[int] | None = None) -> None:
        self._known = known
        self._asking = asking

    async def get(self) -> int | None:
        """The user id (None: neither set nor asked)."""
        if self._known is None and self._asking is not None:
            # Shielded: a caller cancelled (a run timing out) leaves the answer to others.
            self._known = await asyncio.shield(self._asking)
        return self._known

    async def close(self) -> None:
        """Stop asking; an answer or failure no one awaited (a run skipped as already
        done, or failed on the same bad token first) is dropped."""
        if self._asking is None:
            return
        self._asking.cancel()
        await asyncio.gather(self._asking, return_exceptions=True)


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
    bot_user: BotUser = field(default_factory=BotUser)
    observers: list[Observer] = field(default_factory=list)

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue in force."""
        return self.current.catalogue

    def reload(self, catalogue: Catalogue) -> None:
        """Put ``catalogue`` in force (the daemon after SIGHUP)."""
        self.current.catalogue = catalogue
