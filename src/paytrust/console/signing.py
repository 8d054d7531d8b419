"""Keys derived from the service secret, one per purpose, and small signed cookie values."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from fastapi import Request

from paytrust.config import Settings


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def purpose_key(request: Request, purpose: str) -> bytes:
    """A key for one purpose only, so a value signed for one use is refused for another."""
    secret = settings_of(request).secret_key.get_secret_value().encode()
    return hashlib.sha256(b"paytrust-console\x00" + purpose.encode() + b"\x00" + secret).digest()


def _mac(key: bytes, body: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def sign(key: bytes, payload: dict[str, Any], ttl_s: int) -> str:
    """``payload`` with an expiry, readable but tamper-evident."""
    body = json.dumps({**payload, "exp": int(time.time()) + ttl_s}, separators=(",", ":"))
    encoded = base64.urlsafe_b64encode(body.encode()).decode()
    return encoded + "." + _mac(key, encoded.encode())


def unsign(key: bytes, value: str | None) -> dict[str, Any] | None:
    """The payload of a value made by :func:`sign`, or None if forged, damaged or expired."""
    if not value or "." not in value:
        return None
    encoded, _, mac = value.rpartition(".")
    if not hmac.compare_digest(mac, _mac(key, encoded.encode())):
        return None
    try:
        payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(encoded.encode()))
    except ValueError:
        return None
    if int(payload.get("exp", 0)) < time.time():
        return None
    return payload
