"""The one way to read other sites' JSON: a digest's ``http`` source, a link preview's data.

Every fetch is bounded: one deadline for the whole exchange (redirects and body
included, so a site trickling bytes cannot hold a run), a cap on the body read, at
most ``max_redirects`` redirects, and an answer that must say it is JSON. The caller's
headers (an API key, typically) go only to the origin of the URL it gave: a redirect
elsewhere is followed without them. Every failure is one ``FetchError`` whose reason
names neither the URL nor a header value, since either may hold a secret filled in
from the environment.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from runner import words
from runner.durations import format_duration
from runner.errors import FetchError
from runner.pachca.http import Closing, tls_context

TIMEOUT = 10.0
"""Seconds a fetch may take when the caller names no deadline."""
MAX_BYTES = 1 << 20
"""Largest body read when the caller names no cap."""
MAX_REDIRECTS = 3
_MEDIA = re.compile(r"[A-Za-z0-9.+-]{1,40}/[A-Za-z0-9.+-]{1,60}")


class JsonFetcher(Closing):
    """An HTTP client for other sites' JSON (never the Pachca token: it has none)."""

    def __init__(
        self,
        *,
        user_agent: str = "pachca-runner",
        max_redirects: int = MAX_REDIRECTS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.max_redirects = max_redirects
        # Redirects are followed here, not by httpx, to decide which headers go along.
        self._http = httpx.AsyncClient(follow_redirects=False, transport=transport,
                                       verify=tls_context(), headers={"User-Agent": user_agent})

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def get(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        timeout: float = TIMEOUT,
        max_bytes: int = MAX_BYTES,
    ) -> Any:
        """The JSON document at ``url``; FetchError (naming no URL or header) otherwise."""
        if not url.startswith(("http://", "https://")):
            raise FetchError(words.text("fetch.not_http"))
        try:
            async with asyncio.timeout(timeout):
                body = await self._follow(url, dict(headers or {}), timeout, max_bytes)
        except (TimeoutError, httpx.TimeoutException):
            took = format_duration(timeout) if timeout >= 1 else f"{timeout:g}s"
            raise FetchError(words.text("fetch.timeout", took=took)) from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise FetchError(words.text("fetch.bad_url")) from None
        except httpx.HTTPError as exc:
            # The exception's text may hold the URL (and so a key in it): only its kind.
            raise FetchError(words.text("fetch.unreachable", name=type(exc).__name__)) from None
        try:
            return json.loads(body)  # detects UTF-8/16/32 itself
        except (ValueError, UnicodeDecodeError):
            raise FetchError(words.text("fetch.not_json")) from None

    async def _follow(
        self, url: str, headers: dict[str, str], timeout: float, max_bytes: int
    ) -> bytes:
        origin = httpx.URL(url).copy_with(path="/", query=None, fragment=None,
                                          username=None, password=None)
        for _ in range(self.max_redirects + 1):
            async with self._http.stream("GET", url, headers=headers,
                                         timeout=timeout) as response:
                if not response.is_redirect:
                    return await _read(response, max_bytes)
                target = response.url.join(response.headers["Location"])
            if target.scheme not in ("http", "https"):
                raise FetchError(words.text("fetch.redirect_scheme"))
            if target.copy_with(path="/", query=None, fragment=None, username=None,
                                password=None) != origin:
                headers = {}  # the caller's headers were meant for its own site only
            url = str(target)
        raise FetchError(words.text("fetch.redirects", n=self.max_redirects))


async def _read(response: httpx.Response, max_bytes: int) -> bytes:
    """The body of a JSON answer, at most ``max_bytes`` of it."""
    if not response.is_success:
        raise FetchError(words.text("fetch.status", status=response.status_code))
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        shown = media if _MEDIA.fullmatch(media) else words.text("fetch.media_unknown")
        raise FetchError(words.text("fetch.media", media=shown))
    too_large = FetchError(words.text("fetch.too_large", size=_size(max_bytes)))
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)


def _size(n: int) -> str:
    return f"{n / (1 << 20):g} MB" if n >= 1 << 20 else f"{n:,} bytes"
