"""Deliveries to a real SMTP server and a real HTTP receiver, both started by the test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from paytrust.platform.db import Database
from paytrust.platform.notify import service
from paytrust.platform.notify.delivery import MAX_ATTEMPTS
from paytrust.platform.notify.enums import DeliveryStatus, Severity, WebhookFormat
from paytrust.platform.notify.message import Message
from paytrust.platform.notify.models import NotificationDelivery
from paytrust.platform.notify.webhooks import dingtalk_sign, verify_signature
from tests.platform.conftest import FakeClock
from tests.platform.notify.factories import WEBHOOK_SECRET, email_channel, webhook_channel, worker
from tests.platform.receivers import SmtpServer, WebhookReceiver

ALERT = Message(title="高风险交易告警 / High-risk transaction",
                body="Transaction tx-42 scored 0.97.\n\n请立即处理。",
                link="https://paytrust.test/alerts/42", severity=Severity.CRITICAL)


def delivery(database: Database) -> NotificationDelivery:
    with database.session_scope() as session:
        return session.scalars(select(NotificationDelivery)).one()


def test_email_channel_message_arrives_with_chinese_subject_recipients_and_both_bodies(
    database: Database, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    with database.session_scope() as session:
        email_channel(session, "risk@bank.test, 值班@bank.test")
        service.notify_channel(session, "ops-mail", ALERT)

    summary = worker(database, clock, smtp_server.port).run_once()

    assert summary is not None
    assert summary.pumped == {"platform.notify.deliver": 1}
    [mail] = smtp_server.received
    assert mail.sender == "alerts@paytrust.test"
    assert mail.recipients == ["risk@bank.test", "值班@bank.test"]
    assert mail.message["Subject"] == "高风险交易告警 / High-risk transaction"
    plain = mail.message.get_body(("plain",))
    html = mail.message.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert "请立即处理。" in plain.get_content()
    assert "https://paytrust.test/alerts/42" in plain.get_content()
    assert '<a href="https://paytrust.test/alerts/42">' in html.get_content()
    assert delivery(database).status == DeliveryStatus.SENT


def test_notify_user_writes_the_inbox_row_and_emails_a_copy(
    database: Database, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    with database.session_scope() as session:
        service.notify_user(session, "u-analyst", ALERT, email="analyst@bank.test")

    worker(database, clock, smtp_server.port).run_once()

    assert [mail.recipients for mail in smtp_server.received] == [["analyst@bank.test"]]
    with database.session_scope() as session:
        [inbox] = service.list_notifications(session, "u-analyst")
        assert (inbox.title, inbox.read_at) == (ALERT.title, None)


def test_generic_webhook_is_signed_so_the_receiver_can_verify_it(
    database: Database, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    with database.session_scope() as session:
        webhook_channel(session, webhook_receiver.url)
        queued = service.notify_channel(session, "ops-hook", ALERT)

    worker(database, clock).run_once()

    [request] = webhook_receiver.requests
    assert verify_signature(
        WEBHOOK_SECRET, timestamp=request.headers["X-PayTrust-Timestamp"],
        signature=request.headers["X-PayTrust-Signature"], body=request.body, now=clock(),
    )
    assert not verify_signature(
        "another-secret", timestamp=request.headers["X-PayTrust-Timestamp"],
        signature=request.headers["X-PayTrust-Signature"], body=request.body, now=clock(),
    )
    assert request.json()["id"] == queued.id
    assert request.json()["title"] == ALERT.title


def test_dingtalk_webhook_carries_the_robots_timestamp_and_sign_parameters(
    database: Database, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    with database.session_scope() as session:
        webhook_channel(session, webhook_receiver.url + "?access_token=robot-token",
                        fmt=WebhookFormat.DINGTALK, secret="SECdingtalk-secret")
        service.notify_channel(session, "ops-hook", ALERT)

    worker(database, clock).run_once()

    [request] = webhook_receiver.requests
    assert request.query["access_token"] == "robot-token"
    assert int(request.query["timestamp"]) == int(clock().timestamp() * 1000)
    assert request.query["sign"] == dingtalk_sign("SECdingtalk-secret",
                                                  int(request.query["timestamp"]))
    assert request.json()["msgtype"] == "markdown"
    assert request.json()["markdown"]["title"] == ALERT.title


@pytest.mark.parametrize(("fmt", "shape"), [
    (WebhookFormat.SLACK, {"text", "blocks"}),
    (WebhookFormat.WECOM, {"msgtype", "markdown"}),
])
def test_slack_and_wecom_webhooks_post_their_payload_shapes(
    database: Database, clock: FakeClock, webhook_receiver: WebhookReceiver,
    fmt: WebhookFormat, shape: set[str],
) -> None:
    with database.session_scope() as session:
        webhook_channel(session, webhook_receiver.url, fmt=fmt, secret=None)
        service.notify_channel(session, "ops-hook", ALERT)

    worker(database, clock).run_once()

    [request] = webhook_receiver.requests
    assert set(request.json()) == shape
    assert "X-PayTrust-Signature" not in request.headers  # no secret, no signature


def test_receiver_error_is_retried_with_backoff_until_it_succeeds(
    database: Database, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.reply_next(500, {"error": "overloaded"})
    with database.session_scope() as session:
        webhook_channel(session, webhook_receiver.url)
        service.notify_channel(session, "ops-hook", ALERT)
    runner = worker(database, clock)

    runner.run_once()
    failed = delivery(database)
    assert (failed.status, failed.attempts) == (DeliveryStatus.PENDING, 1)
    assert failed.last_error is not None
    assert "HTTP 500" in failed.last_error
    assert failed.next_attempt_at == clock() + timedelta(seconds=30)

    runner.run_once()  # not due yet
    assert len(webhook_receiver.requests) == 1

    clock.advance(timedelta(seconds=30))
    runner.run_once()
    sent = delivery(database)
    assert (sent.status, sent.attempts, sent.sent_at) == (DeliveryStatus.SENT, 2, clock())
    assert len(webhook_receiver.requests) == 2


def test_chat_errcode_in_a_200_answer_counts_as_a_failure(
    database: Database, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.reply_next(200, {"errcode": 310000, "errmsg": "sign not match"})
    with database.session_scope() as session:
        webhook_channel(session, webhook_receiver.url, fmt=WebhookFormat.DINGTALK)
        service.notify_channel(session, "ops-hook", ALERT)

    worker(database, clock).run_once()

    assert "errcode 310000: sign not match" in (delivery(database).last_error or "")


def test_delivery_gives_up_after_its_last_attempt(
    database: Database, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    for _ in range(MAX_ATTEMPTS):
        webhook_receiver.reply_next(503)
    with database.session_scope() as session:
        webhook_channel(session, webhook_receiver.url)
        service.notify_channel(session, "ops-hook", ALERT)
    runner = worker(database, clock)

    for _ in range(MAX_ATTEMPTS + 2):
        runner.run_once()
        clock.advance(timedelta(hours=1))

    assert len(webhook_receiver.requests) == MAX_ATTEMPTS
    assert (delivery(database).status, delivery(database).attempts) == (
        DeliveryStatus.FAILED, MAX_ATTEMPTS)


def test_unreachable_smtp_server_is_a_recorded_failure_not_a_crash(
    database: Database, clock: FakeClock
) -> None:
    with database.session_scope() as session:
        email_channel(session, "risk@bank.test")
        service.notify_channel(session, "ops-mail", ALERT)

    summary = worker(database, clock, smtp_port=1).run_once()

    assert summary is not None
    assert summary.pumped == {"platform.notify.deliver": 0}
    assert delivery(database).attempts == 1
    assert delivery(database).status == DeliveryStatus.PENDING


def test_nothing_is_delivered_when_the_enqueuing_transaction_rolls_back(
    database: Database, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    with database.session_scope() as session:
        webhook_channel(session, webhook_receiver.url)
    with pytest.raises(RuntimeError), database.session_scope() as session:
        service.notify_channel(session, "ops-hook", ALERT)
        raise RuntimeError("incident could not be opened")

    worker(database, clock).run_once()

    assert webhook_receiver.requests == []
    with database.session_scope() as session:
        assert service.list_deliveries(session) == []


def test_nothing_is_sent_inside_the_callers_transaction(
    database: Database, webhook_receiver: WebhookReceiver
) -> None:
    with database.session_scope() as session:
        webhook_channel(session, webhook_receiver.url)
        service.notify_channel(session, "ops-hook", ALERT)

    assert webhook_receiver.requests == []  # only the runner sends


def test_disabled_channel_sends_nothing(
    database: Database, clock: FakeClock, webhook_receiver: WebhookReceiver
) -> None:
    with database.session_scope() as session:
        channel = webhook_channel(session, webhook_receiver.url)
        service.notify_channel(session, "ops-hook", ALERT)  # queued while enabled
    with database.session_scope() as session:
        service.set_channel_enabled(session, channel.id, False, actor="user:admin")
        service.notify_channel(session, "ops-hook", ALERT)  # queued while disabled

    worker(database, clock).run_once()

    assert webhook_receiver.requests == []
    with database.session_scope() as session:
        statuses = {d.status for d in service.list_deliveries(session)}
    assert statuses == {DeliveryStatus.SKIPPED}
