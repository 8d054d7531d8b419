"""Notification services: channels (audited), notify_user / notify_channel, the in-app inbox.

Nothing here talks to the network: e-mails and webhooks become delivery rows in the caller's
unit of work, sent later by :mod:`paytrust.platform.notify.delivery`.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.db import utcnow
from paytrust.platform.errors import Conflict, NotFound
from paytrust.platform.notify.enums import ChannelKind, DeliveryStatus, Severity
from paytrust.platform.notify.message import Message
from paytrust.platform.notify.models import (
    Notification,
    NotificationChannel,
    NotificationDelivery,
)
from paytrust.platform.notify.schemas import ChannelCreate

ENTITY = "notification_channel"
TEST_MESSAGE = Message(
    title="PayTrust test notification / 测试通知",
    body="This channel is configured correctly.\n\n该通知渠道配置正确。",
    severity=Severity.INFO,
)


def create_channel(session: Session, data: ChannelCreate, *, actor: str) -> NotificationChannel:
    if session.scalar(select(NotificationChannel.id).where(NotificationChannel.name == data.name)):
        raise Conflict(f"a channel named {data.name!r} already exists", field="name")
    target = ", ".join(data.recipients) if data.kind is ChannelKind.EMAIL else data.target
    channel = NotificationChannel(
        name=data.name, kind=data.kind, target=target,
        format=data.format, secret=data.secret, enabled=True,
    )
    session.add(channel)
    session.flush()
    audit.record(session, actor=actor, action="notify.channel_created", entity_type=ENTITY,
                 entity_id=channel.id, after=_audit_view(channel))
    return channel


def list_channels(session: Session) -> Sequence[NotificationChannel]:
    return session.scalars(select(NotificationChannel).order_by(NotificationChannel.name)).all()


def get_channel(session: Session, channel_id: str) -> NotificationChannel:
    channel = session.get(NotificationChannel, channel_id)
    if channel is None:
        raise NotFound(f"no notification channel {channel_id!r}")
    return channel


def set_channel_enabled(
    session: Session, channel_id: str, enabled: bool, *, actor: str
) -> NotificationChannel:
    channel = get_channel(session, channel_id)
    if channel.enabled == enabled:
        return channel
    before = _audit_view(channel)
    channel.enabled = enabled
    audit.record(session, actor=actor,
                 action="notify.channel_enabled" if enabled else "notify.channel_disabled",
                 entity_type=ENTITY, entity_id=channel.id, before=before,
                 after=_audit_view(channel))
    return channel


def describe_target(channel: NotificationChannel) -> str:
    """Where the channel sends, without credentials: webhook URLs lose their query string
    (DingTalk / WeCom put the access token there)."""
    if channel.kind == ChannelKind.EMAIL:
        return channel.target
    parts = urlsplit(channel.target)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _audit_view(channel: NotificationChannel) -> dict[str, object]:
    """The audit trail never holds the target or the secret in clear."""
    return {"name": channel.name, "kind": channel.kind, "format": channel.format,
            "target": describe_target(channel), "has_secret": channel.secret is not None,
            "enabled": channel.enabled}


def notify_user(
    session: Session, user_id: str, message: Message, *, email: str | None = None
) -> Notification:
    """An in-app notification for ``user_id``, plus an e-mail copy to ``email`` if given
    (the caller knows the user's address; identity owns it)."""
    notification = Notification(
        user_id=user_id, title=message.title, body=message.body, link=message.link,
        severity=message.severity,
    )
    session.add(notification)
    if email:
        session.add(_delivery(message, channel=None, recipient=email))
    return notification


def notify_channel(session: Session, channel_name: str, message: Message) -> NotificationDelivery:
    """Queue ``message`` for the channel called ``channel_name``. A disabled channel records a
    skipped delivery instead of failing the caller."""
    channel = session.scalar(
        select(NotificationChannel).where(NotificationChannel.name == channel_name)
    )
    if channel is None:
        raise NotFound(f"no notification channel named {channel_name!r}")
    delivery = _delivery(message, channel=channel, recipient=None)
    session.add(delivery)
    return delivery


def send_test(session: Session, channel_id: str, *, actor: str) -> NotificationDelivery:
    channel = get_channel(session, channel_id)
    delivery = _delivery(TEST_MESSAGE, channel=channel, recipient=None)
    session.add(delivery)
    session.flush()
    audit.record(session, actor=actor, action="notify.channel_tested", entity_type=ENTITY,
                 entity_id=channel.id, after={"delivery_id": delivery.id})
    return delivery


def _delivery(
    message: Message, *, channel: NotificationChannel | None, recipient: str | None
) -> NotificationDelivery:
    skipped = channel is not None and not channel.enabled
    return NotificationDelivery(
        channel_id=channel.id if channel is not None else None, recipient=recipient,
        title=message.title, body=message.body, link=message.link, severity=message.severity,
        markdown=message.markdown,
        status=DeliveryStatus.SKIPPED if skipped else DeliveryStatus.PENDING,
        last_error="channel disabled" if skipped else None, next_attempt_at=utcnow(),
    )


def list_deliveries(
    session: Session, *, channel_id: str | None = None, limit: int = 50
) -> Sequence[NotificationDelivery]:
    query = select(NotificationDelivery).order_by(NotificationDelivery.created_at.desc())
    if channel_id is not None:
        query = query.where(NotificationDelivery.channel_id == channel_id)
    return session.scalars(query.limit(limit)).all()


def list_notifications(
    session: Session, user_id: str, *, unread_only: bool = False, limit: int = 50
) -> Sequence[Notification]:
    """The user's inbox, newest first: the only query deciding which notifications one sees."""
    query = (select(Notification).where(Notification.user_id == user_id)
             .order_by(Notification.created_at.desc(), Notification.id).limit(limit))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return session.scalars(query).all()


def count_unread(session: Session, user_id: str) -> int:
    return session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def mark_read(session: Session, user_id: str, notification_id: str) -> Notification:
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound(f"no notification {notification_id!r}")  # others' rows do not exist
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(session: Session, user_id: str) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))
