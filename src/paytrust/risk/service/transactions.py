"""Recorded transactions: one looked up with its decision, or the latest decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from paytrust.platform.errors import NotFound
from paytrust.risk.models import RiskAlert, RiskDecision, RiskOutcome, RiskTransaction
from paytrust.risk.schemas import (
    AlertRead,
    OutcomeRead,
    RecentDecisionRead,
    StoredDecisionRead,
    TransactionRead,
)


def get_transaction(session: Session, transaction_id: str) -> TransactionRead:
    row = session.get(RiskTransaction, transaction_id)
    if row is None:
        raise NotFound(f"no scored transaction {transaction_id!r}")
    decision = session.scalar(
        select(RiskDecision).where(RiskDecision.transaction_id == transaction_id)
    )
    alert = session.scalar(select(RiskAlert).where(RiskAlert.transaction_id == transaction_id))
    outcomes = session.scalars(
        select(RiskOutcome).where(RiskOutcome.transaction_id == transaction_id)
        .order_by(RiskOutcome.reported_at)
    ).all()
    return TransactionRead(
        transaction_id=row.id, occurred_at=row.occurred_at, type=row.type,
        amount_minor=row.amount_minor, currency=row.currency, customer_id=row.customer_id,
        account_id=row.account_id, channel=row.channel, payee_id=row.payee_id,
        merchant_id=row.merchant_id, device_id=row.device_id, ip=row.ip, country=row.country,
        decision=StoredDecisionRead.model_validate(decision) if decision else None,
        alert=AlertRead.model_validate(alert) if alert else None,
        outcomes=[OutcomeRead.model_validate(o) for o in outcomes],
    )


def recent_decisions(
    session: Session, *, after: datetime | None = None, limit: int = 50
) -> list[RecentDecisionRead]:
    """The newest decisions (scored after ``after`` when given), newest first."""
    query = (
        select(RiskDecision, RiskTransaction)
        .join(RiskTransaction, RiskTransaction.id == RiskDecision.transaction_id)
        .order_by(RiskDecision.scored_at.desc())
        .limit(limit)
    )
    if after is not None:
        query = query.where(RiskDecision.scored_at > after)
    return [
        RecentDecisionRead(
            transaction_id=txn.id, decision=decision.decision, score=decision.score,
            amount_minor=txn.amount_minor, currency=txn.currency, customer_id=txn.customer_id,
            rules_hit=decision.rules_hit, reasons=decision.reasons,
            latency_ms=decision.latency_ms, scored_at=decision.scored_at,
        )
        for decision, txn in session.execute(query)
    ]


def decision_counts(session: Session, *, since: datetime) -> dict[str, int]:
    """How many transactions got each decision since ``since`` (decisions never given are
    left out)."""
    rows = session.execute(
        select(RiskDecision.decision, func.count())
        .where(RiskDecision.scored_at >= since).group_by(RiskDecision.decision)
    )
    return {str(decision): int(count) for decision, count in rows.all()}


def recent_answers(session: Session, *, limit: int) -> list[tuple[str, dict[str, Any]]]:
    """The last ``limit`` answers as ``(payload_hash, answer)``, oldest first: what the
    scorer's idempotency cache starts from."""
    rows = session.execute(
        select(RiskTransaction.payload_hash, RiskDecision)
        .join(RiskDecision, RiskDecision.transaction_id == RiskTransaction.id)
        .order_by(RiskDecision.scored_at.desc())
        .limit(limit)
    ).all()
    return [
        (payload, {
            "transaction_id": decision.transaction_id, "decision": decision.decision,
            "score": decision.score, "reasons": decision.reasons,
            "rules_hit": decision.rules_hit, "model_version": decision.model_version,
            "ruleset_version": decision.ruleset_version, "latency_ms": decision.latency_ms,
        })
        for payload, decision in reversed(rows)
    ]
