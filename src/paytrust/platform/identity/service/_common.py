"""Shared pieces of the identity services: hashing, clocks, user lookup."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from paytrust.platform.db import utcnow
from paytrust.platform.errors import NotFound
from paytrust.platform.identity import cache
from paytrust.platform.identity.models import RoleGrant, User

password_hasher = PasswordHasher()  # Argon2id with the library's current recommended costs
_CACHE_STALE = "paytrust_identity_cache_stale"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def now_or(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for some expressions; they are UTC by construction."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def get_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", field="user_id")
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def user_roles(session: Session, user_id: str) -> list[str]:
    return sorted(session.scalars(select(RoleGrant.role).where(RoleGrant.user_id == user_id)))


def forget_cached_credentials(session: Session) -> None:
    """Drop cached principals now, and again when this unit of work commits: a request that
    resolved a credential in between read the old state and may have cached it as valid."""
    cache.clear()
    session.info[_CACHE_STALE] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop(_CACHE_STALE, False):
        cache.clear()


@event.listens_for(Session, "after_rollback")
def _nothing_to_forget_after_rollback(session: Session, *_: Any) -> None:
    session.info.pop(_CACHE_STALE, None)
