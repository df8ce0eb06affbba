"""The Starlette application: the Pachca API under ``/api/shared/v1``, control under
``/_workspace``.

The app itself only routes; ``gateway.Gateway`` wraps it for auth, limits, faults,
logging and contract checks. Errors a route raises as ``ApiProblem`` become their
response; unknown API paths and methods answer ``ApiError`` JSON as Pachca does.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp

from runner.workspace import (
    control,
    control_bot,
    control_tasks,
    control_threads,
    exports,
    pushes,
    reads,
    routes_chats,
    routes_messages,
    routes_misc,
    routes_reactions,
    routes_search,
    routes_search_directory,
    routes_status,
    routes_tags,
    routes_tasks,
    routes_threads,
    routes_tokens,
    uploads,
)
from runner.workspace.gateway import Gateway
from runner.workspace.responses import ApiProblem, api_error
from runner.workspace.runtime import API_PREFIX, Workspace


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return exc.response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return api_error(404, "path", "Not found", "not_found", request.url.path)
    return api_error(exc.status_code, "method", str(exc.detail), "invalid", request.method)


def build_app(ws: Workspace) -> ASGIApp:
    """The whole ASGI application of one workspace."""
    # exports before chats: "/chats/exports" must not be taken for a chat route.
    api_routes = (
        exports.ROUTES
        + routes_chats.ROUTES
        + routes_messages.ROUTES
        + routes_reactions.ROUTES
        + reads.API_ROUTES
        + routes_threads.ROUTES
        + routes_search.ROUTES
        + routes_search_directory.ROUTES
        + routes_misc.ROUTES
        + routes_tags.ROUTES
        + routes_tasks.ROUTES
        + routes_status.ROUTES
        + routes_tokens.ROUTES
        + uploads.API_ROUTES
    )
    control_routes = (control.ROUTES + control_bot.ROUTES + control_threads.ROUTES + control_tasks.ROUTES
                      + reads.CONTROL_ROUTES + exports.CONTROL_ROUTES
                      + pushes.CONTROL_ROUTES)
    app = Starlette(
        routes=[Mount(API_PREFIX, routes=api_routes), Mount("/_workspace", routes=control_routes),
                Mount("/_storage", routes=uploads.STORAGE_ROUTES)],
        exception_handlers={ApiProblem: _problem, HTTPException: _http_error},
    )
    app.state.ws = ws
    return Gateway(app, ws)
