"""The conftest guard: a test that tries to reach beyond loopback fails."""

from __future__ import annotations

import socket

import pytest


def test_connecting_beyond_loopback_is_refused() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(RuntimeError, match="must not touch the network"),
    ):
        sock.connect(("203.0.113.7", 443))  # TEST-NET-3: never routable anyway


def test_name_resolution_beyond_loopback_is_refused() -> None:
    with pytest.raises(RuntimeError, match="must not touch the network"):
        socket.getaddrinfo("api.pachca.com", 443)
