"""What the client's groups of calls share: one ``ApiSession``, held rather than inherited.

The session's ``request``, ``paginate`` and the like stay off the client's public
surface, so code holding a client (a job's ``ctx.client``) makes only the typed calls.
"""

from __future__ import annotations

import copy
from collections import Counter
from datetime import UTC, datetime
from typing import Self

from runner.pachca.http import ApiSession, Closing
from runner.pachca.limits import RateLimiter


def api_time(value: datetime) -> str:
    """A datetime as Pachca's filters want it: UTC, ``YYYY-MM-DDThh:mm:ss.sssZ``."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: give a time zone")
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class ApiCalls(Closing):
    """Base of ``PachcaClient`` and its call groups: the session, its stats and lifetime."""

    def __init__(self, session: ApiSession) -> None:
        self._session = session

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._session.base_url}>"

    @property
    def stats(self) -> Counter[str]:
        """Calls sent per limit class, 429s and retries, since the session opened."""
        return self._session.stats

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter every call of this token waits on."""
        return self._session.limiter

    @property
    def read_only(self) -> bool:
        """Whether write calls are refused (a dry run's view)."""
        return self._session.read_only

    def read_only_view(self) -> Self:
        """The same client (connections, limiter, stats) refusing every write call.

        Dry runs use it, so "touches nothing" holds even if a job kind forgets a check.
        """
        view = copy.copy(self)
        view._session = self._session.read_only_view()
        return view

    async def aclose(self) -> None:
        """Close the connections."""
        await self._session.aclose()
