"""The async store's methods, one class per concern; ``Store`` holds one of each.

Each method runs one synchronous ``StateStore`` method (one transaction) on the
store's threads; see that method for what it guarantees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from runner.concurrency import Grouped

if TYPE_CHECKING:
    from concurrent.futures import Future

    from runner.state.aio import Store
    from runner.state.models import AlertState, RunHandle, RunRecord, TargetRecord
    from runner.state.operator import AuditEntry, Pause
    from runner.state.prune import PruneStep

T = TypeVar("T")
Detail = Callable[[int], Mapping[str, Any]]
"""An effect's start record, given the highest message id recorded when it was read."""
Begun = tuple["TargetRecord | None", int] | Exception
"""What ``begin`` read (record, floor), or what its start raised."""
GROUP_WAIT = 0.005
GROUP_ENOUGH = 16
"""How long (seconds) a fan-out's begins and finishes wait for others to share their
transaction (``Grouped``), and how many are enough. In a fan-out they come one by one,
as answers come back, and a transaction each cost twice the store's CPU of one per
batch. Five milliseconds is far below a request's round trip, and a fan-out's records
run ahead of its posts, so no request waits for them."""


def _each_none(write: Callable[[list[T]], None], items: list[T]) -> list[None]:
    """``write(items)``, and one None per item (what ``Grouped`` hands each caller)."""
    write(items)
    return [None] * len(items)


class _Concern:
    def __init__(self, store: Store) -> None:
        self._engine = store.sync
        self._call = store.call
        self._submit_soon = store.submit_soon


class RunsApi(_Concern):
    """Exactly-once claims with leases, and the run history."""

    async def claim(self, job: str, key: str, *, kind: str, scheduled_for: datetime | None,
                    lease: float, dry_run: bool = False, retry_failed: bool = False,
                    ) -> RunHandle | None:
        """Claim run ``key`` for this replica, or None if it is not ours to run."""
        return await self._call(self._engine.claim, job, key, kind=kind,
                                scheduled_for=scheduled_for, lease=lease, dry_run=dry_run,
                                retry_failed=retry_failed)

    async def renew(self, handle: RunHandle, lease: float) -> bool:
        """Extend the lease; False if the claim was lost."""
        return await self._call(self._engine.renew, handle, lease)

    async def finish(self, handle: RunHandle, status: str, *, counts: Mapping[str, int],
                     lines: list[str], error: str | None) -> None:
        """Record how a claimed run ended; StateError if the claim was lost."""
        await self._call(self._engine.finish, handle, status, counts=counts, lines=lines,
                         error=error)

    async def release(self, handle: RunHandle) -> None:
        """Give a claim up unfinished (shutdown): another replica may resume it."""
        await self._call(self._engine.release, handle)

    async def history(self, job: str | None = None, limit: int = 20, *,
                      status: str | None = None, statuses: Sequence[str] | None = None,
                      since: datetime | None = None, until: datetime | None = None,
                      offset: int = 0) -> list[RunRecord]:
        """Runs, newest first (filters as ``StateStore.runs``)."""
        return await self._call(self._engine.runs, job, limit, status=status,
                                statuses=statuses, since=since, until=until, offset=offset)

    async def counts(self) -> dict[tuple[str, str], int]:
        """How many runs each (job, status) has; dry runs left out."""
        return await self._call(self._engine.run_counts)

    async def by_key(self, key: str) -> RunRecord | None:
        """The run claimed under ``key``, or None."""
        return await self._call(self._engine.run_by_key, key)

    async def get(self, run_id: int) -> RunRecord | None:
        """One run by id."""
        return await self._call(self._engine.get_run, run_id)

    async def last(self, job: str, status: str | None = "succeeded") -> RunRecord | None:
        """The newest non-dry run of ``job`` with ``status`` (any if None)."""
        return await self._call(self._engine.last_run, job, status)

    async def last_scheduled_fire(self, job: str) -> datetime | None:
        """The latest ``scheduled_for`` of any claimed (non-dry) run of ``job``."""
        return await self._call(self._engine.last_scheduled_fire, job)

    async def last_success_fire(self, job: str, before: datetime) -> datetime | None:
        """The latest fire time before ``before`` of a succeeded (non-dry) run of ``job``."""
        return await self._call(self._engine.last_success_fire, job, before)

    async def stale(self) -> list[RunRecord]:
        """Runs marked running whose lease expired."""
        return await self._call(self._engine.stale_runs)

    async def abandon(self, record: RunRecord, reason: str) -> bool:
        """Mark a stale run abandoned; False if someone else acted first."""
        return await self._call(self._engine.abandon, record, reason)

    async def prune_step(self, older_than: datetime, start: int | None, *,
                         batch: int | None = None) -> PruneStep:
        """One bounded step of pruning the history from run id ``start``, of at most
        ``batch`` rows of each table (None: ``prune.PRUNE_BATCH``)."""
        sized = {} if batch is None else {"batch": batch}
        return await self._call(self._engine.prune_step, older_than, start, **sized)

    async def prune_events_step(self, older_than: datetime, *, batch: int | None = None) -> int:
        """Delete one batch of bot events handled before ``older_than``; how many."""
        sized = {} if batch is None else {"batch": batch}
        return await self._call(self._engine.prune_events_step, older_than, **sized)


