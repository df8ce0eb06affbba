"""Files attached to messages, as the console shows them: name, size and a link.

A preview's files are the ones the dry run rendered (a chart, a CSV): the page carries
them inline (``data:`` links, so nothing is kept on the server between requests). A
posted message's files live in Pachca: the run page lists the names and sizes the run
recorded, and each link asks Pachca for the message when clicked and goes on to the
file's download URL, which Pachca signs for a limited time and so is never stored.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from runner.errors import RunnerError

if TYPE_CHECKING:
    from runner.kinds.base import RunReport
    from runner.web.app import Console


@dataclass(frozen=True)
class Attached:
    """One attached file: its name, size in bytes, link, and whether it is a picture."""

    name: str
    size: int | None
    href: str
    image: bool = False


def drafted(report: RunReport, index: int) -> list[Attached]:
    """The files a dry run would attach to its message ``index``, as inline links."""
    shown = []
    for name in report.files.get(index, []):
        found = report.drafts.get(name)
        if found is None:  # the source failed: the text says so, no file goes
            continue
        content_type, data = found
        href = f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
        shown.append(Attached(name, len(data), href, content_type.startswith("image/")))
    return shown


def posted(prefix: str, run_id: int, message_id: int, files: list[dict[str, Any]]
           ) -> list[Attached]:
    """The files a run recorded for its message ``message_id``, linked through the
    console (``routes``)."""
    return [Attached(str(f.get("name", "")), f.get("size"),
                     f"{prefix}/runs/{run_id}/messages/{message_id}/files/{i}")
            for i, f in enumerate(files)]


def size_text(size: int | None, lang: str = "ru") -> str:
    """A file size people read («14,2 КБ»), as the export notice writes it."""
    if size is None:
        return ""
    from runner.sizes import size_text as bytes_text

    return bytes_text(size, lang)


def routes(console: Console) -> list[Route]:
    """The link to a posted message's file."""

    async def download(request: Request) -> Response:
        return await _download(console, request)

    return [Route("/runs/{run_id:int}/messages/{message_id:int}/files/{n:int}", download,
                  methods=["GET"])]


async def _download(console: Console, request: Request) -> Response:
    """Go on to file ``n`` of a message the run posted (and only such a message)."""
    me = await console.reader(request)
    if isinstance(me, Response):
        return me
    rt = console.rt
    run_id, message_id = request.path_params["run_id"], request.path_params["message_id"]
    n = request.path_params["n"]
    record = await rt.state.runs.get(run_id)
    targets = await rt.state.effects.targets(record.key) if record else []
    names = next((t.detail.get("files") or [] for t in targets
                  if t.status == "done" and t.detail.get("message_id") == message_id), [])
    if n >= len(names):
        return console.missing_page(request, me)
    try:
        message = await rt.client.get_message(message_id)
    except RunnerError as exc:
        return console.refused_page(request, me, exc, 502)
    wanted = names[n].get("name")
    found = next((f for f in message.files if f.name == wanted), None)
    if found is None:  # edited away in Pachca since
        return console.missing_page(request, me)
    return RedirectResponse(found.url, status_code=303)
