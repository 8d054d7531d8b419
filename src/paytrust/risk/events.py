"""Events the risk module publishes: its contract with cases, insights and the scorers.

``transaction.scored`` and ``alert.created`` come from the recorder after the batch holding
them commits; ``risk.rules_changed``, ``risk.lists_changed`` and ``risk.models_changed``
after a rule set, list or model promotion commits, telling every scorer in this process to
load the new snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from paytrust.platform.events import DomainEvent


@dataclass(frozen=True)
class TransactionScored(DomainEvent):
    name: ClassVar[str] = "transaction.scored"

    transaction_id: str
    decision: str
    score: float
    rules_hit: tuple[str, ...]


@dataclass(frozen=True)
class AlertCreated(DomainEvent):
    name: ClassVar[str] = "alert.created"

    alert_id: str
    transaction_id: str
    decision: str
    severity: str
    customer_id: str


@dataclass(frozen=True)
class RulesChanged(DomainEvent):
    name: ClassVar[str] = "risk.rules_changed"

    ruleset_name: str
    active_version: int


@dataclass(frozen=True)
class ListsChanged(DomainEvent):
    name: ClassVar[str] = "risk.lists_changed"

    entries_changed: int


@dataclass(frozen=True)
class ModelsChanged(DomainEvent):
    name: ClassVar[str] = "risk.models_changed"

    champion: str | None
    challenger: str | None
