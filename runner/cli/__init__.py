"""The ``pachca-runner`` command: parse, build objects, call the library, map errors.

No logic lives here (rule: cli only parses and wires). Heavy imports happen inside
the commands, so ``pachca-runner --help`` starts fast. Exit codes: 0 success, 1 a job
failed, 2 bad input (usage, catalogue, settings).

``group`` holds the top group and the helpers its commands share; the commands sit in
``jobs`` (the operator's work on jobs), ``setup`` (init, demo, docs) and ``pachca``
(ids, the embedded workspace, the bot), each adding itself to the group on import.
Job kinds add their own commands (their package's ``commands`` module).
"""

from runner.cli import jobs, pachca, setup
from runner.cli.group import main

__all__ = ["jobs", "main", "pachca", "setup"]
