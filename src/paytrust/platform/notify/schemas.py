"""Input and output shapes of the notifications API."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from paytrust.platform.notify.enums import ChannelKind, DeliveryStatus, Severity, WebhookFormat

_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+$")


class ChannelCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: ChannelKind
    target: str = Field(min_length=3, max_length=2000,
                        description="comma-separated e-mail addresses, or the webhook URL")
    format: WebhookFormat | None = Field(default=None, description="webhooks only")
    secret: str | None = Field(default=None, min_length=8, max_length=500,
                               description="signing secret (webhooks)")

    @model_validator(mode="after")
    def _target_matches_kind(self) -> Self:
        if self.kind is ChannelKind.EMAIL:
            if self.format is not None or self.secret is not None:
                raise ValueError("e-mail channels take no format or secret")
            if not all(_EMAIL.match(address) for address in self.recipients):
                raise ValueError("target must be comma-separated e-mail addresses")
        else:
            parts = urlsplit(self.target)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("target must be an http(s) URL")
            if self.format is None:
                self.format = WebhookFormat.GENERIC
        return self

    @property
    def recipients(self) -> list[str]:
        return [address.strip() for address in self.target.split(",") if address.strip()]


class ChannelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: ChannelKind
    format: WebhookFormat | None
    target_display: str = Field(description="where it goes, without credentials")
    has_secret: bool
    enabled: bool
    created_at: datetime


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    body: str
    link: str | None
    severity: Severity
    created_at: datetime
    read_at: datetime | None


class NotificationList(BaseModel):
    items: list[NotificationRead]
    unread_count: int


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    channel_id: str | None
    title: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    sent_at: datetime | None
    created_at: datetime


class MarkedRead(BaseModel):
    marked: int
