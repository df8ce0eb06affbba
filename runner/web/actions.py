"""What an operator does from the console: pause and resume a job, run it now (or as a
dry run), undo a sweep run. Each is a POST that needs an operator's session and the
session's CSRF token, and each is recorded (who, what, when) on the job it touched.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from runner import words
from runner.errors import RunnerError
from runner.web.forms import PREFIX, inside, read_form

if TYPE_CHECKING:
    from runner.catalogue import JobSpec
    from runner.web.app import Console
    from runner.web.auth import Session

log = logging.getLogger("runner.console")


def routes(console: Console) -> list[Route]:
    """The console's action endpoints."""
    acts = Actions(console)
    return [
        Route("/jobs/{name}/pause", acts.pause, methods=["POST"]),
        Route("/jobs/{name}/resume", acts.resume, methods=["POST"]),
        Route("/jobs/{name}/run", acts.run, methods=["POST"]),
        Route("/jobs/{name}/run", acts.ask_run, methods=["GET"]),
        Route("/runs/{run_id:int}/undo", acts.undo, methods=["POST"]),
        Route("/runs/{run_id:int}/undo", acts.ask_undo, methods=["GET"]),
    ]


class Actions:
    """The endpoints, over the console they act through."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def _operator(self, request: Request) -> tuple[Session, dict[str, str]] | Response:
        return await operator_form(self.console, request)

    def _job(self, request: Request) -> JobSpec | None:
        return self.console.rt.catalogue.jobs.get(request.path_params["name"])

    async def _acting(self, request: Request
                      ) -> tuple[Session, dict[str, str], JobSpec] | Response:
        checked = await self._operator(request)
        if isinstance(checked, Response):
            return checked
        job = self._job(request)
        if job is None:
            return self.console.missing_page(request, checked[0])
        return (*checked, job)

    async def ask_run(self, request: Request) -> Response:
        """Before a real run: what it is, and the button that starts it (a run posts to
        people; a misplaced click on the list must not)."""
        me = await operator_reader(self.console, request)
        if isinstance(me, Response):
            return me
        job = self._job(request)
        if job is None:
            return self.console.missing_page(request, me)
        return self.console.page(request, "confirm.html", {
            "question": ("confirm.run", {"job": job.name}), "lines": [],
            "note": "confirm.run_note", "action": f"{PREFIX}/jobs/{job.name}/run",
            "button": ("run", "confirm.run_yes"), "back": f"{PREFIX}/jobs/{job.name}"}, me=me)

    async def ask_undo(self, request: Request) -> Response:
        """Before an undo: the chats it would bring back, as ``pachca-runner undo`` asks."""
        from runner.kinds.sweep import undo as undo_mod

        console = self.console
        me = await operator_reader(console, request)
        if isinstance(me, Response):
            return me
        run_id = request.path_params["run_id"]
        with words.speaking(console.lang(request)):
            try:
                planned = await undo_mod.plan(console.rt.state, console.rt.client, run_id,
                                              console.zones())
            except RunnerError as exc:
                return console.refused_page(request, me, exc, 409)
            lines = [line.strip() for line in planned.lines()]
        return console.page(request, "confirm.html", {
            "question": ("confirm.undo", {"id": run_id}), "lines": lines, "note": "",
            "action": f"{PREFIX}/runs/{run_id}/undo", "button": ("undo", "confirm.undo_yes"),
            "back": f"{PREFIX}/runs/{run_id}"}, me=me)

    async def pause(self, request: Request) -> Response:
        """Pause the job's scheduled fires, with the reason given."""
        acting = await self._acting(request)
        if isinstance(acting, Response):
            return acting
        me, form, job = acting
        state = self.console.rt.state
        reason = form.get("reason", "").strip()[:200]
        await state.operator.pause(job.name, me.user.name, reason)
        await state.operator.record(job.name, me.user.name, "pause", detail=reason)
        return _back(form)

    async def resume(self, request: Request) -> Response:
        """Lift the job's pause."""
        acting = await self._acting(request)
        if isinstance(acting, Response):
            return acting
        me, form, job = acting
        state = self.console.rt.state
        if await state.operator.resume(job.name):
            await state.operator.record(job.name, me.user.name, "resume")
        return _back(form)

    async def run(self, request: Request) -> Response:
        """Start a run (``dry=1``: a dry run) now; it shows in the history as it goes."""
        acting = await self._acting(request)
        if isinstance(acting, Response):
            return acting
        me, form, job = acting
        dry = form.get("dry") == "1"
        task = asyncio.create_task(self._run(job, me.user.name, dry))
        self.console.tasks.add(task)
        task.add_done_callback(self.console.tasks.discard)
        return RedirectResponse(f"{_prefix()}/runs?job={job.name}", status_code=303)

    async def _run(self, job: JobSpec, who: str, dry: bool) -> None:
        from runner.execute import execute, is_dry_run, run_key
        from runner.web.progress import Tracker

        rt = self.console.rt
        what = "dry-run" if dry else "run"
        # The key is chosen here, so the pages can find the run's progress under it.
        key = run_key(job, None, dry_run=is_dry_run(job, dry))
        tracker = Tracker(rt.state, job.name, key)
        try:
            outcome = await execute(rt, job, dry_run=dry, key=key, progress=tracker)
        except RunnerError as exc:
            log.error("%s", words.text("console.run_unrecorded", what=what, job=job.name, who=who,
                                      error=rt.catalogue.mask(str(exc))))
            await rt.state.operator.record(job.name, who, what, detail="unrecorded")
            return
        finally:
            await tracker.close()
        await rt.state.operator.record(job.name, who, what, run_id=outcome.run_id,
                                       detail=outcome.status)

    async def undo(self, request: Request) -> Response:
        """Unarchive what a sweep run archived (as ``pachca-runner undo``)."""
        from runner.kinds.sweep import undo as undo_mod

        checked = await self._operator(request)
        if isinstance(checked, Response):
            return checked
        me, _ = checked
        console = self.console
        rt = console.rt
        run_id = request.path_params["run_id"]
        with words.speaking(console.lang(request)):  # why not, and what it did: told in
            try:                                     # the operator's language
                planned = await undo_mod.plan(rt.state, rt.client, run_id, console.zones())
                result = await undo_mod.apply(rt.state, rt.client, planned)
            except RunnerError as exc:
                return console.refused_page(request, me, exc, 409)
            detail = "; ".join(result.lines()[-1:])
        await rt.state.operator.record(planned.run.job, me.user.name, "undo", run_id=run_id,
                                       detail=detail)
        return RedirectResponse(f"{_prefix()}/runs/{run_id}", status_code=303)


async def operator_reader(console: Console, request: Request) -> Session | Response:
    """The operator reading a page that offers an action, or the refusal: not logged
    in, or not an operator."""
    me = await console.reader(request)
    if isinstance(me, Response) or me.user.operator:
        return me
    return console.page(request, "error.html", {"message": "error.viewer"}, status=403, me=me)


async def operator_form(console: Console, request: Request
                        ) -> tuple[Session, dict[str, str]] | Response:
    """The acting operator and the form, or the refusal: not logged in, not an operator,
    or no (or a wrong) CSRF token."""
    from runner.web.auth import same

    me = await operator_reader(console, request)
    if isinstance(me, Response):
        return me
    form = await read_form(request)
    if not same(form.get("csrf"), me.csrf):
        return console.page(request, "error.html", {"message": "error.csrf"},
                            status=403, me=me)
    return me, form


def _prefix() -> str:
    return PREFIX


def _back(form: dict[str, str]) -> Response:
    return RedirectResponse(inside(form.get("next", "")), status_code=303)
