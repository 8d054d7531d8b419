"""What changed between two versions of a rule set: for the versioning UI and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, fields

from paytrust.risk.engine.rules._parser import parse_expression
from paytrust.risk.engine.rules._printer import format_expression
from paytrust.risk.engine.rules.errors import ExpressionError
from paytrust.risk.engine.rules.ruleset import Rule, RuleSet

_RULE_ATTRIBUTES = tuple(f.name for f in fields(Rule) if f.name != "id")


@dataclass(frozen=True, slots=True)
class AttributeChange:
    attribute: str  # a ``Rule`` field name: "expression", "action", "score", ...
    old: object
    new: object


@dataclass(frozen=True, slots=True)
class RuleChange:
    rule_id: str
    changes: tuple[AttributeChange, ...]

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(change.attribute for change in self.changes)


@dataclass(frozen=True, slots=True)
class RuleSetDiff:
    added: tuple[str, ...]  # rule ids, in the new set's order
    removed: tuple[str, ...]  # rule ids, in the old set's order
    changed: tuple[RuleChange, ...]
    ruleset_changes: tuple[AttributeChange, ...]  # name, descriptions, rule order
    reordered: bool

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.ruleset_changes)


def diff_rulesets(old: RuleSet, new: RuleSet) -> RuleSetDiff:
    """Rules added, removed and changed (by id). Expressions that differ only in layout or
    redundant parentheses are not a change."""
    old_rules = {rule.id: rule for rule in old.rules}
    new_rules = {rule.id: rule for rule in new.rules}
    changed = []
    for rule_id, new_rule in new_rules.items():
        old_rule = old_rules.get(rule_id)
        if old_rule is not None:
            changes = _rule_changes(old_rule, new_rule)
            if changes:
                changed.append(RuleChange(rule_id, changes))
    kept_old = [rule_id for rule_id in old_rules if rule_id in new_rules]
    kept_new = [rule_id for rule_id in new_rules if rule_id in old_rules]
    ruleset_changes = tuple(
        AttributeChange(attribute, getattr(old, attribute), getattr(new, attribute))
        for attribute in ("name", "description_en", "description_zh")
        if getattr(old, attribute) != getattr(new, attribute)
    )
    reordered = kept_old != kept_new
    if reordered:
        ruleset_changes += (AttributeChange("order", tuple(kept_old), tuple(kept_new)),)
    return RuleSetDiff(
        added=tuple(rule_id for rule_id in new_rules if rule_id not in old_rules),
        removed=tuple(rule_id for rule_id in old_rules if rule_id not in new_rules),
        changed=tuple(changed),
        ruleset_changes=ruleset_changes,
        reordered=reordered,
    )


def _rule_changes(old: Rule, new: Rule) -> tuple[AttributeChange, ...]:
    changes = []
    for attribute in _RULE_ATTRIBUTES:
        before, after = getattr(old, attribute), getattr(new, attribute)
        if attribute == "expression" and _canonical(before) == _canonical(after):
            continue
        if before != after:
            changes.append(AttributeChange(attribute, before, after))
    return tuple(changes)


def _canonical(expression: str) -> str:
    try:
        return format_expression(parse_expression(expression))
    except ExpressionError:
        return expression
