"""Kind ``sweep``: warn inactive group chats, archive the ones that stay quiet.

``kind`` (the ``JobKind`` and its hooks), ``params`` (the job's fields), ``decide`` (pure
verdicts on one chat), ``scan`` (reads Pachca and the state store, decides, touches
nothing), ``act`` (the effects, each bracketed in the state store so a crash never
doubles one; ``batches`` groups the archives' records), ``plans`` + ``planning``
(``plan``, saved and approved plans, the chats ``diff`` counts), ``clicks`` (the
«Оставить чат» / «Архивировать сейчас» buttons), ``undo`` + ``commands`` (its CLI
commands), ``story`` (its part of the demo).
"""


from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.kinds.sweep.kind import KIND

__all__ = ["KIND"]


def __getattr__(name: str) -> Any:
    # KIND on first use: the registry imports ``commands`` (for --help) and ``table``
    # (to open the store) through this package without the kind and its client.
    if name == "KIND":
        from runner.kinds.sweep.kind import KIND

        return KIND
    raise AttributeError(f"module 'runner.kinds.sweep' has no attribute {name!r}")
