"""Reading a raw request body with a size bound (413 beyond it, before reading it all)."""

from __future__ import annotations

from fastapi import Request
from starlette.requests import ClientDisconnect

from paytrust.platform.errors import PayloadTooLarge
from paytrust.platform.headers import header


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read from the ASGI messages themselves: ``request.stream()``'s async
    generator costs a scoring request 2.4 us against 1.0 (measured alone). Like it, this
    raises ``ClientDisconnect`` if the client goes away first."""
    declared = header(request, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body exceeds {limit} bytes", field="body")
    chunks: list[bytes] = []
    size = 0
    receive = request.receive
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body exceeds {limit} bytes", field="body")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