class ReplicasApi(_Concern):
    """Which replicas share the store, by their heartbeats."""

    async def heartbeat(self) -> None:
        """Record that this replica is alive now."""
        await self._call(self._engine.heartbeat)

    async def live(self, within: float) -> list[str]:
        """Replicas with a heartbeat in the last ``within`` seconds."""
        return await self._call(self._engine.live_replicas, within)

    async def seen(self) -> list[tuple[str, datetime]]:
        """Every replica that ever beat, with its last heartbeat, the latest first."""
        return await self._call(self._engine.replicas_seen)


class EffectsApi(_Concern):
    """Progress of each effect of a run: recorded before and after it is made.

    ``begin``, ``target_and_floor`` and ``finish`` of concurrent tasks (a fan-out's posts)
    share transactions (``Grouped``): each caller returns only once its own record is
    read or committed, so every effect is still recorded before its request and after
    its answer. ``begin`` reads whether each effect was started and starts the fresh
    ones in one write transaction, a commit per batch instead of a read and a commit per
    post (in a fan-out to 500 chats, those took a third of the run's CPU once it had
    started posting); a batch that cannot be written is retried item by item, so a start
    that fails fails only its own post. A batch of finishes that fails to commit fails
    each of its callers.
    ``start`` (an effect whose files are uploaded between its read and its start) stays
    one transaction per effect; the starts of concurrent tasks share only the trip to
    the store's threads.
    """

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._reads: Grouped[tuple[str, str], tuple[TargetRecord | None, int]] = Grouped(
            lambda keys: self._call(self._engine.targets_and_floor, keys))
        self._starts: Grouped[tuple[str, str, Mapping[str, Any]], Exception | None] = Grouped(
            lambda items: self._call(self._engine.start_targets, items))
        self._begins: Grouped[tuple[str, str, Detail], Begun] = Grouped(
            lambda items: self._call(self._engine.begin_targets, items),
            linger=GROUP_WAIT, enough=GROUP_ENOUGH)
        self._finishes: Grouped[tuple[str, str, Mapping[str, Any]], None] = Grouped(
            lambda items: self._call(_each_none, self._engine.finish_targets, items),
            linger=GROUP_WAIT, enough=GROUP_ENOUGH)

    async def target(self, run_key: str, target: str) -> TargetRecord | None:
        """One effect's progress, or None if never started."""
        return await self._call(self._engine.target, run_key, target)

    async def target_and_floor(self, run_key: str, target: str
                               ) -> tuple[TargetRecord | None, int]:
        """``target`` and the highest message id any post recorded, in one read."""
        return await self._reads.submit((run_key, target))

    async def start(self, run_key: str, target: str, detail: Mapping[str, Any]) -> None:
        """Mark an effect as about to happen (a done one stays done)."""
        failed = await self._starts.submit((run_key, target, detail))
        if failed is not None:
            raise failed

    async def begin(self, run_key: str, target: str, detail: Detail
                    ) -> tuple[TargetRecord | None, int]:
        """``target_and_floor``, and for an effect never started, ``start`` with
        ``detail(floor)`` as well, in one transaction. Returns what was read: None means
        that this call started the effect (its record is committed); a record found is
        left as it was, for the caller to decide."""
        begun = await self._begins.submit((run_key, target, detail))
        if isinstance(begun, Exception):
            raise begun
        return begun

    async def finish(self, run_key: str, target: str, detail: Mapping[str, Any]) -> None:
        """Mark an effect as done: never made again for this run key."""
        await self._finishes.submit((run_key, target, detail))

    async def targets(self, run_key: str) -> list[TargetRecord]:
        """Every effect of run ``run_key``, by name."""
        return await self._call(self._engine.targets, run_key)

    async def drop(self, run_key: str, target: str) -> None:
        """Forget a refused effect (it was not made)."""
        await self._call(self._engine.drop_target, run_key, target)

    async def message_taken(self, message_id: int, *, besides: tuple[str, str]) -> bool:
        """Whether a target other than ``besides`` recorded this message."""
        return await self._call(self._engine.message_taken, message_id, besides=besides)


