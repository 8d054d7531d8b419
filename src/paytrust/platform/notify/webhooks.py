"""Signed webhooks and the chat formats (Slack-style, DingTalk, WeCom).

Every request with a channel secret carries ``X-PayTrust-Timestamp`` (Unix seconds) and
``X-PayTrust-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``. Receivers check
it with :func:`verify_signature`, which also refuses timestamps outside the replay window.
DingTalk robots use their own scheme instead: ``timestamp`` (ms) and ``sign`` query parameters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson

from paytrust.platform.notify.enums import WebhookFormat
from paytrust.platform.notify.message import Message

TIMESTAMP_HEADER = "X-PayTrust-Timestamp"
SIGNATURE_HEADER = "X-PayTrust-Signature"
SIGNATURE_VERSION = "v1"
REPLAY_WINDOW = timedelta(minutes=5)


class WebhookFailed(Exception):
    """The endpoint did not accept the message (transport error, non-2xx, or a chat API
    ``errcode``)."""


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    format: WebhookFormat
    secret: str | None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={digest.hexdigest()}"


def verify_signature(
    secret: str, *, timestamp: str, signature: str, body: bytes, now: datetime,
    window: timedelta = REPLAY_WINDOW,
) -> bool:
    """For receivers: the body is ours and fresh. Accepts several comma-separated signatures
    (a sender mid-way through a secret change)."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now.timestamp() - sent_at) > window.total_seconds():
        return False
    expected = sign(secret, sent_at, body)
    return any(
        hmac.compare_digest(expected, candidate.strip()) for candidate in signature.split(",")
    )


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature: base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>"))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def render_payload(
    fmt: WebhookFormat, message: Message, *, delivery_id: str, sent_at: datetime
) -> dict[str, Any]:
    if fmt is WebhookFormat.SLACK:
        return _slack(message)
    if fmt is WebhookFormat.DINGTALK:
        if message.markdown:
            return {"msgtype": "markdown",
                    "markdown": {"title": message.title, "text": message.markdown_text()}}
        return {"msgtype": "text", "text": {"content": message.plain_text()}}
    if fmt is WebhookFormat.WECOM:
        if message.markdown:
            return {"msgtype": "markdown", "markdown": {"content": message.markdown_text()}}
        return {"msgtype": "text", "text": {"content": message.plain_text()}}
    return {
        "id": delivery_id, "title": message.title, "body": message.body, "link": message.link,
        "severity": str(message.severity), "sent_at": sent_at.isoformat(),
    }


def _slack(message: Message) -> dict[str, Any]:
    text = f"*{message.title}*\n{message.body}" + (f"\n<{message.link}>" if message.link else "")
    if not message.markdown:
        return {"text": message.plain_text()}
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title}},
        {"type": "section", "text": {"type": "mrkdwn", "text": message.body}},
    ]
    if message.link:
        blocks.append({"type": "context",
                       "elements": [{"type": "mrkdwn", "text": f"<{message.link}>"}]})
    return {"text": text, "blocks": blocks}


def post_webhook(
    client: httpx.Client, target: WebhookTarget, message: Message, *,
    delivery_id: str, now: datetime,
) -> None:
    body = orjson.dumps(
        render_payload(target.format, message, delivery_id=delivery_id, sent_at=now)
    )
    headers = {"Content-Type": "application/json; charset=utf-8"}
    url = httpx.URL(target.url)
    if target.secret:
        timestamp = int(now.timestamp())
        headers[TIMESTAMP_HEADER] = str(timestamp)
        headers[SIGNATURE_HEADER] = sign(target.secret, timestamp, body)
        if target.format is WebhookFormat.DINGTALK:
            timestamp_ms = int(now.timestamp() * 1000)
            url = url.copy_merge_params(
                {"timestamp": str(timestamp_ms), "sign": dingtalk_sign(target.secret, timestamp_ms)}
            )
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as error:
        raise WebhookFailed(f"{type(error).__name__}: {error}") from error
    if not response.is_success:
        raise WebhookFailed(f"HTTP {response.status_code}: {response.text[:200]}")
    if target.format in (WebhookFormat.DINGTALK, WebhookFormat.WECOM):
        _raise_on_chat_error(response)


def _raise_on_chat_error(response: httpx.Response) -> None:
    """DingTalk and WeCom answer 200 with ``{"errcode": n, "errmsg": ...}``; non-zero failed."""
    try:
        answer = response.json()
    except ValueError:
        return
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise WebhookFailed(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")
