"""Contract checking with openapi-core: every API request and response against the spec.

Requests are checked as if sent to the spec's own server (``https://api.pachca.com``
plus the path), so the loopback host and port never matter. A violation is recorded,
never raised: the workspace keeps answering, and tests assert the list is empty.

Not checked: ``/_workspace/`` paths (not Pachca), and 429 / 5xx responses (rate
limits and injected faults: the spec lists neither, API-NOTES.md documents both).

Two readings of the spec are normalised before use, both meaning-preserving:
- the ``BearerAuth`` scheme ``Bearer`` is lower-cased: openapi-core compares it
  case-sensitively with the lower-cased header scheme, so no request could pass,
  while RFC 7235 makes auth schemes case-insensitive;
- a property written ``{type: object, allOf: [$ref X], nullable: true}`` (``User.user_status``,
  ``Message.voice_content``, ``Message.forwarding``, webhook ``thread``) becomes X's
  schema inlined with ``nullable: true``: under OpenAPI 3.0.3 rules the non-nullable X
  inside ``allOf`` rejects ``null``, although the author plainly marks it nullable and
  the API returns ``null`` there.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any

from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_HOST = "https://api.pachca.com"


@functools.lru_cache(maxsize=4)
def load_openapi(path: str) -> Any:
    """Parse and check the spec once per path (it takes about a second)."""
    import yaml  # optional dependencies load only when contract checking is on
    from openapi_core import OpenAPI

    with open(path, encoding="utf-8") as fh:
        spec = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return OpenAPI.from_dict(normalise_spec(spec))


def normalise_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Apply the two normalisations of the module docstring (in place) and return ``spec``."""
    components = spec.get("components", {})
    for scheme in components.get("securitySchemes", {}).values():
        if scheme.get("type") == "http" and isinstance(scheme.get("scheme"), str):
            scheme["scheme"] = scheme["scheme"].lower()
    schemas = components.get("schemas", {})

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in list(node.items()):
                if (
                    isinstance(value, dict)
                    and value.get("nullable") is True
                    and len(value.get("allOf", ())) == 1
                    and "$ref" in value["allOf"][0]
                ):
                    target = value["allOf"][0]["$ref"].rsplit("/", 1)[-1]
                    inlined = dict(schemas[target])
                    inlined["nullable"] = True
                    if "description" in value:
                        inlined["description"] = value["description"]
                    node[key] = inlined
                fix(node[key])
        elif isinstance(node, list):
            for item in node:
                fix(item)

    fix(spec)
    return spec


@dataclass
class _Request:
    """The openapi-core ``Request`` protocol over captured ASGI data."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes | None
    host_url: str = SPEC_HOST

    def __post_init__(self) -> None:
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(self.query), header=Headers(self.headers), cookie={}
        )

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "application/octet-stream")


@dataclass
class _Response:
    """The openapi-core ``Response`` protocol over a captured response."""

    status_code: int
    headers: Headers
    data: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def _describe(error: BaseException) -> str:
    parts = [str(error)]
    cause = error.__cause__
    while cause is not None:
        nested = getattr(cause, "schema_errors", None)
        if nested:
            parts.extend(getattr(e, "message", str(e)) for e in nested)
        else:
            parts.append(str(cause))
        cause = cause.__cause__
    return ": ".join(dict.fromkeys(p for p in parts if p))


class ContractChecker:
    """Validates captured exchanges and keeps the violations found."""

    def __init__(self, spec_path: str) -> None:
        self._api = load_openapi(spec_path)
        self._lock = threading.Lock()
        self.violations: list[dict[str, Any]] = []

    def check(
        self,
        *,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        headers: dict[str, str],
        body: bytes | None,
        status: int,
        response_headers: list[tuple[str, str]],
        response_body: bytes,
    ) -> None:
        """Validate one request and (unless 429/5xx) its response; record violations."""
        request = _Request(method.lower(), path, query, headers, body or None)
        found = [("request", e) for e in self._api.iter_request_errors(request)]
        if status != 429 and status < 500:
            response = _Response(status, Headers(response_headers), response_body)
            found += [("response", e) for e in self._api.iter_response_errors(request, response)]
        if not found:
            return
        with self._lock:
            for kind, error in found:
                self.violations.append(
                    {
                        "kind": kind,
                        "method": method,
                        "path": path,
                        "status": status,
                        "message": _describe(error),
                    }
                )
