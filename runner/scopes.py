"""A token's scopes, checked before a job's first call rather than found by a 403
half-way through it.

The client learns its token's user and scopes once (``GET /oauth/token/info``, which
needs no scope); each job kind says which scopes a run needs (``JobKind.scopes``).
A token without them fails the run before it writes anything (the look-ups of its
recipients, reads that need no answer from this check, may be under way meanwhile and
are dropped), naming the scopes and where in Pachca they are granted: a bot's token on the bot's API tab, a
user's token under Automations → API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from runner import words
from runner.errors import MissingScope, NotFound, PermissionDenied
from runner.pachca.client import PachcaClient
from runner.pachca.models import TokenInfo

log = logging.getLogger("runner.scopes")


async def token_info(client: PachcaClient) -> TokenInfo | None:
    """The client's token info; None where Pachca does not answer it (then nothing is
    checked in advance, and a missing scope shows as the call's own 403)."""
    try:
        return await client.token_info()
    except (NotFound, PermissionDenied) as exc:
        log.warning("%s", words.text("scope.unreadable", error=exc))
        return None


def missing_error(
    info: TokenInfo, missing: Iterable[str], *, what: str, setting: str = "PACHCA_TOKEN"
) -> MissingScope:
    """The one-line error naming the scopes and where they are granted."""
    scopes = tuple(sorted(missing))
    kind = "bot" if info.is_bot else "user"
    return MissingScope(words.text(
        "scope.missing", what=what, scopes=", ".join(scopes), setting=setting,
        token=words.text(f"scope.token_{kind}"), where=words.text(f"scope.where_{kind}"),
    ), scopes)


async def require(
    client: PachcaClient, needed: Iterable[str], *, what: str, setting: str = "PACHCA_TOKEN"
) -> None:
    """Raise MissingScope if the client's token lacks any of ``needed``."""
    wanted = set(needed)
    if not wanted:
        return
    info = await token_info(client)
    if info is None:
        return
    missing = wanted - set(info.scopes)
    if missing:
        raise missing_error(info, missing, what=what, setting=setting)
