"""The Sweep plans page: what a sweep's next run would do to which chat and why, and the
operator's approval, after which that run applies exactly the approved plan (chats that
changed since are skipped with the reason, as ``run-job --plan`` does).

The plan shown is kept in the state store; approving names the moment it was made, so
an operator approves the plan they read, never a newer one someone else opened since.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from runner import words
from runner.errors import RunnerError
from runner.kinds.sweep import plans
from runner.web import texts
from runner.web.forms import PREFIX

if TYPE_CHECKING:
    from runner.web.app import Console

SHOWN = "console_plan_shown"


def routes(console: Console) -> list[Route]:
    """The Sweep plans pages."""
    pages = PlanPages(console)
    return [
        Route("/plans", pages.index, methods=["GET"]),
        Route("/plans/{name}", pages.show, methods=["GET"]),
        Route("/plans/{name}/approve", pages.approve, methods=["POST"]),
    ]


class PlanPages:
    """The endpoints, over the console."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def _sweeps(self) -> list[str]:
        return sorted(j.name for j in self.console.rt.catalogue.jobs.values()
                      if j.kind == "sweep")

    async def index(self, request: Request) -> Response:
        """The sweeps: each links to its plan."""
        me = await self.console.reader(request)
        if isinstance(me, Response):
            return me
        state = self.console.rt.state
        waiting = {name: await plans.approved(state.values, name)
                   for name in self._sweeps()}
        return self.console.page(request, "plans.html", {
            "sweeps": waiting, "zones": self.console.zones()}, me=me)

    async def show(self, request: Request) -> Response:
        """Scan now (read-only) and show the plan, with the approve button."""
        console = self.console
        me = await console.reader(request)
        if isinstance(me, Response):
            return me
        name = request.path_params["name"]
        job = console.rt.catalogue.jobs.get(name)
        if job is None or job.kind != "sweep":
            return console.missing_page(request, me)
        from runner.kinds.sweep.planning import plan_in

        try:
            with words.speaking(console.lang(request)):  # its reasons, in the reader's
                plan = await plan_in(console.rt, job)
        except RunnerError as exc:
            return console.refused_page(request, me, exc, 502)
        await console.rt.state.values.set(name, SHOWN, plan.to_json())
        approval = await plans.approved(console.rt.state.values, name)
        hide = console.hider()
        return console.page(request, "plan.html", {
            "plan": plan, "job": job, "approval": approval, "hide": hide,
            "zone": console.zones().get(name),
            "require": getattr(job.params, "require_approval", False)}, me=me)

    async def approve(self, request: Request) -> Response:
        """Approve the plan shown (named by when it was made) for the next run."""
        from runner.web.actions import operator_form

        console = self.console
        checked = await operator_form(console, request)
        if isinstance(checked, Response):
            return checked
        me, form = checked
        name = request.path_params["name"]
        state = console.rt.state
        text = await state.values.get(name, SHOWN)
        shown = plans.SweepPlan.from_json(text) if isinstance(text, str) else None
        if shown is None or shown.made_at.isoformat() != form.get("made"):
            return console.page(request, "error.html", {"message": "plan.stale"},
                                status=409, me=me)
        await plans.approve(state.values, shown, me.user.name, datetime.now(UTC))
        lang = console.lang(request)  # the record is told in the approver's language
        detail = texts.text("audit.approved", lang, n=len(shown.actions), chats=", ".join(
            f"{texts.text('verb.' + c.verb, lang)} «{c.name}» ({c.chat_id})" for c in shown.actions[:20]))
        await state.operator.record(name, me.user.name, "approve", detail=detail)
        return RedirectResponse(f"{PREFIX}/plans/{name}?approved=1", status_code=303)
