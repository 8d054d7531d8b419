"""Differences between rule set versions, for the versioning UI and the audit trail."""

from __future__ import annotations

from paytrust.risk.engine.rules import AttributeChange, diff_rulesets
from paytrust.risk.engine.verdict import Decision
from tests.risk.engine.rules.factories import make_rule, make_ruleset


def test_identical_rule_sets_have_an_empty_diff() -> None:
    ruleset = make_ruleset(make_rule(id="a"), make_rule(id="b"))
    assert diff_rulesets(ruleset, ruleset).is_empty


def test_added_removed_and_changed_rules_with_the_attributes_that_changed() -> None:
    old = make_ruleset(make_rule(id="kept"), make_rule(id="dropped"),
                       make_rule("txn.amount > 1", id="edited", score=0.3))
    new = make_ruleset(make_rule(id="kept"),
                       make_rule("txn.amount > 2", id="edited", score=0.5,
                                 action=Decision.BLOCK, shadow=True),
                       make_rule(id="fresh"))
    diff = diff_rulesets(old, new)
    assert (diff.added, diff.removed) == (("fresh",), ("dropped",))
    [change] = diff.changed
    assert change.rule_id == "edited"
    assert change.attributes == ("expression", "action", "score", "shadow")
    assert change.changes[0] == AttributeChange("expression", "txn.amount > 1", "txn.amount > 2")
    assert not diff.reordered


def test_reformatting_an_expression_is_not_a_change() -> None:
    old = make_ruleset(make_rule("txn.amount > 1 and (customer.count_1h >= 3)"))
    new = make_ruleset(make_rule("txn.amount>1\n  and customer.count_1h >= 3"))
    assert diff_rulesets(old, new).is_empty


def test_reordering_and_set_descriptions_are_reported() -> None:
    old = make_ruleset(make_rule(id="a"), make_rule(id="b"))
    new = make_ruleset(make_rule(id="b"), make_rule(id="a"), name="renamed")
    diff = diff_rulesets(old, new)
    assert diff.reordered
    assert [change.attribute for change in diff.ruleset_changes] == ["name", "order"]
    assert diff.ruleset_changes[1] == AttributeChange("order", ("a", "b"), ("b", "a"))
