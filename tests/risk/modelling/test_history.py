"""Recorded transactions and outcome reports become labelled training examples."""

from __future__ import annotations

from datetime import timedelta

from paytrust.platform.db import Database, utcnow
from paytrust.risk import service as risk_service
from paytrust.risk.adapters.recorder import write_batch
from paytrust.risk.enums import OutcomeLabel
from paytrust.risk.service.history import labelled_history
from tests.risk.engine.factories import T0
from tests.risk.factories import make_scored


def test_outcome_reports_label_the_recorded_history(database: Database) -> None:
    scored = [make_scored(transaction_id=f"t{i}", occurred_at=T0 + timedelta(minutes=10 - i),
                          device_id=f"d{i}", latitude=22.5 + i, longitude=114.0)
              for i in range(4)]
    with database.session_scope() as session:
        write_batch(session, scored)
        for transaction_id, label in (("t1", OutcomeLabel.CONFIRMED_FRAUD),
                                      ("t2", OutcomeLabel.CHARGEBACK),
                                      ("t3", OutcomeLabel.LEGITIMATE)):
            risk_service.record_outcome(session, actor="user:ana", transaction_id=transaction_id,
                                        label=label, note=None, now=utcnow())
    with database.read_session() as session:
        history = list(labelled_history(session))
        before_t1 = list(labelled_history(session, until=T0 + timedelta(minutes=9)))
    assert [(txn.transaction_id, fraud) for txn, fraud in history] == [
        ("t3", False), ("t2", True), ("t1", True), ("t0", False)]  # in time order
    assert [txn.transaction_id for txn, _ in before_t1] == ["t3", "t2"]
    assert history[-1][0] == scored[0].transaction  # the recorded row is the transaction
