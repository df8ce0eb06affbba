"""What the runner's endpoints share: an unguessable path kept in the state store, and a
request body read with a cap."""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING

from starlette.requests import Request

from runner.errors import BodyTooLarge

if TYPE_CHECKING:
    from runner.state.aio import Store

MAX_BODY = 64 * 1024
"""Largest webhook body read; Pachca's is under 200 bytes, so more is not Pachca."""

SERVER_JOB = "_server"
"""The pseudo-job under which the server keeps its values in the state store."""


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, refusing to buffer more than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


async def secret_path(state: Store, name: str) -> str:
    """The unguessable path segment called ``name``, created once per installation.

    Kept in the state store so every replica and every restart serves the same URL; two
    replicas creating it at once both get the first one kept (``ValuesApi.first``).
    """
    value = await state.values.first(SERVER_JOB, name, secrets.token_urlsafe(24))
    if isinstance(value, str) and value:
        return value
    await state.values.set(SERVER_JOB, name, secrets.token_urlsafe(24))  # a damaged one
    return str(await state.values.get(SERVER_JOB, name))


class SecretPath:
    """A secret path segment, cached, re-read from the store when a request disagrees."""

    def __init__(self, state: Store, name: str) -> None:
        self._state = state
        self._name = name
        self._cached: str | None = None

    async def value(self) -> str:
        """The current secret (created if none exists yet)."""
        self._cached = await secret_path(self._state, self._name)
        return self._cached

    async def matches(self, candidate: str) -> bool:
        """Whether ``candidate`` is the secret, compared in constant time."""
        if self._cached is not None and hmac.compare_digest(candidate, self._cached):
            return True
        # The value may have been replaced since it was cached: look again once.
        return hmac.compare_digest(candidate, await self.value())
