"""Scored transactions and engine answers for the risk service, recorder and API tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from paytrust.risk.adapters.recorder import ScoredTransaction
from paytrust.risk.engine.engine import ScoreResult
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.engine.verdict import Decision, Reason

from .engine.factories import make_txn

SCORED_AT = datetime(2024, 5, 1, 12, tzinfo=UTC)


def make_result(txn: Transaction, decision: Decision = Decision.APPROVE,
                **overrides: Any) -> ScoreResult:
    fields: dict[str, Any] = {
        "transaction_id": txn.transaction_id, "decision": decision,
        "score": {Decision.APPROVE: 0.1, Decision.CHALLENGE: 0.6, Decision.REVIEW: 0.8,
                  Decision.BLOCK: 0.95}[decision],
        "reasons": (Reason("rule:r1", "a reason", 1.0),) if decision != Decision.APPROVE else (),
        "rules_hit": ("r1",) if decision != Decision.APPROVE else (),
        "shadow_rules_hit": (), "model_version": None, "challenger_score": None,
        "ruleset_version": "default@1", "features": {}, "latency_ms": 0.4,
    }
    fields.update(overrides)
    return ScoreResult(**fields)


def make_scored(decision: Decision = Decision.APPROVE, **txn_fields: Any) -> ScoredTransaction:
    txn = make_txn(**txn_fields)
    return ScoredTransaction(txn, make_result(txn, decision), SCORED_AT)


def json_transaction(**changes: Any) -> dict[str, Any]:
    """A PayTrust JSON transaction; ``changes`` override (``None`` drops a field)."""
    fields: dict[str, Any] = {
        "transaction_id": "tx-1", "occurred_at": "2026-04-13T10:30:00+08:00",
        "type": "p2p_transfer", "amount": "128.50", "currency": "CNY",
        "customer_id": "cus-1", "account_id": "acc-1", "channel": "in_app",
        "payee_id": "acc-2", "device_id": "dev-1", "ip": "203.0.113.7", "country": "CN",
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}
