"""``read_body``: the body from the ASGI messages, bounded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import ClientDisconnect, Request

from paytrust.platform.errors import PayloadTooLarge
from paytrust.risk.api._body import read_body


def _request(messages: list[dict[str, Any]], headers: list[tuple[bytes, bytes]] | None = None
             ) -> tuple[Request, list[dict[str, Any]]]:
    """A request whose ``receive`` hands out ``messages``; the second list holds those left."""
    left = list(messages)

    async def receive() -> dict[str, Any]:
        return left.pop(0)

    return Request({"type": "http", "headers": headers or []}, receive), left


def _read(request: Request, limit: int = 100) -> bytes:
    return asyncio.run(read_body(request, limit))


def test_chunks_are_joined_in_order() -> None:
    request, left = _request([
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": True},
        {"type": "http.request", "body": b"cd"},
    ])
    assert _read(request) == b"abcd"
    assert left == []


def test_a_body_growing_past_the_limit_is_refused_before_the_rest_is_read() -> None:
    request, left = _request([
        {"type": "http.request", "body": b"x" * 60, "more_body": True},
        {"type": "http.request", "body": b"x" * 60, "more_body": True},
        {"type": "http.request", "body": b"x" * 60},
    ])
    with pytest.raises(PayloadTooLarge):
        _read(request)
    assert len(left) == 1


def test_a_declared_length_past_the_limit_is_refused_before_anything_is_read() -> None:
    request, left = _request([{"type": "http.request", "body": b"x"}],
                             headers=[(b"content-length", b"101")])
    with pytest.raises(PayloadTooLarge):
        _read(request)
    assert len(left) == 1


def test_a_client_gone_before_the_end_raises_client_disconnect() -> None:
    request, _ = _request([{"type": "http.request", "body": b"ab", "more_body": True},
                           {"type": "http.disconnect"}])
    with pytest.raises(ClientDisconnect):
        _read(request)
