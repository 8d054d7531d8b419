"""Reading a raw request body with a size bound (413 beyond it, before reading it all)."""

from __future__ import annotations

from fastapi import Request

from paytrust.platform.errors import PayloadTooLarge


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"body exceeds {limit} bytes", field="body")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        if not chunk:  # Starlette ends the stream with one; without it a lone chunk is not copied
            continue
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body exceeds {limit} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)
