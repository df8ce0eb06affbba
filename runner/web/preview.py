"""The Preview page: a job's messages rendered as Pachca shows them (markdown, mentions
as names, the job's link buttons), from live data, for each recipient. It is a dry run,
as ``pachca-runner preview``: nothing is posted, and the history shows it as one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runner import words
from runner.errors import RunnerError
from runner.web.files import Attached, drafted

if TYPE_CHECKING:
    from runner.web.app import Console

_MENTION = re.compile(r"<@(\d+)>")


@dataclass(frozen=True)
class Shown:
    """One message as Pachca would show it: where it goes, its HTML, its files."""

    to: str
    html: str
    files: list[Attached] = field(default_factory=list)


def routes(console: Console) -> list[Route]:
    """The Preview page."""

    async def preview(request: Request) -> Response:
        return await show(console, request)

    return [Route("/preview/{name}", preview, methods=["GET"])]


def to_html(text: str) -> str:
    """Pachca's markdown as HTML: single line breaks kept; raw HTML shown as text and
    unsafe links (javascript: and the like) refused, so a message cannot script the page."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(
        ["strikethrough", "table"])
    return str(md.render(text))


def named(text: str, mentions: dict[int, str]) -> str:
    """``<@id>`` shown as ``@Имя Фамилия``, as Pachca shows a mention."""
    return _MENTION.sub(lambda m: "@" + mentions.get(int(m.group(1)), m.group(0)), text)


async def show(console: Console, request: Request) -> Response:
    """Run the job dry and show what it would post."""
    from runner.execute import execute

    me = await console.reader(request)
    if isinstance(me, Response):
        return me
    job = console.rt.catalogue.jobs.get(request.path_params["name"])
    if job is None:
        return console.missing_page(request, me)
    hide = console.hider()
    try:
        with words.speaking(console.lang(request)):  # its lines, in the reader's language
            outcome = await execute(console.rt, job, dry_run=True)
    except RunnerError as exc:
        return console.refused_page(request, me, exc, 502)
    report = outcome.report
    shown = [
        Shown(to=report.addressed[i] if i < len(report.addressed) else "",
              html=to_html(hide(named(text, report.mentions))),
              files=drafted(report, i))
        for i, text in enumerate(report.messages)
    ]
    buttons: Any = getattr(job.params, "buttons", None) or []
    return console.page(request, "preview.html", {
        "job": job, "shown": shown, "outcome": outcome, "buttons": buttons,
        "error": hide(outcome.error or ""), "lines": [hide(line) for line in report.lines]},
        me=me)
