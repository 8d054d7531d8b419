"""Versioned rule sets: validation with positions, versions, activation, rollback, diffs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from paytrust.platform.audit import AuditEntry
from paytrust.platform.errors import NotFound, ValidationFailed
from paytrust.platform.events import bus
from paytrust.risk import service as risk_service

NOW = datetime(2024, 6, 1, 9, tzinfo=UTC)
ANALYST = "user:ana"

SMALL = """\
ruleset: default
rules:
  - id: big_amount
    description: {en: "Big amount", zh: "大额"}
    when: txn.amount > 10000
    score: 0.4
    severity: medium
"""
SMALL_CHANGED = SMALL.replace("txn.amount > 10000", "txn.amount > 5000") + """\
  - id: blocked_device
    description: {en: "Blocked device", zh: "设备在黑名单"}
    when: list.device_blocked
    action: block
    severity: high
"""


def _audit(session: Session) -> list[tuple[str, str, Any]]:
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    return [(r.action, r.entity_id, json.loads(r.after_json or "null")) for r in rows]


def test_validation_reports_each_error_with_line_and_column() -> None:
    broken = SMALL.replace("txn.amount > 10000", "txn.amount > > 1").replace(
        "severity: medium", "severity: medium\n    colour: red")
    errors = risk_service.validate_ruleset(broken)
    assert errors, "a broken rule set must not validate"
    by_line = {error.line: error for error in errors}
    assert set(by_line) == {5, 8}  # the bad expression and the unknown key
    assert by_line[5].rule_id == "big_amount"
    assert by_line[5].column > len("    when: ")  # inside the expression, not at its start
    assert risk_service.validate_ruleset(SMALL) == []


def test_the_shipped_default_pack_validates() -> None:
    from paytrust.risk.service.rulesets import default_pack_yaml

    assert risk_service.validate_ruleset(default_pack_yaml()) == []


def test_an_invalid_version_is_not_saved(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        risk_service.save_ruleset_version(
            session, actor=ANALYST, name="default", yaml_text=SMALL.replace("0.4", "nine"),
            comment=None, now=NOW)
    assert caught.value.field == "yaml"
    assert caught.value.extra["errors"]
    with pytest.raises(NotFound):
        risk_service.list_ruleset_versions(session, "default")


def test_the_document_must_name_the_rule_set_it_is_saved_under(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        risk_service.save_ruleset_version(session, actor=ANALYST, name="other",
                                          yaml_text=SMALL, comment=None, now=NOW)
    assert caught.value.field == "ruleset"


def test_saved_versions_are_numbered_and_audited_with_their_diff(session: Session) -> None:
    first = risk_service.save_ruleset_version(
        session, actor=ANALYST, name="default", yaml_text=SMALL, comment="start", now=NOW)
    second = risk_service.save_ruleset_version(
        session, actor=ANALYST, name="default", yaml_text=SMALL_CHANGED, comment=None, now=NOW)
    assert (first.version, second.version) == (1, 2)
    assert not first.is_active
    assert not second.is_active
    saved = [entry for entry in _audit(session) if entry[0] == "risk.ruleset.saved"]
    assert saved[0][1:] == ("default@1", {"comment": "start", "diff": {
        "added": ["big_amount"], "removed": [], "changed": []}})
    assert saved[1][2]["diff"] == {"added": ["blocked_device"], "removed": [],
                                   "changed": ["big_amount"]}
    summary = risk_service.list_rulesets(session)
    assert [(s.name, s.latest_version, s.active_version) for s in summary] == [
        ("default", 2, None)]


def test_activation_is_announced_after_commit_and_rollback_is_audited(
    session: Session,
) -> None:
    announced: list[Any] = []
    bus.subscribe("risk.rules_changed", announced.append)
    for text in (SMALL, SMALL_CHANGED):
        risk_service.save_ruleset_version(session, actor=ANALYST, name="default",
                                          yaml_text=text, comment=None, now=NOW)
    risk_service.activate_ruleset_version(session, actor=ANALYST, name="default", version=2)
    assert announced == []
    session.commit()
    assert [(e.ruleset_name, e.active_version) for e in announced] == [("default", 2)]
    risk_service.rollback_ruleset(session, actor=ANALYST, name="default", version=1)
    session.commit()
    active = risk_service.active_ruleset(session)
    assert active is not None
    assert active.version == 1
    action, entity, after = _audit(session)[-1]
    assert (action, entity) == ("risk.ruleset.rolled_back", "default@1")
    assert after["diff"]["removed"] == ["blocked_device"]
    assert [e.active_version for e in announced] == [2, 1]


def test_rollback_only_goes_to_an_earlier_version(session: Session) -> None:
    risk_service.save_ruleset_version(session, actor=ANALYST, name="default", yaml_text=SMALL,
                                      comment=None, now=NOW, activate=True)
    risk_service.save_ruleset_version(session, actor=ANALYST, name="default",
                                      yaml_text=SMALL_CHANGED, comment=None, now=NOW)
    with pytest.raises(ValidationFailed):
        risk_service.rollback_ruleset(session, actor=ANALYST, name="default", version=2)


def test_diff_of_two_versions_names_rules_and_shows_the_text(session: Session) -> None:
    for text in (SMALL, SMALL_CHANGED):
        risk_service.save_ruleset_version(session, actor=ANALYST, name="default",
                                          yaml_text=text, comment=None, now=NOW)
    diff = risk_service.diff_ruleset_versions(session, "default", 1, 2)
    assert (diff.added, diff.removed, diff.changed) == (["blocked_device"], [], ["big_amount"])
    assert "-    when: txn.amount > 10000" in diff.text
    assert "+    when: txn.amount > 5000" in diff.text
    with pytest.raises(NotFound):
        risk_service.diff_ruleset_versions(session, "default", 1, 9)
