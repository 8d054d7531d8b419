"""Feedback on scored transactions: labels for training and the measured precision of rules."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.errors import NotFound
from paytrust.risk.enums import OutcomeLabel
from paytrust.risk.models import RiskDecision, RiskOutcome, RiskTransaction
from paytrust.risk.schemas import RulePrecisionRead


def record_outcome(
    session: Session, *, actor: str, transaction_id: str, label: OutcomeLabel,
    note: str | None, now: datetime,
) -> tuple[RiskOutcome, bool]:
    """Record ``label`` for a scored transaction. Idempotent per transaction and label: a
    repeat returns the first report and ``False``."""
    if session.get(RiskTransaction, transaction_id) is None:
        raise NotFound(f"no scored transaction {transaction_id!r}", field="transaction_id")
    existing = session.scalar(
        select(RiskOutcome).where(
            RiskOutcome.transaction_id == transaction_id, RiskOutcome.label == label.value
        )
    )
    if existing is not None:
        return existing, False
    outcome = RiskOutcome(
        transaction_id=transaction_id, label=label.value, reported_by=actor,
        reported_at=now, note=note,
    )
    session.add(outcome)
    session.flush()
    audit.record(
        session, actor=actor, action="risk.outcome.recorded", entity_type="risk_transaction",
        entity_id=transaction_id, after={"label": label.value, "note": note},
    )
    return outcome, True


def fraud_by_transaction(session: Session, since: datetime | None) -> dict[str, bool]:
    """Each labelled transaction: fraud if any report says so, legitimate otherwise."""
    query = select(RiskOutcome.transaction_id, RiskOutcome.label)
    if since is not None:
        query = query.where(RiskOutcome.reported_at >= since)
    fraud: dict[str, bool] = {}
    for transaction_id, label in session.execute(query):
        fraud[transaction_id] = fraud.get(transaction_id, False) or OutcomeLabel(label).is_fraud
    return fraud


def rule_precision(session: Session, *, since: datetime | None = None) -> list[RulePrecisionRead]:
    """Per rule, among its hits that have an outcome: how many were fraud (precision).
    Rules with the most labelled hits first."""
    fraud = fraud_by_transaction(session, since)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    ids = list(fraud)
    for start in range(0, len(ids), 500):  # bounded IN lists
        chunk = ids[start:start + 500]
        hits = session.execute(
            select(RiskDecision.transaction_id, RiskDecision.rules_hit)
            .where(RiskDecision.transaction_id.in_(chunk))
        )
        for transaction_id, rules_hit in hits:
            for rule_id in rules_hit:
                counts[rule_id][0 if fraud[transaction_id] else 1] += 1
    return sorted(
        (
            RulePrecisionRead(
                rule_id=rule_id, labelled_hits=f + lg, fraud=f, legitimate=lg,
                precision=f / (f + lg),
            )
            for rule_id, (f, lg) in counts.items()
        ),
        key=lambda row: (-row.labelled_hits, row.rule_id),
    )
