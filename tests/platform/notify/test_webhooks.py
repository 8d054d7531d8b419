"""Webhook signing and the chat payload formats, without a network."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from paytrust.platform.notify.enums import Severity, WebhookFormat
from paytrust.platform.notify.message import Message
from paytrust.platform.notify.webhooks import (
    dingtalk_sign,
    render_payload,
    sign,
    verify_signature,
)

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
BODY = '{"title":"大额交易告警"}'.encode()
MESSAGE = Message(title="大额交易告警", body="Card ****1234 scored 0.97", link="https://pt/alerts/1",
                  severity=Severity.CRITICAL)


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"secret", b"1700000000." + BODY, hashlib.sha256).hexdigest()

    assert sign("secret", 1700000000, BODY) == f"v1={expected}"


def test_receiver_accepts_a_fresh_correct_signature() -> None:
    timestamp = int(NOW.timestamp())
    signature = sign("secret", timestamp, BODY)

    assert verify_signature("secret", timestamp=str(timestamp), signature=signature, body=BODY,
                            now=NOW + timedelta(seconds=30))


@pytest.mark.parametrize(("secret", "body", "age"), [
    ("other-secret", BODY, timedelta(0)),
    ("secret", BODY + b" ", timedelta(0)),
    ("secret", BODY, timedelta(minutes=6)),
    ("secret", BODY, -timedelta(minutes=6)),
])
def test_receiver_refuses_wrong_secret_changed_body_and_replays(
    secret: str, body: bytes, age: timedelta
) -> None:
    timestamp = int(NOW.timestamp())
    signature = sign("secret", timestamp, BODY)

    assert not verify_signature(secret, timestamp=str(timestamp), signature=signature, body=body,
                                now=NOW + age)


def test_receiver_accepts_any_of_several_signatures_and_refuses_garbage_timestamps() -> None:
    timestamp = int(NOW.timestamp())
    both = f"{sign('old', timestamp, BODY)}, {sign('secret', timestamp, BODY)}"

    assert verify_signature("secret", timestamp=str(timestamp), signature=both, body=BODY, now=NOW)
    assert not verify_signature("secret", timestamp="soon", signature=both, body=BODY, now=NOW)


def test_dingtalk_sign_follows_the_robot_documentation() -> None:
    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()

    assert dingtalk_sign("SECabc", 1700000000000) == base64.b64encode(digest).decode()


def test_generic_payload_carries_the_message_fields() -> None:
    payload = render_payload(WebhookFormat.GENERIC, MESSAGE, delivery_id="d1", sent_at=NOW)

    assert payload == {"id": "d1", "title": "大额交易告警", "body": "Card ****1234 scored 0.97",
                       "link": "https://pt/alerts/1", "severity": "critical",
                       "sent_at": NOW.isoformat()}


@pytest.mark.parametrize(("fmt", "markdown", "expected"), [
    (WebhookFormat.DINGTALK, True, {"msgtype": "markdown", "markdown": {
        "title": "大额交易告警",
        "text": "### 大额交易告警\n\nCard ****1234 scored 0.97\n\n"
                "[https://pt/alerts/1](https://pt/alerts/1)"}}),
    (WebhookFormat.DINGTALK, False, {"msgtype": "text", "text": {
        "content": "大额交易告警\n\nCard ****1234 scored 0.97\n\nhttps://pt/alerts/1"}}),
    (WebhookFormat.WECOM, True, {"msgtype": "markdown", "markdown": {
        "content": "### 大额交易告警\n\nCard ****1234 scored 0.97\n\n"
                   "[https://pt/alerts/1](https://pt/alerts/1)"}}),
    (WebhookFormat.WECOM, False, {"msgtype": "text", "text": {
        "content": "大额交易告警\n\nCard ****1234 scored 0.97\n\nhttps://pt/alerts/1"}}),
    (WebhookFormat.SLACK, False, {
        "text": "大额交易告警\n\nCard ****1234 scored 0.97\n\nhttps://pt/alerts/1"}),
])
def test_chat_formats_render_their_documented_shapes(
    fmt: WebhookFormat, markdown: bool, expected: dict[str, object]
) -> None:
    message = Message(MESSAGE.title, MESSAGE.body, MESSAGE.link, MESSAGE.severity, markdown)

    assert render_payload(fmt, message, delivery_id="d1", sent_at=NOW) == expected


def test_slack_payload_has_fallback_text_and_blocks() -> None:
    payload = render_payload(WebhookFormat.SLACK, MESSAGE, delivery_id="d1", sent_at=NOW)

    assert payload["text"].startswith("*大额交易告警*\n")
    assert [block["type"] for block in payload["blocks"]] == ["header", "section", "context"]
    assert payload["blocks"][1]["text"] == {"type": "mrkdwn", "text": "Card ****1234 scored 0.97"}
