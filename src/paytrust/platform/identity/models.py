"""Identity tables: users and their roles, teams, console sessions, recovery codes, API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from paytrust.platform.crypto import EncryptedString
from paytrust.platform.db import Base, IdMixin, TimestampMixin, utcnow


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "identity_user"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString(), default=None)
    pending_totp_secret: Mapped[str | None] = mapped_column(EncryptedString(), default=None)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(default=None)
    last_totp_step: Mapped[int | None] = mapped_column(Integer, default=None)


class RoleGrant(Base):
    __tablename__ = "identity_role_grant"

    user_id: Mapped[str] = mapped_column(ForeignKey("identity_user.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class Team(IdMixin, TimestampMixin, Base):
    __tablename__ = "identity_team"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")


class TeamMember(Base):
    __tablename__ = "identity_team_member"

    team_id: Mapped[str] = mapped_column(ForeignKey("identity_team.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("identity_user.id"), primary_key=True)


class RecoveryCode(IdMixin, Base):
    __tablename__ = "identity_recovery_code"

    user_id: Mapped[str] = mapped_column(ForeignKey("identity_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class ConsoleSession(IdMixin, Base):
    __tablename__ = "identity_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("identity_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)
    mfa_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class ApiKey(IdMixin, Base):
    __tablename__ = "identity_api_key"
    __table_args__ = (UniqueConstraint("prefix"),)

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    owner_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("identity_user.id"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
