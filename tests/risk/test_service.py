"""The risk service: lists, outcomes, alerts and lookups (rule sets: test_rulesets.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform.audit import AuditEntry
from paytrust.platform.errors import Conflict, NotFound, ValidationFailed
from paytrust.platform.events import bus
from paytrust.risk import service as risk_service
from paytrust.risk.adapters.idempotency import payload_hash
from paytrust.risk.adapters.recorder import write_batch
from paytrust.risk.engine.lists import ListAction, ListKind, load_lists
from paytrust.risk.engine.verdict import Decision
from paytrust.risk.enums import AlertStatus, OutcomeLabel
from paytrust.risk.models import RiskListEntry
from paytrust.risk.schemas import ListEntryCreate

from .factories import make_result, make_scored

NOW = datetime(2024, 6, 1, 9, tzinfo=UTC)
ANALYST = "user:ana"


def _entry(kind: ListKind, value: str, **fields: Any) -> ListEntryCreate:
    return ListEntryCreate(kind=kind, action=fields.pop("action", ListAction.BLOCK),
                           value=value, **fields)


def _audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


# --- lists -----------------------------------------------------------------------------

def test_added_entry_is_audited_normalised_and_announced_after_commit(
    session: Session,
) -> None:
    announced: list[Any] = []
    bus.subscribe("risk.lists_changed", announced.append)
    row = risk_service.add_list_entry(
        session, actor=ANALYST, entry=_entry(ListKind.COUNTRY, " kp "), now=NOW)
    assert row.value == "KP"
    assert _audit_actions(session) == ["risk.list_entry.added"]
    assert announced == []  # not before the unit of work commits
    session.commit()
    assert [e.entries_changed for e in announced] == [1]


def test_same_active_value_twice_is_a_conflict(session: Session) -> None:
    risk_service.add_list_entry(session, actor=ANALYST, entry=_entry(ListKind.IP, "10.0.0.1"),
                                now=NOW)
    with pytest.raises(Conflict):
        risk_service.add_list_entry(session, actor=ANALYST,
                                    entry=_entry(ListKind.IP, "10.0.0.1"), now=NOW)


@pytest.mark.parametrize(("kind", "value"), [
    (ListKind.IP, "10.0.0.300"), (ListKind.BIN, "12ab56"), (ListKind.COUNTRY, "KOR"),
    (ListKind.ACCOUNT, "   "),
])
def test_malformed_value_is_rejected_naming_the_field(
    session: Session, kind: ListKind, value: str,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        risk_service.add_list_entry(session, actor=ANALYST, entry=_entry(kind, value), now=NOW)
    assert caught.value.field == "value"


def test_expiry_in_the_past_is_rejected(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        risk_service.add_list_entry(
            session, actor=ANALYST,
            entry=_entry(ListKind.DEVICE, "d1", expires_at=NOW - timedelta(seconds=1)), now=NOW)
    assert caught.value.field == "expires_at"


def test_removed_and_expired_entries_leave_the_engine_rows(session: Session) -> None:
    kept = risk_service.add_list_entry(
        session, actor=ANALYST, entry=_entry(ListKind.DEVICE, "kept"), now=NOW)
    removed = risk_service.add_list_entry(
        session, actor=ANALYST, entry=_entry(ListKind.DEVICE, "removed"), now=NOW)
    risk_service.add_list_entry(
        session, actor=ANALYST,
        entry=_entry(ListKind.DEVICE, "expiring", expires_at=NOW + timedelta(hours=1)), now=NOW)
    risk_service.remove_list_entry(session, actor=ANALYST, entry_id=removed.id, now=NOW)
    later = NOW + timedelta(hours=2)
    rows = risk_service.active_list_rows(session, later)
    assert [row["value"] for row in rows] == [kept.value]
    load_lists(rows)  # the engine accepts the rows as they are
    with pytest.raises(NotFound):
        risk_service.remove_list_entry(session, actor=ANALYST, entry_id=removed.id, now=NOW)


def test_csv_import_adds_every_row_and_counts_those_already_present(session: Session) -> None:
    risk_service.add_list_entry(session, actor=ANALYST, entry=_entry(ListKind.PAYEE, "p1"),
                                now=NOW)
    content = ("kind,action,value,reason,expires_at\n"
               "payee,block,p1,mule,\n"
               "ip,block,192.168.0.0/24,botnet,2030-01-01T00:00:00Z\n"
               "account,allow,a-vip,,\n")
    result = risk_service.import_list_entries(
        session, actor=ANALYST, content=content, content_format="csv", now=NOW)
    assert (result.imported, result.already_present) == (2, 1)
    values = set(session.scalars(select(RiskListEntry.value)))
    assert values == {"p1", "192.168.0.0/24", "a-vip"}
    assert _audit_actions(session)[-1] == "risk.list_entries.imported"


def test_import_with_a_bad_row_imports_nothing_and_names_each_row_and_field(
    session: Session,
) -> None:
    rows = [
        {"kind": "device", "action": "block", "value": "d1"},
        {"kind": "planet", "action": "block", "value": "mars"},
        {"kind": "bin", "action": "block", "value": "x"},
        {"kind": "device", "action": "block", "value": "d1"},
        {"kind": "ip", "action": "block", "value": "1.2.3.4", "colour": "red"},
    ]
    with pytest.raises(ValidationFailed) as caught:
        risk_service.import_list_entries(
            session, actor=ANALYST, content=json.dumps(rows), content_format="json", now=NOW)
    errors = {(e["row"], e["field"]) for e in caught.value.extra["errors"]}
    assert errors == {(2, "kind"), (3, "value"), (4, "value"), (5, "colour")}
    assert session.scalars(select(RiskListEntry)).all() == []
    assert _audit_actions(session) == []


def test_csv_with_an_unknown_column_is_rejected(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        risk_service.import_list_entries(
            session, actor=ANALYST, content="kind,colour\nip,red\n", content_format="csv",
            now=NOW)
    assert caught.value.field == "header"


# --- outcomes, precision, alerts, lookups -------------------------------------------------

def test_outcome_is_idempotent_per_transaction_and_label(session: Session) -> None:
    scored = make_scored(Decision.REVIEW)
    write_batch(session, [scored])
    txn_id = scored.transaction.transaction_id
    first, created = risk_service.record_outcome(
        session, actor=ANALYST, transaction_id=txn_id, label=OutcomeLabel.CHARGEBACK,
        note="issuer dispute", now=NOW)
    again, created_again = risk_service.record_outcome(
        session, actor="api_key:psp", transaction_id=txn_id, label=OutcomeLabel.CHARGEBACK,
        note=None, now=NOW + timedelta(days=1))
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert again.reported_by == ANALYST
    assert _audit_actions(session) == ["risk.outcome.recorded"]


def test_outcome_for_an_unknown_transaction_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        risk_service.record_outcome(session, actor=ANALYST, transaction_id="nope",
                                    label=OutcomeLabel.LEGITIMATE, note=None, now=NOW)


def test_rule_precision_counts_fraud_among_labelled_hits(session: Session) -> None:
    def scored_hitting(*rules: str) -> Any:
        item = make_scored(Decision.REVIEW)
        result = make_result(item.transaction, Decision.REVIEW, rules_hit=rules)
        return item.__class__(item.transaction, result, item.scored_at)

    items = [scored_hitting("r1", "r2"), scored_hitting("r1"), scored_hitting("r2"),
             scored_hitting("r1")]
    write_batch(session, items)
    labels = [OutcomeLabel.CONFIRMED_FRAUD, OutcomeLabel.LEGITIMATE, OutcomeLabel.CHARGEBACK]
    for item, label in zip(items, labels, strict=False):  # the last one is unlabelled
        risk_service.record_outcome(session, actor=ANALYST, label=label, note=None, now=NOW,
                                    transaction_id=item.transaction.transaction_id)
    by_rule = {row.rule_id: row for row in risk_service.rule_precision(session)}
    assert (by_rule["r1"].fraud, by_rule["r1"].legitimate) == (1, 1)
    assert by_rule["r1"].precision == pytest.approx(0.5)
    assert (by_rule["r2"].fraud, by_rule["r2"].legitimate, by_rule["r2"].precision) == (2, 0, 1)


def test_alerts_filter_by_status_and_acknowledge_once(session: Session) -> None:
    write_batch(session, [make_scored(Decision.REVIEW), make_scored(Decision.BLOCK),
                          make_scored(Decision.APPROVE)])
    alerts, total = risk_service.list_alerts(session, status=AlertStatus.OPEN)
    assert total == 2
    taken = risk_service.acknowledge_alert(session, actor=ANALYST, alert_id=alerts[0].id,
                                           now=NOW)
    assert (taken.status, taken.assigned_to) == (AlertStatus.ASSIGNED, ANALYST)
    assert risk_service.list_alerts(session, status=AlertStatus.OPEN)[1] == 1
    with pytest.raises(Conflict):
        risk_service.acknowledge_alert(session, actor=ANALYST, alert_id=alerts[0].id, now=NOW)
    assert _audit_actions(session) == ["risk.alert.acknowledged"]


def test_transaction_lookup_carries_decision_reasons_alert_and_outcomes(
    session: Session,
) -> None:
    scored = make_scored(Decision.BLOCK, amount_minor=123_456, currency="HKD")
    write_batch(session, [scored])
    txn_id = scored.transaction.transaction_id
    risk_service.record_outcome(session, actor=ANALYST, transaction_id=txn_id,
                                label=OutcomeLabel.CONFIRMED_FRAUD, note=None, now=NOW)
    found = risk_service.get_transaction(session, txn_id)
    assert (found.amount_minor, found.currency) == (123_456, "HKD")
    assert found.decision is not None
    assert found.decision.decision == "block"
    assert [r.code for r in found.decision.reasons] == ["rule:r1"]
    assert found.alert is not None
    assert found.alert.severity == "high"
    assert [o.label for o in found.outcomes] == [OutcomeLabel.CONFIRMED_FRAUD]
    with pytest.raises(NotFound):
        risk_service.get_transaction(session, "unknown")


def test_recent_answers_replay_what_was_answered_oldest_first(session: Session) -> None:
    first = make_scored(Decision.APPROVE, at=0)
    second = make_scored(Decision.REVIEW, at=10)
    second = second.__class__(second.transaction, second.result,
                              second.scored_at + timedelta(seconds=1))
    write_batch(session, [first, second])
    answers = risk_service.recent_answers(session, limit=10)
    assert [a["transaction_id"] for _, a in answers] == [
        first.transaction.transaction_id, second.transaction.transaction_id]
    assert answers[1][0] == payload_hash(second.transaction)
    assert answers[1][1]["reasons"] == [{"code": "rule:r1", "message": "a reason",
                                         "contribution": 1.0}]
