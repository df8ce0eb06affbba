"""The one path every Pachca request takes: limit -> send -> map errors -> retry.

``ApiSession`` owns the ``httpx.AsyncClient`` of one token. It turns httpx's errors and
Pachca's error statuses into the ``runner.errors`` tree exactly once, here, and it is
the only place that sees the token (in the default headers of the httpx client, which
are never logged or put into an error).
"""

from __future__ import annotations

import asyncio
import copy
import json as jsonlib
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any, Self, TypedDict, TypeVar
from urllib.parse import quote, urlencode

import httpcore
import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from runner import errors, words
from runner.pachca.answers import error_from_response, parse_retry_after
from runner.pachca.limits import (
    IDEMPOTENT_METHODS,
    RateLimiter,
    RateLimits,
    RetryPolicy,
    classify,
)
from runner.pachca.models import PaginationMeta
from runner.pachca.pool import LeanTransport, api_transport, tls_context

log = logging.getLogger("runner.pachca")
wire = logging.getLogger("runner.pachca.wire")

T = TypeVar("T", bound=BaseModel)

# Errors after which the request provably never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Characters a path keeps as they are (RFC 3986 pchar and "/"; "%": already encoded).
_PATH_SAFE = "/:@!$&'()*+,;=%"


def hide_url_secrets(record: logging.LogRecord) -> bool:
    """A logging filter for httpx's request lines: URLs without their query string or
    user:password part, which may carry secrets (an API key from ``${VAR}``)."""
    if isinstance(record.args, tuple):
        record.args = tuple(_bare(a) if isinstance(a, httpx.URL) else a for a in record.args)
    return True


def _bare(url: httpx.URL) -> str:
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}" + ("?…" if url.query else "")


class Closing:
    """What ``async with`` closes on the way out (its ``aclose``)."""

    async def aclose(self) -> None:
        """Release what the object holds (connections)."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class SessionOptions(TypedDict, total=False):
    """How a client's session is built, besides its URL and token (see ``ApiSession``)."""

    timeout: float
    limits: RateLimits | None
    retry: RetryPolicy | None
    read_only: bool
    transport: httpx.AsyncBaseTransport | None
    max_connections: int
    limiter: RateLimiter | None


