"""The bounded fetcher of other sites' JSON, against real HTTP servers on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import ClassVar

import pytest

from runner import words
from runner.errors import FetchError
from runner.pachca.fetch import JsonFetcher
from tests.json_endpoint import JsonHandler

SECRET = "k3y-that-must-not-leak"


class _Site(JsonHandler):
    """A site whose paths say how it answers; it records the key header it was sent."""

    keys: ClassVar[list[str | None]] = []
    other: ClassVar[str] = ""  # base URL of the second site, for cross-origin redirects
    release: ClassVar[threading.Event] = threading.Event()

    def do_GET(self) -> None:
        type(self).keys.append(self.headers.get("X-Api-Key"))
        path = self.path.split("?")[0]
        if path == "/ok":
            self.send_json(200, b'{"n": 1}')
        elif path == "/problem":
            self._send(200, "application/problem+json", b'{"title": "t"}')
        elif path == "/html":
            self._send(200, "text/html; charset=utf-8", b"<p>hi</p>")
        elif path == "/big":
            self.send_json(200, b'{"pad": "' + b"x" * 2000 + b'"}')
        elif path == "/chunked":  # no Content-Length: the cap must hold while reading
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"pad": "' + b"x" * 2000 + b'"}')
            self.close_connection = True
        elif path == "/down":
            self.send_json(503, b"{}")
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect(f"/hop/{left - 1}" if left else "/ok")
        elif path == "/away":
            self._redirect(f"{type(self).other}/ok?token={SECRET}")
        elif path == "/ftp":
            self._redirect("ftp://example.invalid/x")
        elif path == "/hang":
            type(self).release.wait(30)  # until the test ends: the fetcher must give up
            self.send_json(200, b"{}")

    def _send(self, status: int, media: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _serve() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def site() -> Iterator[str]:
    """Base URL of the site; a second one (another origin) is at ``_Site.other``."""
    _Site.keys, _Site.release = [], threading.Event()
    first, url = _serve()
    second, _Site.other = _serve()
    yield url
    _Site.release.set()
    for server in (first, second):
        server.shutdown()
        server.server_close()


async def _get(url: str, *, timeout: float = 5.0, max_bytes: int = 1 << 20) -> object:
    async with JsonFetcher() as fetcher:
        return await fetcher.get(url, {"X-Api-Key": SECRET}, timeout=timeout,
                                 max_bytes=max_bytes)


async def test_reads_json_and_json_flavoured_media_types(site: str) -> None:
    assert await _get(f"{site}/ok") == {"n": 1}
    assert await _get(f"{site}/problem") == {"title": "t"}
    assert _Site.keys == [SECRET, SECRET]


@pytest.mark.parametrize(("path", "reason"), [
    ("/html", "not JSON (Content-Type text/html)"),
    ("/big", "larger than 1,000 bytes"),
    ("/chunked", "larger than 1,000 bytes"),
    ("/down", "HTTP 503"),
    ("/hop/5", "redirected more than 3 times"),
    ("/ftp", "not http(s)"),
])
async def test_every_failure_is_one_error_naming_no_url_or_key(
    site: str, path: str, reason: str
) -> None:
    with pytest.raises(FetchError) as caught:
        await _get(f"{site}{path}?token={SECRET}", max_bytes=1000)
    said = str(caught.value)
    assert reason in said
    assert SECRET not in said and "127.0.0.1" not in said and "token=" not in said


async def test_follows_a_few_redirects_keeping_the_key_on_its_own_site(site: str) -> None:
    assert await _get(f"{site}/hop/2") == {"n": 1}
    assert _Site.keys == [SECRET] * 4


async def test_a_redirect_to_another_site_goes_without_the_key(site: str) -> None:
    assert await _get(f"{site}/away") == {"n": 1}
    assert _Site.keys == [SECRET, None]


async def test_gives_up_at_its_deadline(site: str) -> None:
    with pytest.raises(FetchError, match="no answer within"):
        await _get(f"{site}/hang", timeout=0.2)


async def test_refuses_what_is_not_an_http_url() -> None:
    with pytest.raises(FetchError, match="not an http"):
        await _get(f"file:///etc/passwd?{SECRET}")


async def test_says_why_in_russian_when_asked(site: str) -> None:
    words.use("ru")
    try:
        with pytest.raises(FetchError, match="сайт ответил HTTP 503"):
            await _get(f"{site}/down")
    finally:
        words.use(None)
