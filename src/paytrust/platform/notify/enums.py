"""Closed vocabularies of the notification tables and API."""

from __future__ import annotations

from enum import StrEnum


class ChannelKind(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class WebhookFormat(StrEnum):
    GENERIC = "generic"  # our JSON, signed with X-PayTrust-Signature
    SLACK = "slack"  # Slack-style incoming webhook: {"text": ..., "blocks": [...]}
    DINGTALK = "dingtalk"  # DingTalk robot: msgtype text/markdown, timestamp+sign query params
    WECOM = "wecom"  # WeCom (企业微信) group robot: msgtype text/markdown


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS
    SKIPPED = "skipped"  # channel disabled
