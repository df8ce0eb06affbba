"""The Preview page: the job's messages rendered from live data as Pachca shows them
(markdown as HTML, mentions as names, link buttons), nothing posted, no script."""

from __future__ import annotations

import asyncio

from runner.web.preview import to_html
from tests.web.conftest import Served


async def test_preview_renders_the_messages_and_posts_nothing(served: Served) -> None:
    mark = served.harness.mark()
    page = await served.http.get("/console/preview/notice")
    assert page.status_code == 200
    assert "<p>Доброе утро</p>" in page.text
    assert f"({served.chat})" in page.text  # the recipient, named with its id
    assert served.harness.writes(mark) == []  # a dry run: nothing posted
    [run] = await asyncio.to_thread(served.rt.state.sync.runs, "notice")
    assert run.dry_run
    assert (await served.http.get("/console/preview/nope")).status_code == 404


def test_markdown_is_shown_safely() -> None:
    html = to_html("**жирный**\nвторая строка <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>жирный</strong><br" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
