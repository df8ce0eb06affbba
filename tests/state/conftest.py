"""Fixtures for the state store tests: every behavioural test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from runner.state import StateStore

T = TypeVar("T")
START = 1_700_000_000.0  # 2023-11-14T22:13:20Z


class FakeClock:
    """Wall time that moves only when a test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock shared by every store a test opens."""
    return FakeClock()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty state database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return str(request.getfixturevalue("pg_store_url"))


StoreFactory = Callable[..., StateStore]


@pytest.fixture
def open_store(store_url: str, clock: FakeClock) -> Iterator[StoreFactory]:
    """Open stores on the test's database (one per replica name); all closed afterwards."""
    opened: list[StateStore] = []

    def open_(replica: str = "replica-a") -> StateStore:
        store = StateStore(store_url, replica=replica, clock=clock)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: StoreFactory) -> StateStore:
    """The store of replica ``replica-a`` on a fresh database."""
    return open_store("replica-a")


def race(workers: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``workers`` threads released together; return their results."""
    barrier = threading.Barrier(workers, timeout=30)
    results: list[T | BaseException] = [RuntimeError("did not run")] * workers

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as error:  # noqa: BLE001 - handed back to the caller
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]