class ValuesApi(_Concern):
    """Small JSON values a job keeps between runs."""

    async def get(self, job: str, name: str, default: Any = None) -> Any:
        """The value, or ``default``."""
        return await self._call(self._engine.get_value, job, name, default)

    async def set(self, job: str, name: str, value: Any) -> None:
        """Keep ``value`` for ``job`` under ``name``."""
        await self._call(self._engine.set_value, job, name, value)

    async def first(self, job: str, name: str, value: Any) -> Any:
        """The value kept, ``value`` kept first if none was (``first_value``)."""
        return await self._call(self._engine.first_value, job, name, value)


class OperatorApi(_Concern):
    """Pauses and the record of operators' actions."""

    async def pause(self, job: str, by: str, reason: str = "") -> Pause:
        """Pause ``job``'s scheduled fires."""
        return await self._call(self._engine.pause, job, by, reason)

    async def resume(self, job: str) -> bool:
        """Lift the pause; whether it was paused."""
        return await self._call(self._engine.resume, job)

    async def paused(self, jobs: Iterable[str] | None = None) -> dict[str, Pause]:
        """The paused jobs (of ``jobs``, or all) and their pauses."""
        return await self._call(self._engine.paused, None if jobs is None else list(jobs))

    def paused_at_fire(self, jobs: Sequence[str]) -> Future[dict[str, Pause]]:
        """``paused``, submitted now to the store's fire lane (``Store.submit_soon``):
        asked at every fire, it must not wait behind other runs' writes."""
        return self._submit_soon(self._engine.paused, list(jobs))

    async def record(self, job: str, who: str, what: str, *, run_id: int | None = None,
                     detail: str = "") -> AuditEntry:
        """Remember that ``who`` did ``what`` to ``job`` now."""
        return await self._call(self._engine.record_audit, job, who, what, run_id=run_id,
                                detail=detail)

    async def audit(self, job: str, *, run_id: int | None = None, limit: int = 50
                    ) -> list[AuditEntry]:
        """The newest actions on ``job``."""
        return await self._call(self._engine.audit, job, run_id=run_id, limit=limit)


class LoginsApi(_Concern):
    """Wrong console passwords per name, counted for every replica."""

    async def failures(self, name: str, within: float) -> int:
        """How many wrong passwords ``name`` had in the last ``within`` seconds."""
        return await self._call(self._engine.login_failures, name,
                                self._engine.login_window(within))

    async def failed(self, name: str, window: float) -> None:
        """Count a wrong password for ``name`` now (dropping those older than ``window``)."""
        await self._call(self._engine.login_failed, name, self._engine.login_window(window))

    async def succeeded(self, name: str) -> None:
        """Forget ``name``'s wrong passwords."""
        await self._call(self._engine.login_succeeded, name)


class ProgressApi(_Concern):
    """How far running runs have got, for every replica's pages."""

    async def set(self, job: str, key: str, what: str, done: int, total: int | None) -> None:
        """Keep the newest progress report of run ``key``."""
        await self._call(self._engine.set_progress, job, key, what, done, total)

    async def clear(self, job: str, key: str) -> None:
        """Forget run ``key``'s progress (it ended)."""
        await self._call(self._engine.clear_progress, job, key)


class EventsApi(_Concern):
    """Bot events handled exactly once."""

    async def mark_handled(self, event_id: str) -> bool:
        """Mark an event handled; False if it already was (exactly one caller wins)."""
        return await self._call(self._engine.mark_event_handled, event_id)


class AlertsApi(_Concern):
    """Failure streaks behind the operators' alerts."""

    async def get(self, job: str) -> AlertState | None:
        """``job``'s failure streak, or None when it is healthy."""
        return await self._call(self._engine.alert_state, job)

    async def set(self, job: str, **fields: Any) -> AlertState:
        """Set fields of ``job``'s streak (creating it); the new state."""
        return await self._call(self._engine.set_alert_state, job, **fields)

    async def clear(self, job: str) -> None:
        """Forget ``job``'s streak (it succeeded again)."""
        await self._call(self._engine.clear_alert_state, job)
