"""An example job kind, added from this package alone: ``signup``.

It shows what a kind may add to the runner without any edit to the core: a command
(``signups NAME``, in ``commands``' ``COMMANDS``), a button action (``sign_up``, in
``clicks``) and a state table (``example_signups``, in ``table``). A run posts a message
with a «Записаться» button to a chat; a member who presses it is recorded in the kind's
table; the command lists who signed up. ``runner.kinds.registry.add(__name__)`` makes it known.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.kinds.example_kind.kind import KIND

__all__ = ["KIND"]


def __getattr__(name: str) -> Any:
    # KIND on first use, as a kind package's ``__init__`` should: the registry imports
    # ``commands`` and ``table`` through this package without the kind.
    if name == "KIND":
        from tests.kinds.example_kind.kind import KIND

        return KIND
    raise AttributeError(f"module 'tests.kinds.example_kind' has no attribute {name!r}")
