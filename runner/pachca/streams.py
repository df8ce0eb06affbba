"""The API session's connections: httpcore's own streams, with two system calls fewer per
request.

On a machine where a system call is dear (a sandboxed or virtualised host: 0.1-0.2 ms
each), what a request costs beyond building and parsing it is mostly system calls, and
httpcore's HTTP/1.1 makes two it need not:

- it writes a request's head and its body separately, two ``send`` calls where one
  would do: here a connection holds what it is given to write until it is about to
  read the answer (or until the held bytes are many), then sends it all at once;
- before it reuses a connection it asks whether the server has closed it, through
  anyio's socket attributes, which ask the system for the peer's address every time:
  here the socket is looked up once, when the connection opens.

What goes over the wire, and when a request counts as sent or failed, is httpcore's: a
write that fails is raised as httpcore would raise it, except that, as httpcore's
HTTP/1.1 does with a write that failed, the answer is still read (a server may answer
and close before it has read the whole request).
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore

#: Held bytes past this are sent at once (an upload's body is not held whole twice).
HOLD_AT_MOST = 64 * 1024


class HeldWritesBackend(httpcore.AsyncNetworkBackend):
    """httpcore's asyncio backend, its TCP streams wrapped in ``HeldWritesStream``."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout=timeout,
                                               local_address=local_address,
                                               socket_options=socket_options)
        return HeldWritesStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_unix_socket(path, timeout=timeout,
                                                       socket_options=socket_options)
        return HeldWritesStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class HeldWritesStream(httpcore.AsyncNetworkStream):
    """One connection: writes held until the next read, the socket looked up once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._held: list[bytes] = []
        self._held_size = 0
        self._write_timeout: float | None = None
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        self._held.append(buffer)
        self._held_size += len(buffer)
        self._write_timeout = timeout
        if self._held_size > HOLD_AT_MOST:
            await self._send_held()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._held:
            try:
                await self._send_held()
            except httpcore.WriteError:
                pass  # httpcore's HTTP/1.1 reads the answer after a failed write too
        return await self._inner.read(max_bytes, timeout)

    async def _send_held(self) -> None:
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held.clear()
        self._held_size = 0
        await self._inner.write(data, self._write_timeout)

    async def aclose(self) -> None:
        self._held.clear()
        self._held_size = 0
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._held:
            await self._send_held()
        return HeldWritesStream(await self._inner.start_tls(ssl_context, server_hostname,
                                                            timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket | None) -> bool:
    """Whether reading ``sock`` would return at once: data, or the end a closed connection
    reads as (an unknown socket counts as closed, so that it is not reused)."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if getattr(select, "poll", None) is None:  # Windows: no poll
        ready, _, _ = select.select([fd], [], [], 0)
        return bool(ready)
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))
