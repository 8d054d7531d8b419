"""Integrator API keys: shown once, stored as a SHA-256 hash, scoped, revocable."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.errors import NotFound, Unauthenticated, ValidationFailed
from paytrust.platform.identity.models import ApiKey
from paytrust.platform.identity.permissions import api_key_scopes
from paytrust.platform.identity.principal import Principal
from paytrust.platform.identity.service._common import (
    as_utc,
    forget_cached_credentials,
    now_or,
    sha256_hex,
)

KEY_PREFIX = "ptk_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8  # "ptk_" and 4 random bytes in hex
# Scoring is hot: remember the last use at most once a minute per key.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _key_view(key: ApiKey) -> dict[str, object]:
    return {"name": key.name, "prefix": key.prefix, "scopes": key.scopes,
            "expires_at": key.expires_at, "revoked_at": key.revoked_at}


def create_api_key(
    session: Session, *, actor: str, name: str, scopes: Iterable[str],
    owner_user_id: str | None = None, expires_at: datetime | None = None,
) -> tuple[str, ApiKey]:
    """Returns the raw key (shown to its owner this once) and the stored record."""
    wanted = sorted(set(scopes))
    allowed = api_key_scopes()
    unknown = [scope for scope in wanted if scope not in allowed]
    if not wanted or unknown:
        raise ValidationFailed(
            f"scopes must be among {sorted(allowed)}; not allowed: {unknown}", field="scopes"
        )
    if not name.strip():
        raise ValidationFailed("a key needs a name", field="name")
    prefix = KEY_PREFIX + secrets.token_hex(4)
    raw_key = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(name=name.strip(), prefix=prefix, secret_hash=sha256_hex(raw_key),
                 scopes=wanted, owner_user_id=owner_user_id, expires_at=expires_at)
    session.add(key)
    session.flush()
    audit.record(session, actor=actor, action="identity.apikey.created", entity_type="api_key",
                 entity_id=key.id, after=_key_view(key))
    return raw_key, key


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def find_api_key(session: Session, id_or_prefix: str) -> ApiKey:
    key = session.get(ApiKey, id_or_prefix) or session.scalar(
        select(ApiKey).where(ApiKey.prefix == id_or_prefix)
    )
    if key is None:
        raise NotFound(f"API key {id_or_prefix!r} not found", field="key_id")
    return key


def revoke_api_key(
    session: Session, *, actor: str, key_id: str, now: datetime | None = None
) -> ApiKey:
    key = find_api_key(session, key_id)
    if key.revoked_at is None:
        before = _key_view(key)
        key.revoked_at = now_or(now)
        audit.record(session, actor=actor, action="identity.apikey.revoked",
                     entity_type="api_key", entity_id=key.id, before=before, after=_key_view(key))
    forget_cached_credentials(session)
    return key


def authenticate_api_key(session: Session, raw_key: str, now: datetime | None = None) -> Principal:
    now = now_or(now)
    # The secret part may itself contain "_": the prefix is cut by length, not by separator.
    prefix = raw_key[:PREFIX_LENGTH]
    key = (
        session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if raw_key.startswith(KEY_PREFIX) else None
    )
    if key is None or not hmac.compare_digest(key.secret_hash, sha256_hex(raw_key)):
        raise Unauthenticated("unknown API key")
    if key.revoked_at is not None:
        raise Unauthenticated("the API key was revoked")
    if key.expires_at is not None and as_utc(key.expires_at) <= now:
        raise Unauthenticated("the API key has expired")
    if key.last_used_at is None or as_utc(key.last_used_at) + LAST_USED_RESOLUTION <= now:
        key.last_used_at = now
    return Principal(
        kind="api_key", id=key.id, name=key.name, roles=frozenset(),
        permissions=frozenset(key.scopes), user_id=key.owner_user_id,
    )
