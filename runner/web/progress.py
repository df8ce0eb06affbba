"""Progress of a run started from the console, kept where every replica's pages see it.

The kinds call ``progress(what, done, total)`` on the event loop, often (once per chat
archived). Writing each call to the state store would compete with the run's own
writes, so ``Tracker`` keeps the newest report in memory and one task writes it out,
then waits ``EVERY`` seconds before writing the next newest: the store sees at most two
writes a second per run, and the page is never more than that behind. The report is
removed when the run ends (the history then has the run's counts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from runner import words
from runner.errors import RunnerError

if TYPE_CHECKING:
    from runner.state.aio import Store

log = logging.getLogger("runner.console")

EVERY = 0.5
"""Seconds between two writes of one run's progress."""


class Tracker:
    """The progress callback of one run (key ``key`` of ``job``)."""

    def __init__(self, state: Store, job: str, key: str) -> None:
        self.state, self.job, self.key = state, job, key
        self._latest: tuple[str, int, int | None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._ended = asyncio.Event()

    def __call__(self, what: str, done: int, total: int | None) -> None:
        if self._ended.is_set():
            return
        self._latest = (what, done, total)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        while self._latest is not None and not self._ended.is_set():
            what, done, total = self._latest
            self._latest = None
            try:
                await self.state.progress.set(self.job, self.key, what, done, total)
            except RunnerError as exc:  # the run goes on; only its progress goes unseen
                log.warning("%s", words.text("progress.not_recorded", key=self.key, error=exc))
                return
            # Reports that come meanwhile replace each other: only the newest is written.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ended.wait(), EVERY)

    async def close(self) -> None:
        """The run ended: let a write under way finish (never cut a thread's write
        short, it would land after the removal), then remove the run's report."""
        self._ended.set()
        if self._writer is not None:
            await self._writer
        try:
            await self.state.progress.clear(self.job, self.key)
        except RunnerError as exc:  # only a stale report is left: shown for no running run
            log.warning("%s", words.text("progress.not_removed", key=self.key, error=exc))
