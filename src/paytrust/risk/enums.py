"""Closed vocabularies of the risk module, stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class ListKind(StrEnum):
    ACCOUNT = "account"
    DEVICE = "device"
    IP = "ip"
    CARD_BIN = "card_bin"
    COUNTRY = "country"
    PAYEE = "payee"
    CUSTOMER = "customer"
    NAME = "name"


class ListMode(StrEnum):
    BLOCK = "block"
    ALLOW = "allow"


class OutcomeLabel(StrEnum):
    CONFIRMED_FRAUD = "confirmed_fraud"
    CHARGEBACK = "chargeback"
    LEGITIMATE = "legitimate"

    @property
    def is_fraud(self) -> bool:
        return self is not OutcomeLabel.LEGITIMATE


class AlertStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class AlertSeverity(StrEnum):
    MEDIUM = "medium"  # a review decision
    HIGH = "high"  # a block decision


class ModelStatus(StrEnum):
    CANDIDATE = "candidate"
    CHAMPION = "champion"
    CHALLENGER = "challenger"
    RETIRED = "retired"
