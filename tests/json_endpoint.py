"""A base for the small local JSON endpoints tests stand up (a digest's ``http`` source)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler that answers JSON bytes and keeps quiet in the test output."""

    def send_json(self, status: int, body: bytes) -> None:
        """Answer ``status`` with ``body`` as ``application/json``."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """No access log on stderr."""
