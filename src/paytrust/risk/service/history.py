"""Recorded history as labelled examples: what ``paytrust model train`` learns from when no
file is given. A transaction is fraud when any outcome report says so (confirmed fraud or
chargeback); one nobody reported on counts as legitimate, which is why training should stop
short of the most recent days, whose fraud has not been reported yet (``until``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.risk.engine.transaction import (
    AuthMethod,
    Channel,
    Transaction,
    TransactionType,
)
from paytrust.risk.models import RiskTransaction
from paytrust.risk.service.outcomes import fraud_by_transaction

_BATCH = 5_000


def labelled_history(
    session: Session, *, until: datetime | None = None
) -> Iterator[tuple[Transaction, bool]]:
    """Every recorded transaction (before ``until``) in time order, with its label."""
    fraud = fraud_by_transaction(session, None)
    query = select(RiskTransaction).order_by(RiskTransaction.occurred_at, RiskTransaction.id)
    if until is not None:
        query = query.where(RiskTransaction.occurred_at < until)
    for row in session.scalars(query.execution_options(yield_per=_BATCH)):
        yield _transaction(row), fraud.get(row.id, False)


def _transaction(row: RiskTransaction) -> Transaction:
    return Transaction(
        transaction_id=row.id, occurred_at=row.occurred_at, type=TransactionType(row.type),
        amount_minor=row.amount_minor, currency=row.currency, customer_id=row.customer_id,
        account_id=row.account_id, channel=Channel(row.channel),
        auth_method=AuthMethod(row.auth_method), payee_id=row.payee_id,
        payee_name=row.payee_name, payee_country=row.payee_country,
        merchant_id=row.merchant_id, merchant_category=row.merchant_category,
        merchant_country=row.merchant_country, agent_id=row.agent_id,
        device_id=row.device_id, ip=row.ip, country=row.country, latitude=row.latitude,
        longitude=row.longitude, card_bin=row.card_bin,
        balance_before_minor=row.balance_before_minor,
        balance_after_minor=row.balance_after_minor,
        credential_changed_at=row.credential_changed_at, sim_swapped_at=row.sim_swapped_at,
        original_transaction_id=row.original_transaction_id,
    )
