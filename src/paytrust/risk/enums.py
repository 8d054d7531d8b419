"""Closed vocabularies of the risk module, stored as their string values. List kinds and
actions are the engine's own (``paytrust.risk.engine.lists``)."""

from __future__ import annotations

from enum import StrEnum


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
