"""The API session's HTTP transport: httpx's own, over a connection pool that does less
per request, with a way to send a request straight to that pool.

httpcore's pool re-examines every connection on each request and on each response's
close: it probes each one for expiry (a ``poll`` of its socket through anyio's typed
attributes) and, for each idle one, builds a list of all of them. With the 16
connections of a fan-out that is most of the client's CPU per call. ``LeanPool`` keeps
the pool's behaviour (waiting, cancellation, errors, keep-alive limits: all httpcore's
code) and changes only how a request finds its connection: closed connections are
dropped, and only the connection about to be used is probed for expiry; one that
expired is closed and the next is tried, as httpcore would have closed it.

``LeanTransport.exchange`` sends a request given as httpcore's parts (a target already
encoded, raw headers) and reads the answer whole: building an httpx ``Request`` parses
its URL again (a third of the client's CPU per call), and httpx's response wrapper
reads the body through two more layers of streams.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpcore
import httpx

# The transport's own translation of httpcore's errors into httpx's (the exceptions the
# session maps, once, into the runner's): reused, so both paths raise the same ones.
from httpx._transports.default import map_httpcore_exceptions

from runner.pachca.streams import HeldWritesBackend


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings every client shares: loading the CA bundle takes ~0.1 s of CPU,
    which each client (main, export, every download) would otherwise pay again."""
    return httpx.create_ssl_context()


def lean_pool_fits() -> bool:
    """Whether this httpcore has the pool internals ``LeanPool`` replaces (1.0.5 and
    later 1.0 releases): with another, the session keeps httpx's own transport."""
    pool = httpcore.AsyncConnectionPool
    return all(hasattr(pool, name) for name in (
        "_assign_requests_to_connections", "create_connection", "handle_async_request"))


def api_transport(*, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """The session's transport: the lean one where this httpcore fits it (its TLS
    context made on its first https connection)."""
    if lean_pool_fits():
        return LeanTransport(limits=limits)
    return httpx.AsyncHTTPTransport(verify=tls_context(), limits=limits)


class LeanPool(httpcore.AsyncConnectionPool):
    """``httpcore.AsyncConnectionPool`` with an O(connections) assignment step; without
    an ``ssl_context``, the shared ``tls_context()`` is taken on its first https
    connection."""

    def create_connection(self, origin: httpcore.Origin) -> Any:
        """httpcore's connection to ``origin``, with TLS settings if it is https."""
        if self._ssl_context is None and origin.scheme == b"https":
            # Taken here, not when the pool is made: an API on plain http (the embedded
            # workspace) never pays the ~30 ms of CPU that loading the CA bundle takes.
            self._ssl_context = tls_context()
        return super().create_connection(origin)

    def _assign_requests_to_connections(self) -> list[Any]:
        closing: list[Any] = []
        live = [c for c in self._connections if not c.is_closed()]
        # A connection handed to a request that has not started on it yet still looks
        # available; handing it out twice would only make one of them retry.
        taken = {id(r.connection) for r in self._requests if r.connection is not None}
        # Idle connections over the keep-alive limit go, as httpcore's pool closes them.
        idle = [c for c in live if c.is_idle() and id(c) not in taken]
        while idle and len(live) > self._max_keepalive_connections:
            surplus = idle.pop()
            live.remove(surplus)
            closing.append(surplus)
        for pool_request in self._requests:
            if not pool_request.is_queued():
                continue
            origin = pool_request.request.url.origin
            chosen = None
            for connection in list(live):
                if (id(connection) in taken or not connection.can_handle_request(origin)
                        or not connection.is_available()):
                    continue
                if connection.has_expired():  # the server closed it, or keep-alive ran out
                    live.remove(connection)
                    closing.append(connection)
                    continue
                chosen = connection
                break
            if chosen is None:
                if len(live) >= self._max_connections:
                    spare = [c for c in live if c.is_idle() and id(c) not in taken]
                    if not spare:
                        continue  # stays queued until a response is closed
                    live.remove(spare[0])
                    closing.append(spare[0])
                chosen = self.create_connection(origin)
                live.append(chosen)
            taken.add(id(chosen))
            pool_request.assign_to_connection(chosen)
        self._connections = live
        return closing


class LeanTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` (its request mapping and error translation) over a
    ``LeanPool`` with the same settings. ``verify``: the TLS settings; by default the
    shared ``tls_context()``, made when the first https connection opens."""

    def __init__(self, *, verify: ssl.SSLContext | None = None, limits: httpx.Limits) -> None:
        # httpx's __init__ is not called: it would build a pool (and, without ``verify``,
        # a TLS context at once) only for this one to replace it.
        self._pool = LeanPool(
            ssl_context=verify,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=HeldWritesBackend(),
        )

    async def exchange(
        self,
        method: bytes,
        url: httpcore.URL,
        headers: list[tuple[bytes, bytes]],
        content: bytes,
        extensions: dict[str, Any],
    ) -> httpx.Response:
        """One request on the pool, its answer read whole, as an ``httpx.Response``."""
        request = httpcore.Request(method, url, headers=headers, content=content,
                                   extensions=extensions)
        with map_httpcore_exceptions():
            answer = await self._pool.handle_async_request(request)
            try:
                body = await answer.aread()
            finally:
                await answer.aclose()
        return httpx.Response(answer.status, headers=answer.headers, content=body,
                              extensions=answer.extensions)
