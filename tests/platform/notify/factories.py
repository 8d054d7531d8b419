"""Channels and runners for the notification tests."""

from __future__ import annotations

from sqlalchemy.orm import Session

from paytrust.config import NotifySettings, Settings
from paytrust.platform.db import Database
from paytrust.platform.jobs import JobRunner
from paytrust.platform.notify import service
from paytrust.platform.notify.enums import ChannelKind, WebhookFormat
from paytrust.platform.notify.models import NotificationChannel
from paytrust.platform.notify.schemas import ChannelCreate
from paytrust.worker import build_runner
from tests.platform.conftest import FakeClock

WEBHOOK_SECRET = "whsec-test-0123456789"


def webhook_channel(
    session: Session, url: str, *, name: str = "ops-hook",
    fmt: WebhookFormat = WebhookFormat.GENERIC, secret: str | None = WEBHOOK_SECRET,
) -> NotificationChannel:
    data = ChannelCreate(name=name, kind=ChannelKind.WEBHOOK, target=url, format=fmt,
                         secret=secret)
    return service.create_channel(session, data, actor="user:admin")


def email_channel(
    session: Session, recipients: str, *, name: str = "ops-mail"
) -> NotificationChannel:
    data = ChannelCreate(name=name, kind=ChannelKind.EMAIL, target=recipients)
    return service.create_channel(session, data, actor="user:admin")


def worker(database: Database, clock: FakeClock, smtp_port: int = 1) -> JobRunner:
    """The production runner (``paytrust.worker``) pointed at the test's SMTP server."""
    settings = Settings(
        environment="test", database_url=database.url,
        notify=NotifySettings(smtp_host="127.0.0.1", smtp_port=smtp_port,
                              mail_from="alerts@paytrust.test", webhook_timeout_s=5.0),
    )
    return build_runner(settings, database, clock)
