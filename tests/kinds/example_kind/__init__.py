"""An example job kind, added from this package alone: ``signup``.

It shows what a kind may add to the runner without any edit to the core: a command
(``signups NAME``, in ``commands``' ``COMMANDS``), a button action (``sign_up``, in
``clicks``) and a state table (``example_signups``, in ``table``). A run posts a message
with a «Записаться» button to a chat; a member who presses it is recorded in the kind's
table; the command lists who signed up. ``runner.kinds.registry.add(__name__)`` makes it known.
"""

from tests.kinds.example_kind.kind import KIND

__all__ = ["KIND"]
