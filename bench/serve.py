"""Serve one embedded workspace in its own process: ``python -m bench.serve CONFIG_JSON``.

A process of its own, so the runner's peak RSS is measured without the workspace's
data (100,000 seeded chats weigh far more than the runner). Prints the workspace's info
(base URL, tokens, user ids) as one JSON line once the port is bound, then serves until
SIGTERM.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from runner.workspace.config import WorkspaceConfig
from runner.workspace.server import serve_forever


def main(argv: list[str]) -> None:
    """Seed the workspace ``argv[0]`` describes (WorkspaceConfig fields) and serve it."""
    config = WorkspaceConfig(**json.loads(argv[0]))

    def ready(info: dict[str, Any]) -> None:
        print(json.dumps(info), flush=True)

    serve_forever(config, "127.0.0.1", 0, on_ready=ready)


if __name__ == "__main__":
    main(sys.argv[1:])
