"""The embedded Pachca workspace: a real HTTP server that behaves like the Pachca API.

Used by the demo, the tests and the benchmarks. Start with ``WorkspaceServer`` (see
``server``); the knobs are in ``WorkspaceConfig`` (see ``config``); the control API for
tests is described in ``control``; rate-limit buckets in ``ratelimit``; seeded data in
``seed``.
"""

from runner.workspace.config import WorkspaceConfig
from runner.workspace.server import WorkspaceServer, serve_forever, workspace_info

__all__ = ["WorkspaceConfig", "WorkspaceServer", "serve_forever", "workspace_info"]
