"""Long-lived helpers a run may need besides the client: the runner's HTTP server and
the export client.

Kinds find them in ``ctx.services``:
- ``"server"``: the ``RunnerServer`` (started around a ``run-job`` of a kind that needs
  it, e.g. an export waiting for Pachca's webhook, and always around the daemon);
- ``"export_client"``: a ``PachcaClient`` of ``PACHCA_EXPORT_TOKEN`` (only a workspace
  owner may export, while the main token is usually a bot's); the main client when no
  export token is set. A kind takes its ``read_only_view()`` in a dry run;
- ``"button_secret"``: the key that signs button data (``runner.buttons``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.execute import Runtime
    from runner.pachca.client import PachcaClient
    from runner.settings import Settings


def export_client(settings: Settings, rt: Runtime) -> tuple[PachcaClient, bool]:
    """The client exports use, and whether it is a new one the caller must close."""
    token = settings.export_token
    main = settings.token
    if token is None or not token.get_secret_value() or (
        main is not None and token.get_secret_value() == main.get_secret_value()
    ):
        return rt.client, False
    from runner.app import make_client

    # Its own limiter: Pachca's limits are per token.
    return make_client(settings.model_copy(update={"token": token})), True


@contextlib.asynccontextmanager
async def started(settings: Settings, rt: Runtime, *, server: bool = False) -> AsyncIterator[None]:
    """Provide the export client, and run the runner's HTTP server if asked, meanwhile."""
    client, owned = export_client(settings, rt)
    rt.services["export_client"] = client
    from runner.buttons import button_secret

    rt.services["button_secret"] = button_secret(settings)  # signs and checks button data
    try:
        if not server:
            yield
            return
        from runner.server import RunnerServer

        srv = RunnerServer(settings, rt)
        await srv.start()
        rt.services["server"] = srv
        try:
            yield
        finally:
            rt.services.pop("server", None)
            await srv.stop()
    finally:
        rt.services.pop("export_client", None)
        if owned:
            await client.aclose()
