"""Sending queued deliveries: the job runner's notification pump.

Due rows are read in one short transaction and turned into plain send plans; the network calls
happen outside any transaction, and each outcome is written in its own unit of work. A failure
is retried with exponential backoff until ``MAX_ATTEMPTS``. A runner that dies between sending
and recording sends that message again: delivery is at least once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.config import NotifySettings
from paytrust.platform.db import Database
from paytrust.platform.jobs import Clock, retry_delay
from paytrust.platform.jobs.outbox import describe_error
from paytrust.platform.notify.email import build_email, send_email
from paytrust.platform.notify.enums import ChannelKind, DeliveryStatus, Severity, WebhookFormat
from paytrust.platform.notify.message import Message
from paytrust.platform.notify.models import NotificationChannel, NotificationDelivery
from paytrust.platform.notify.webhooks import WebhookTarget, post_webhook

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(seconds=30)
BATCH_SIZE = 50


@dataclass(frozen=True)
class SendPlan:
    delivery_id: str
    message: Message
    recipients: tuple[str, ...] = ()
    webhook: WebhookTarget | None = None


class DeliveryPump:
    """Registered with the job runner (``paytrust.worker``); needs the SMTP settings."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def __call__(self, database: Database, clock: Clock) -> int:
        return deliver_due(database, clock, self.settings)


def deliver_due(
    database: Database, clock: Clock, settings: NotifySettings, *, batch_size: int = BATCH_SIZE
) -> int:
    """Send every due delivery; returns how many were sent."""
    with database.session_scope() as session:
        plans = _due_plans(session, clock(), batch_size)
    sent = 0
    with httpx.Client(timeout=settings.webhook_timeout_s) as client:
        for plan in plans:
            try:
                _send(plan, settings, client, clock())
            except Exception as error:
                log.warning("notification delivery %s failed: %s", plan.delivery_id, error)
                _record(database, plan.delivery_id, clock(), error)
            else:
                _record(database, plan.delivery_id, clock(), None)
                sent += 1
    return sent


def _due_plans(session: Session, now: datetime, batch_size: int) -> list[SendPlan]:
    rows = session.execute(
        select(NotificationDelivery, NotificationChannel)
        .outerjoin(NotificationChannel, NotificationDelivery.channel_id == NotificationChannel.id)
        .where(NotificationDelivery.status == DeliveryStatus.PENDING,
               NotificationDelivery.next_attempt_at <= now)
        .order_by(NotificationDelivery.next_attempt_at)
        .limit(batch_size)
    ).all()
    plans: list[SendPlan] = []
    for delivery, channel in rows:
        if channel is not None and not channel.enabled:
            delivery.status = DeliveryStatus.SKIPPED
            delivery.last_error = "channel disabled"
            continue
        plans.append(_plan(delivery, channel))
    return plans


def _plan(delivery: NotificationDelivery, channel: NotificationChannel | None) -> SendPlan:
    message = Message(title=delivery.title, body=delivery.body, link=delivery.link,
                      severity=Severity(delivery.severity), markdown=delivery.markdown)
    if channel is None:
        return SendPlan(delivery.id, message, recipients=(delivery.recipient or "",))
    if channel.kind == ChannelKind.EMAIL:
        recipients = tuple(address.strip() for address in channel.target.split(","))
        return SendPlan(delivery.id, message, recipients=recipients)
    target = WebhookTarget(channel.target, WebhookFormat(channel.format or "generic"),
                           channel.secret)
    return SendPlan(delivery.id, message, webhook=target)


def _send(plan: SendPlan, settings: NotifySettings, client: httpx.Client, now: datetime) -> None:
    if plan.webhook is not None:
        post_webhook(client, plan.webhook, plan.message, delivery_id=plan.delivery_id, now=now)
        return
    email = build_email(plan.message, sender=settings.mail_from, recipients=plan.recipients)
    send_email(settings, email)


def _record(database: Database, delivery_id: str, now: datetime, error: Exception | None) -> None:
    with database.session_scope() as session:
        delivery = session.get(NotificationDelivery, delivery_id)
        if delivery is None:
            return
        delivery.attempts += 1
        if error is None:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = now
            delivery.last_error = None
            return
        delivery.last_error = describe_error(error)
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts, base=RETRY_BASE)