class ApiSession(Closing):
    """One token's HTTP session: rate limits, retries, error mapping, pagination."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        timeout: float = 30.0,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        read_only: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 64,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.read_only = read_only
        self.retry = retry or RetryPolicy()
        # ``limiter`` (instead of ``limits``): one built on a clock of the caller's own.
        self.limiter = limiter or RateLimiter(limits or RateLimits())
        self.stats: Counter[str] = Counter()
        # What the token is, asked once per session and shared by its read-only views.
        self.memo: dict[str, Any] = {}
        self._rng = random.Random()
        limits_http = httpx.Limits(max_connections=max_connections)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=limits_http,
            # No TLS context here (its ~30 ms of CPU): the API's transport makes it on its
            # first https connection; a proxy from the environment builds httpx's default.
            transport=transport or api_transport(limits=limits_http),
            follow_redirects=False,
        )
        # Requests go straight to the transport (``_send``): the client's layers (cookie
        # jar, auth and redirect hooks, URL merging, a log record per request) cost more
        # CPU than the request itself and do nothing for this API. The transport is the
        # one the client would pick for the API's URL, so proxies from the environment
        # still apply.
        self._transport = self._http._transport_for_url(httpx.URL(self.base_url + "/"))
        self._headers = {
            "Authorization": f"Bearer {token.get_secret_value()}",
            "User-Agent": "pachca-runner",
        }
        self._extensions = {"timeout": self._http.timeout.as_dict()}
        # Without a proxy or a transport of the caller's own, requests skip httpx's
        # Request too (``_exchange``): the API's URL is parsed here, once.
        self._lean = self._transport if isinstance(self._transport, LeanTransport) else None
        api = httpx.URL(self.base_url)
        self._origin = (api.raw_scheme, api.raw_host, api.port)
        self._prefix = api.raw_path.rstrip(b"/")
        self._raw_headers = [(b"Host", api.netloc)] + [
            (name.encode("ascii"), value.encode("ascii")) for name, value in self._headers.items()]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url}>"

    def url(self, path: str) -> httpx.URL:
        """The absolute URL of API path ``path`` (a redirect's Location is relative to it)."""
        return httpx.URL(self.base_url + path)

    def read_only_view(self) -> Self:
        """The same session (connections, limiter, stats) refusing every write call.

        Dry runs use it, so "touches nothing" holds even if a job kind forgets a check.
        """
        view = copy.copy(self)
        view.read_only = True
        return view

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        chat_key: object = None,
        expect: tuple[int, ...] = (200, 201, 204),
    ) -> httpx.Response:
        """Send one API call through the limiter and the retry policy.

        ``chat_key`` names the chat a message write goes to (its per-chat limit).
        Returns the response whose status is in ``expect``; raises an ApiError or
        TransportError otherwise.
        """
        if self.read_only and method not in ("GET", "HEAD"):
            raise errors.ReadOnlyViolation(f"dry run: refusing to send {method} {path}")
        call_class = classify(method, path)
        idempotent = method in IDEMPOTENT_METHODS
        failures = throttled = 0
        clean = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        while True:
            await self.limiter.acquire(call_class, chat_key)
            self.stats[call_class.value] += 1
            try:
                response = await self._send(method, path, clean, json)
            except httpx.TransportError as exc:
                reached = not isinstance(exc, _NOT_SENT)
                error = errors.TransportError(
                    method, path, _describe(exc, self.base_url), reached_server=reached
                )
                if (idempotent or not reached) and failures < self.retry.max_retries:
                    failures += 1
                    await self._backoff(failures, method, path, error.reason)
                    continue
                raise error from None
            if response.status_code in expect:
                return response
            if response.status_code == 429:
                throttled += 1
                self.stats["429"] += 1
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if wait > self.retry.max_retry_after or throttled > self.retry.max_429:
                    raise errors.RateLimited(method, path, wait)
                # Everyone in this class waits, not just this call: slow down, not faster.
                self.limiter.pause(call_class, chat_key, wait)
                log.warning("%s", words.text("api.rate_limited_wait", method=method, path=path,
                                             seconds=words.decimal(wait)))
                continue
            refused = error_from_response(method, path, response)
            if response.status_code >= 500 and idempotent and failures < self.retry.max_retries:
                failures += 1
                await self._backoff(failures, method, path, f"HTTP {response.status_code}")
                continue
            raise refused

    async def _send(
        self, method: str, path: str, params: dict[str, Any], body: Any
    ) -> httpx.Response:
        """One request on the transport, its body read; httpx's errors as the client's."""
        if wire.isEnabledFor(logging.DEBUG):  # the path only: a query may hold a secret
            wire.debug("%s %s", method, path)
        if self._lean is not None:
            return await self._exchange(self._lean, method, path, params, body)
        request = httpx.Request(method, self.base_url + path, params=params or None,
                                json=body, headers=self._headers,
                                extensions=self._extensions)
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def _exchange(
        self, lean: LeanTransport, method: str, path: str, params: dict[str, Any], body: Any
    ) -> httpx.Response:
        """``_send`` on the pool itself, the request encoded as httpx would encode it:
        the path percent-encoded, the query as ``a=1&b=x%20y``, compact UTF-8 JSON."""
        target = self._prefix + quote(path, safe=_PATH_SAFE).encode("ascii")
        if params:
            target += b"?" + urlencode(params, doseq=True, quote_via=quote).encode("ascii")
        headers = self._raw_headers
        content = b""
        if body is not None:
            content = jsonlib.dumps(body, ensure_ascii=False, separators=(",", ":"),
                                    allow_nan=False).encode("utf-8")
            headers = [*headers, (b"Content-Length", str(len(content)).encode("ascii")),
                       (b"Content-Type", b"application/json")]
        elif method in ("POST", "PUT", "PATCH"):
            headers = [*headers, (b"Content-Length", b"0")]
        scheme, host, port = self._origin
        url = httpcore.URL(scheme=scheme, host=host, port=port, target=target)
        return await lean.exchange(method.encode("ascii"), url, headers, content,
                                   self._extensions)

    async def _backoff(self, attempt: int, method: str, path: str, reason: str) -> None:
        delay = self.retry.backoff(attempt, self._rng)
        self.stats["retries"] += 1
        log.info("%s", words.text("api.retrying", method=method, path=path, reason=reason,
                                  attempt=attempt, seconds=words.decimal(delay, 2)))
        await asyncio.sleep(delay)

    async def get_data(self, path: str, model: type[T], params: dict[str, Any] | None = None) -> T:
        """GET an object from its ``{"data": ...}`` envelope."""
        response = await self.request("GET", path, params=params)
        return self.parse(response, model, "GET", path)

    def parse(self, response: httpx.Response, model: type[T], method: str, path: str) -> T:
        """The ``data`` of an answer as ``model``; a malformed answer is an ApiError."""
        try:
            return model.model_validate(response.json()["data"])
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            raise errors.ApiError(
                response.status_code, method, path, words.text("api.unexpected", detail=str(exc)[:300])
            ) from None

    async def page(
        self, path: str, model: type[T], params: dict[str, Any]
    ) -> tuple[list[T], str | None]:
        """One page of a cursor-paginated list: its records and the next page's cursor
        (None at the end, which is ``has_next: false``, never a short page)."""
        response = await self.request("GET", path, params=params)
        try:
            body = response.json()
            records = [model.model_validate(r) for r in body["data"]]
            meta = PaginationMeta.model_validate(body.get("meta") or {})
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            raise errors.ApiError(
                200, "GET", path, words.text("api.unexpected_list", detail=str(exc)[:300])
            ) from None
        cursor = meta.paginate.next_page
        return records, (cursor if meta.paginate.has_next and cursor else None)

    async def paginate(
        self,
        path: str,
        model: type[T],
        params: dict[str, Any] | None = None,
        *,
        page_size: int = 50,
        on_page: Callable[[int], None] | None = None,
    ) -> AsyncIterator[T]:
        """Yield every record of a cursor-paginated list, one page in memory at a time.

        ``limit`` is always sent; the end is ``has_next: false``, never a short page.
        ``params`` may hold a ``cursor`` to start from (a page read with ``page``).
        """
        query = dict(params or {}, limit=page_size)
        seen_cursors: set[str] = set()
        while True:
            records, cursor = await self.page(path, model, query)
            if on_page:
                on_page(len(records))
            for record in records:
                yield record
            if cursor is None:
                return
            if cursor in seen_cursors:  # a server bug must not become an endless loop
                raise errors.ApiError(200, "GET", path, words.text("api.cursor_repeated"))
            seen_cursors.add(cursor)
            query["cursor"] = cursor

    def plain_client(self) -> httpx.AsyncClient:
        """A client for pre-signed storage URLs: the session's timeout and TLS, no token."""
        return httpx.AsyncClient(timeout=self._http.timeout, verify=tls_context())

    async def stream_to(self, url: str, sink: Callable[[bytes], None]) -> int:
        """GET an absolute, pre-signed URL (no token sent) and feed its body to ``sink``."""
        async with self.plain_client() as plain:
            try:
                async with plain.stream("GET", url) as response:
                    if response.status_code != 200:
                        raise errors.ApiError(
                            response.status_code, "GET", "(export download)", "download failed"
                        )
                    size = 0
                    async for chunk in response.aiter_bytes(1 << 16):
                        sink(chunk)
                        size += len(chunk)
                    return size
            except httpx.TransportError as exc:
                raise errors.TransportError(
                    "GET", "(export download)", _describe(exc), reached_server=True
                ) from None


def _param(value: Any) -> Any:
    """Query values as Pachca expects them: booleans lower-case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


_REASONS = {
    httpx.ConnectError: "net.cannot_connect",
    httpx.ConnectTimeout: "net.connect_timeout",
    httpx.ReadTimeout: "net.read_timeout",
    httpx.WriteTimeout: "net.write_timeout",
    httpx.PoolTimeout: "net.pool_timeout",
    httpx.RemoteProtocolError: "net.dropped",
    httpx.ReadError: "net.read_error",
}


def _describe(exc: httpx.TransportError, base_url: str | None = None) -> str:
    """A short reason for a transport error in the operator's language.

    A failure to connect names the API's address (without user, password or query,
    which may carry secrets) and the setting that chose it; other reasons name no URL.
    """
    from runner import words

    message_id = _REASONS.get(type(exc))
    if message_id is None:
        return words.text("net.other", name=type(exc).__name__)
    if base_url is not None and message_id in ("net.cannot_connect", "net.connect_timeout"):
        url = httpx.URL(base_url).copy_with(username=None, password=None, query=None)
        return words.text("net.where", reason=words.text(message_id), url=str(url),
                          setting="PACHCA_BASE_URL")
    return words.text(message_id)
