"""The API session's connections (``runner.pachca.streams``) over real loopback sockets:
a request's head and body leave in one write when the answer is read, large bodies are
not held, a server that closed the connection is seen, and a failed write still lets
the answer be read, as httpcore's HTTP/1.1 expects."""

from __future__ import annotations

import asyncio
import http.server
import socket
import ssl
import struct
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpcore
import httpx
import pytest
import trustme

from runner.pachca import pool, streams
from runner.pachca.client import PachcaClient
from runner.workspace.server import WorkspaceServer
from tests.pachca.test_client import client_of
from tests.waiting import eventually

Pair = tuple[httpcore.AsyncNetworkStream, socket.socket]


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    """A connection of the session's backend, and the server's end of it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(60)  # a guard: the connection is queued before accept is called
    try:
        client = await streams.HeldWritesBackend().connect_tcp(
            "127.0.0.1", listener.getsockname()[1], timeout=60)
        server, _ = listener.accept()
    finally:
        listener.close()
    server.setblocking(False)
    try:
        yield client, server
    finally:
        await client.aclose()
        server.close()


def _received(server: socket.socket) -> bytes:
    try:
        return server.recv(1 << 20)
    except BlockingIOError:
        return b""


async def test_a_request_goes_out_in_one_write_when_its_answer_is_read(pair: Pair) -> None:
    client, server = pair
    await client.write(b"POST /messages HTTP/1.1\r\nContent-Length: 4\r\n\r\n")
    await client.write(b"body")
    assert _received(server) == b""  # held: nothing has left yet
    server.sendall(b"HTTP/1.1 201 Created\r\n\r\n")

    answer = await client.read(1024, timeout=60)

    assert answer.startswith(b"HTTP/1.1 201")
    # The head and the body were one send: one segment, read whole by one recv.
    assert _received(server) == b"POST /messages HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"


async def test_a_large_body_is_sent_as_it_comes_not_held(pair: Pair) -> None:
    client, server = pair
    body = b"x" * (streams.HOLD_AT_MOST + 1)
    await client.write(body)

    async def arrived() -> int:
        got = _received(server)
        arrived.total += len(got)  # type: ignore[attr-defined]
        return arrived.total >= len(body)  # type: ignore[attr-defined,return-value]

    arrived.total = 0  # type: ignore[attr-defined]
    assert await eventually(arrived, "the large body at the server")


async def test_a_connection_the_server_closed_is_readable_so_not_reused(pair: Pair) -> None:
    client, server = pair
    assert client.get_extra_info("is_readable") is False
    server.close()

    async def readable() -> bool:
        return bool(client.get_extra_info("is_readable"))

    assert await eventually(readable, "the server's close to reach the client")


async def test_a_write_that_fails_is_read_as_httpcore_reads_it(pair: Pair) -> None:
    client, server = pair
    # The server resets the connection.
    server.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    server.close()

    async def reset_arrived() -> bool:
        return bool(client.get_extra_info("is_readable"))

    await eventually(reset_arrived, "the reset to reach the client")
    # A large body goes out at once: that write meets the reset (asyncio closes the
    # transport then, a few loop turns later); the rest of the request is held.
    await client.write(b"x" * (streams.HOLD_AT_MOST + 1))
    for _ in range(20):  # loop turns, not time
        await asyncio.sleep(0)
    await client.write(b"the rest of the body")

    # The held request cannot be sent. httpcore's HTTP/1.1 reads the answer after a write
    # that failed (a server may answer and close early): so the request fails as a read
    # does, never with the write's error out of a read.
    with pytest.raises(httpcore.ReadError):
        await client.read(1024, timeout=60)


async def test_the_session_transport_uses_these_connections(workspace: WorkspaceServer) -> None:
    transport = pool.LeanTransport(verify=httpx.create_ssl_context(),
                                   limits=httpx.Limits(max_connections=2))
    url = httpx.URL(workspace.base_url + "/profile")
    target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port,
                          target=url.raw_path)
    headers = [(b"Host", url.netloc), (b"Authorization", f"Bearer {workspace.owner_token}".encode())]
    try:
        answers = await asyncio.gather(*(
            transport.exchange(b"GET", target, headers, b"",
                               {"timeout": httpx.Timeout(30.0).as_dict()}) for _ in range(6)))
        assert [a.status_code for a in answers] == [200] * 6
        used = [c._connection._network_stream for c in transport._pool.connections]  # type: ignore[attr-defined]
        assert used and all(isinstance(s, streams.HeldWritesStream) for s in used)
    finally:
        await transport.aclose()


class _Echo(http.server.BaseHTTPRequestHandler):
    """Answers a POST with the size of the body it read, keeping the connection."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        size = len(self.rfile.read(int(self.headers["Content-Length"])))
        answer = b'{"read": %d}' % size
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def authority() -> trustme.CA:
    """The test certificate authority of ``https_server``."""
    return trustme.CA()


@pytest.fixture
def https_server(authority: trustme.CA) -> Iterator[tuple[str, ssl.SSLContext]]:
    """An HTTPS server on loopback with a certificate of a test authority, and a client
    context that trusts that authority alone (as the session trusts Pachca's)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = ssl.create_default_context()
    authority.configure_trust(client)
    try:
        yield f"https://localhost:{server.server_address[1]}/echo", client
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_requests_over_tls_go_through_these_connections(
    https_server: tuple[str, ssl.SSLContext]
) -> None:
    address, trusted = https_server
    transport = pool.LeanTransport(verify=trusted, limits=httpx.Limits(max_connections=1))
    url = httpx.URL(address)
    target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port,
                          target=url.raw_path)
    try:
        # A small body (held with its head), a large one (sent as it comes), a small one
        # again on the same connection: each read whole by the server.
        for size in (10, streams.HOLD_AT_MOST * 3, 10):
            answer = await transport.exchange(
                b"POST", target, [(b"Host", url.netloc), (b"Content-Length", str(size).encode())],
                b"x" * size, {"timeout": httpx.Timeout(30.0).as_dict()})
            assert (answer.status_code, answer.json()) == (200, {"read": size})
        [connection] = transport._pool.connections
        stream = connection._connection._network_stream  # type: ignore[attr-defined]
        assert isinstance(stream, streams.HeldWritesStream)
        assert stream.get_extra_info("ssl_object") is not None  # the TLS stream, wrapped
    finally:
        await transport.aclose()


async def test_an_api_on_http_makes_no_tls_context_and_https_storage_still_verifies(
    workspace: WorkspaceServer, https_server: tuple[str, ssl.SSLContext],
    authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The embedded workspace's API is plain http: loading the CA bundle (tens of ms of
    # CPU) waits for an https connection. Pre-signed storage URLs may be https all the
    # same (uploads): the session's plain client makes the TLS context then, and checks
    # the storage's certificate with it (here the test authority, as SSL_CERT_FILE says).
    address, _ = https_server
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    pool.tls_context.cache_clear()
    try:
        async with client_of(workspace) as client:
            assert isinstance(client, PachcaClient)
            assert (await client.get_profile()).id > 0
            assert pool.tls_context.cache_info().currsize == 0
            async with client._session.plain_client() as plain:
                answer = await plain.post(address, content=b"x" * 10)
            assert (answer.status_code, answer.json()) == (200, {"read": 10})
            assert pool.tls_context.cache_info().currsize == 1
    finally:
        pool.tls_context.cache_clear()  # later tests: the real CA bundle again
