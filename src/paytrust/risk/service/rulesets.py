"""Versioned rule sets: validate, save, activate, roll back, diff.

Exactly one version of one rule set is active at a time: it is what every scorer runs. A
change is audited with its diff and, once committed, announced with ``risk.rules_changed``.
Until a version is activated the scorers run the shipped default pack.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from paytrust.platform import audit
from paytrust.platform.errors import NotFound, ValidationFailed
from paytrust.platform.events import bus
from paytrust.risk.engine.features.vocabulary import VOCABULARY
from paytrust.risk.engine.rules import (
    RuleError,
    RuleSet,
    RuleSetInvalid,
    diff_rulesets,
    parse_ruleset,
)
from paytrust.risk.engine.rules import validate_ruleset as validate_rules
from paytrust.risk.events import RulesChanged
from paytrust.risk.models import RiskRulesetVersion
from paytrust.risk.schemas import RuleErrorRead, RulesetDiffRead, RulesetSummary

DEFAULT_PACK = Path(__file__).resolve().parents[2] / "content" / "rules" / "default.yaml"


def _error_read(error: RuleError) -> RuleErrorRead:
    return RuleErrorRead(
        rule_id=error.rule_id, line=error.line, column=error.column, message=error.message,
        code=error.code,
    )


def validate_ruleset(yaml_text: str) -> list[RuleErrorRead]:
    """Every problem in ``yaml_text`` with its rule, line and column; empty when valid."""
    return [_error_read(error) for error in validate_rules(yaml_text, VOCABULARY)]


def _require_valid(yaml_text: str) -> None:
    errors = validate_ruleset(yaml_text)
    if errors:
        first = errors[0]
        where = f"line {first.line}, column {first.column}"
        raise ValidationFailed(
            f"{len(errors)} error(s) in the rule set; {where}: {first.message}",
            field="yaml", errors=[e.model_dump() for e in errors],
        )


def _parsed(yaml_text: str) -> RuleSet:
    try:
        return parse_ruleset(yaml_text)
    except RuleSetInvalid as error:
        raise ValidationFailed(str(error), field="yaml") from error


def _changes(old_yaml: str | None, new_yaml: str) -> dict[str, list[str]]:
    """Rule ids added, removed and changed between two texts (all added when no old one)."""
    new = _parsed(new_yaml)
    if old_yaml is None:
        return {"added": sorted(rule.id for rule in new.rules), "removed": [], "changed": []}
    diff = diff_rulesets(_parsed(old_yaml), new)
    return {
        "added": list(diff.added), "removed": list(diff.removed),
        "changed": [change.rule_id for change in diff.changed],
    }


def _text_diff(old_yaml: str, new_yaml: str, old_label: str, new_label: str) -> str:
    return "".join(difflib.unified_diff(
        old_yaml.splitlines(keepends=True), new_yaml.splitlines(keepends=True),
        fromfile=old_label, tofile=new_label,
    ))


def _versions(session: Session, name: str) -> list[RiskRulesetVersion]:
    return list(session.scalars(
        select(RiskRulesetVersion).where(RiskRulesetVersion.name == name)
        .order_by(RiskRulesetVersion.version.desc())
    ))


def get_ruleset_version(session: Session, name: str, version: int) -> RiskRulesetVersion:
    found = session.scalar(select(RiskRulesetVersion).where(
        RiskRulesetVersion.name == name, RiskRulesetVersion.version == version
    ))
    if found is None:
        raise NotFound(f"rule set {name!r} has no version {version}", field="version")
    return found


def active_ruleset(session: Session) -> RiskRulesetVersion | None:
    return session.scalar(select(RiskRulesetVersion).where(RiskRulesetVersion.is_active))


def list_ruleset_versions(session: Session, name: str) -> list[RiskRulesetVersion]:
    versions = _versions(session, name)
    if not versions:
        raise NotFound(f"no rule set {name!r}")
    return versions


def list_rulesets(session: Session) -> list[RulesetSummary]:
    rows = session.execute(
        select(RiskRulesetVersion.name, func.max(RiskRulesetVersion.version))
        .group_by(RiskRulesetVersion.name).order_by(RiskRulesetVersion.name)
    ).all()
    active = active_ruleset(session)
    return [
        RulesetSummary(
            name=name, latest_version=latest,
            active_version=active.version if active and active.name == name else None,
        )
        for name, latest in rows
    ]


def save_ruleset_version(
    session: Session, *, actor: str, name: str, yaml_text: str, comment: str | None,
    now: datetime, activate: bool = False,
) -> RiskRulesetVersion:
    """Store ``yaml_text`` as the next version of ``name`` (it must validate); the audit
    entry carries which rules it adds, removes and changes against the previous version."""
    _require_valid(yaml_text)
    document_name = _parsed(yaml_text).name
    if document_name != name:
        raise ValidationFailed(
            f"the document names rule set {document_name!r}, not {name!r}", field="ruleset"
        )
    previous = next(iter(_versions(session, name)), None)
    row = RiskRulesetVersion(
        name=name, version=(previous.version + 1) if previous else 1, yaml=yaml_text,
        created_by=actor, created_at=now, is_active=False, comment=comment,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor=actor, action="risk.ruleset.saved", entity_type="risk_ruleset",
        entity_id=f"{name}@{row.version}",
        after={"comment": comment,
               "diff": _changes(previous.yaml if previous else None, yaml_text)},
    )
    if activate:
        _activate(session, actor, row, action="risk.ruleset.activated")
    return row


def _activate(session: Session, actor: str, row: RiskRulesetVersion, *, action: str) -> None:
    current = active_ruleset(session)
    if current is not None and current.id == row.id:
        return
    session.execute(
        update(RiskRulesetVersion).where(RiskRulesetVersion.is_active)
        .values(is_active=False)
    )
    row.is_active = True
    session.flush()
    before = {"active": f"{current.name}@{current.version}"} if current else None
    audit.record(
        session, actor=actor, action=action, entity_type="risk_ruleset",
        entity_id=f"{row.name}@{row.version}", before=before,
        after={"active": f"{row.name}@{row.version}",
               "diff": _changes(current.yaml if current else None, row.yaml)},
    )
    bus.publish(session, RulesChanged(ruleset_name=row.name, active_version=row.version))


def activate_ruleset_version(
    session: Session, *, actor: str, name: str, version: int
) -> RiskRulesetVersion:
    """Make ``name@version`` the rule set every scorer runs."""
    row = get_ruleset_version(session, name, version)
    _activate(session, actor, row, action="risk.ruleset.activated")
    return row


def rollback_ruleset(
    session: Session, *, actor: str, name: str, version: int
) -> RiskRulesetVersion:
    """Return to an earlier version of the active rule set (audited as a rollback)."""
    current = active_ruleset(session)
    row = get_ruleset_version(session, name, version)
    if current is None or current.name != name or version >= current.version:
        raise ValidationFailed(
            f"a rollback goes to an earlier version of the active rule set {name!r}",
            field="version",
        )
    _activate(session, actor, row, action="risk.ruleset.rolled_back")
    return row


def diff_ruleset_versions(
    session: Session, name: str, from_version: int, to_version: int
) -> RulesetDiffRead:
    old = get_ruleset_version(session, name, from_version)
    new = get_ruleset_version(session, name, to_version)
    return RulesetDiffRead(
        name=name, from_version=from_version, to_version=to_version,
        **_changes(old.yaml, new.yaml),
        text=_text_diff(old.yaml, new.yaml, f"{name}@{from_version}", f"{name}@{to_version}"),
    )


def default_pack_yaml() -> str:
    return DEFAULT_PACK.read_text(encoding="utf-8")


def rules_stamp(session: Session) -> str:
    """Changes whenever another version becomes active (for the periodic check)."""
    active = active_ruleset(session)
    return f"{active.name}@{active.version}" if active else "default-pack"
