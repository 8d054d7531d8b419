"""Notification tables: channels, in-app notifications and the delivery queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from paytrust.platform.crypto import EncryptedString
from paytrust.platform.db import Base, IdMixin, TimestampMixin, utcnow


class NotificationChannel(IdMixin, TimestampMixin, Base):
    """A configured destination: SMTP recipients or a webhook endpoint."""

    __tablename__ = "platform_notification_channel"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # ChannelKind
    # E-mail addresses (comma separated) or the webhook URL, which for DingTalk / WeCom embeds
    # the robot's access token: both are encrypted.
    target: Mapped[str] = mapped_column(EncryptedString())
    format: Mapped[str | None] = mapped_column(String(20))  # WebhookFormat, webhooks only
    secret: Mapped[str | None] = mapped_column(EncryptedString())
    enabled: Mapped[bool] = mapped_column(default=True)


class Notification(IdMixin, Base):
    """An in-app message for one user, read or unread."""

    __tablename__ = "platform_notification"
    __table_args__ = (Index("ix_platform_notification_inbox", "user_id", "read_at"),)

    user_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(20))  # Severity
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column()


class NotificationDelivery(IdMixin, Base):
    """One message to one external destination, and how its sending went."""

    __tablename__ = "platform_notification_delivery"
    __table_args__ = (Index("ix_platform_notification_delivery_due", "status", "next_attempt_at"),)

    channel_id: Mapped[str | None] = mapped_column(
        ForeignKey("platform_notification_channel.id"), index=True
    )
    recipient: Mapped[str | None] = mapped_column(EncryptedString())  # direct e-mail to a user
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(20))
    markdown: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20))  # DeliveryStatus
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
