"""What the reliability suite shares: a fork server for ``pachca-runner`` processes, and a
tally of what it tried, printed after the run.

Tests add to ``TALLY`` (faults injected, crash points, bad inputs); the summary line at
the end of the session is where the README's "Reliability" numbers come from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from tests.reliability.procs import Forker

TALLY: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line with what the reliability tests tried, if any of them ran."""
    if TALLY:
        terminalreporter.write_sep("-", "reliability")
        terminalreporter.write_line(", ".join(f"{k}: {v}" for k, v in sorted(TALLY.items())))


@pytest.fixture(scope="session")
def forker() -> Iterator[Forker]:
    """A fork server that imported the runner once (see ``forker.py``)."""
    server = Forker()
    yield server
    server.close()
