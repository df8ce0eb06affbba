"""What a run recorded reads in the page's language, whichever language the runner that
ran it spoke: the runs list and the run page, its lines and its error."""

from __future__ import annotations

import html

import pytest

from runner import words
from runner.errors import ApiError
from tests.web.conftest import Served


def record(served: Served, language: str) -> int:
    """A failed run of ``notice`` as a runner speaking ``language`` records it."""
    store = served.rt.state.sync
    run = store.claim("notice", f"notice@{language}", kind="message", scheduled_for=None,
                      lease=60)
    assert run is not None
    with words.speaking(language):
        refused = ApiError(403, "POST", "/messages", "forbidden")
        store.finish(run, "failed", counts={}, lines=[words.text("digest.empty")],
                     error=words.text("run.internal", type="X", error=refused))
    return run.run_id


@pytest.mark.parametrize(("written", "read"), [("en", "ru"), ("ru", "en")])
async def test_a_runs_lines_and_error_read_in_the_pages_language(
        served: Served, written: str, read: str) -> None:
    run_id = record(served, written)
    await served.http.get(f"/console/lang/{read}")
    with words.speaking(read):
        refused = ApiError(403, "POST", "/messages", "forbidden")
        line, error = words.text("digest.empty"), words.text("run.internal", type="X",
                                                              error=refused)
    with words.speaking(written):
        not_shown = words.text("digest.empty")

    run_page = html.unescape((await served.http.get(f"/console/runs/{run_id}")).text)
    runs = html.unescape((await served.http.get("/console/runs")).text)

    assert line in run_page and error in run_page
    assert not_shown not in run_page
    assert error in runs
