"""Tables of the job runner: the outbox, the persisted schedule and the runner lease."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from paytrust.platform.db import Base, IdMixin, TimestampMixin, utcnow


class OutboxMessage(Base):
    """Work that must not be lost, written in the same transaction as the change causing it."""

    __tablename__ = "platform_outbox"
    __table_args__ = (Index("ix_platform_outbox_due", "processed_at", "available_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    topic: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column()


class Job(IdMixin, TimestampMixin, Base):
    """A registered periodic job's schedule and last outcome (one row per job name)."""

    __tablename__ = "platform_job"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    interval_seconds: Mapped[int | None] = mapped_column()
    daily_at: Mapped[str | None] = mapped_column(String(5))  # "HH:MM" UTC
    next_run_at: Mapped[datetime] = mapped_column(index=True)
    last_run_at: Mapped[datetime | None] = mapped_column()
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)


class JobLease(Base):
    """Who may run jobs now: one holder until ``expires_at`` unless it renews."""

    __tablename__ = "platform_job_lease"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column()
