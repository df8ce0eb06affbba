"""What the reliability suite shares: a fork server for ``pachca-runner`` processes, and a
tally of what it tried, printed after the run.

Tests add to ``TALLY`` (faults injected, crash points, bad inputs); the summary line at
the end of the session (``tests/conftest.py``, which adds up the test workers' tallies when
the suite runs in several processes) is where the README's "Reliability" numbers come from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from tests.reliability.procs import Forker

TALLY: Counter[str] = Counter()
TALLY_KEY = "reliability_tally"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a test worker (pytest-xdist), hand this process's tally to the main one."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output[TALLY_KEY] = dict(TALLY)


@pytest.fixture(scope="session")
def forker() -> Iterator[Forker]:
    """A fork server that imported the runner once (see ``forker.py``)."""
    server = Forker()
    yield server
    server.close()
