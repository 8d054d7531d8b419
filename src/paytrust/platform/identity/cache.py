"""A short-lived in-process cache of resolved credentials.

Scoring must not pay a database round trip per request to check its API key. A resolved
principal is kept for ``TTL_S`` seconds; revoking a key, disabling a user or signing out clears
the cache of this process at once, and other processes within ``TTL_S``.
"""

from __future__ import annotations

import hashlib
import time

from paytrust.platform.identity.principal import Principal

TTL_S = 10.0
_MAX_ENTRIES = 10_000
_entries: dict[str, tuple[float, Principal]] = {}


def _key(kind: str, credential: str) -> str:
    return kind + ":" + hashlib.sha256(credential.encode()).hexdigest()


def get(kind: str, credential: str) -> Principal | None:
    hit = _entries.get(_key(kind, credential))
    if hit is None or hit[0] < time.monotonic():
        return None
    return hit[1]


def put(kind: str, credential: str, principal: Principal) -> None:
    if len(_entries) >= _MAX_ENTRIES:
        _entries.clear()
    _entries[_key(kind, credential)] = (time.monotonic() + TTL_S, principal)


def clear() -> None:
    _entries.clear()
