"""Compiled rule sets: the documented semantics, enabled/shadow handling, and what is generated."""

from __future__ import annotations

import pytest

from paytrust.risk.engine.rules import (
    RuleSetInvalid,
    compile_ruleset,
    interpret_ruleset,
)
from paytrust.risk.engine.verdict import Decision
from tests.risk.engine.rules.factories import VOCABULARY, make_rule, make_ruleset


def _hits(expression: str, ctx: dict[str, object]) -> bool:
    """Whether a one-rule set hits, asserting the interpreter agrees."""
    ruleset = make_ruleset(make_rule(expression))
    compiled_ruleset = compile_ruleset(ruleset, VOCABULARY)
    compiled = compiled_ruleset.evaluate(ctx)
    assert interpret_ruleset(ruleset, VOCABULARY).evaluate(ctx) == compiled
    positions = {name: position for position, name in enumerate(VOCABULARY)}
    assert compiled_ruleset.on_rows(positions)([ctx.get(name) for name in VOCABULARY]) == compiled
    return compiled == (0,)


@pytest.mark.parametrize(("expression", "ctx", "expected"), [
    # a missing name and an explicit None are both null; comparisons with null are false
    ("txn.amount > 10", {}, False),
    ("txn.amount > 10", {"txn.amount": None}, False),
    ("txn.amount <= 10", {}, False),
    ("txn.amount != 10", {}, False),
    ("txn.channel not in ['web']", {}, False),
    ("txn.amount between 1 and 5", {}, False),
    ("txn.amount is null", {}, True),
    ("txn.amount is not null", {"txn.amount": 0}, True),
    # null propagates through arithmetic and functions; coalesce stops it
    ("txn.amount + 1 is null", {}, True),
    ("abs(txn.amount) is null", {}, True),
    ("coalesce(txn.amount, 7) == 7", {}, True),
    ("coalesce(txn.amount, customer.count_1h) is null", {}, True),
    # division (and modulo) by zero is null, whatever the numbers' types
    ("txn.amount / customer.count_1h is null", {"txn.amount": 5, "customer.count_1h": 0}, True),
    ("txn.amount % customer.count_1h is null", {"txn.amount": 5, "customer.count_1h": 0.0},
     True),
    ("txn.amount / -0 is null", {"txn.amount": 5}, True),
    ("txn.amount / customer.count_1h == 2.5", {"txn.amount": 5, "customer.count_1h": 2}, True),
    ("-7 % 3 == 2", {}, True),
    # a null boolean counts as false, and not/and/or are two-valued
    ("customer.new_device", {}, False),
    ("not customer.new_device", {}, True),
    ("customer.new_device or list.ip_blocked", {"list.ip_blocked": True}, True),
    ("not (txn.amount > 10)", {}, True),
    ("(txn.amount > 10) == false", {}, True),
    ("customer.new_device == false", {}, False),
    # lists: null items never match
    ("txn.country in ['CN', null]", {"txn.country": "CN"}, True),
    ("txn.country in [txn.channel, 'HK']", {"txn.country": "HK"}, True),
    ("txn.country in [customer.name]", {"txn.country": "HK"}, False),
    ("txn.country not in [customer.name]", {"txn.country": "HK"}, True),
    ("txn.amount in []", {"txn.amount": 1}, False),
    # between is inclusive
    ("txn.amount between 1 and 5", {"txn.amount": 5}, True),
    ("txn.amount between 1 and 5", {"txn.amount": 5.0001}, False),
    # text
    ("lower(customer.name) == 'zhang'", {"customer.name": "ZHANG"}, True),
    ("contains(customer.name, '有限')", {"customer.name": "某某有限公司"}, True),
    ("len(customer.name) == 2", {"customer.name": "张三"}, True),
    ("customer.name + '!' == 'x!'", {"customer.name": "x"}, True),
    # rounding a non-finite number is null instead of an exception
    ("round(txn.amount) is null", {"txn.amount": float("inf")}, True),
    ("round(txn.amount, 1) == 2.5", {"txn.amount": 2.54}, True),
    ("floor(txn.amount) == -3", {"txn.amount": -2.5}, True),
])
def test_semantics_of_null_division_and_functions(
    expression: str, ctx: dict[str, object], expected: bool
) -> None:
    assert _hits(expression, ctx) is expected


def test_evaluate_returns_indices_of_enabled_rules_that_hit_including_shadow_rules() -> None:
    ruleset = make_ruleset(
        make_rule("txn.amount > 100", id="acting", action=Decision.REVIEW),
        make_rule("txn.amount > 100", id="switched_off", enabled=False),
        make_rule("txn.amount > 100", id="watching", shadow=True),
        make_rule("txn.amount > 10_000", id="bigger"),
    )
    compiled = compile_ruleset(ruleset, VOCABULARY)
    hits = compiled.evaluate({"txn.amount": 500})
    assert hits == (0, 2)
    assert [compiled.rules[index].shadow for index in hits] == [False, True]
    assert compiled.rules is ruleset.rules


def test_disabled_rules_are_not_checked_at_compile_time() -> None:
    ruleset = make_ruleset(make_rule("no_such.name > 1", enabled=False))
    assert compile_ruleset(ruleset, VOCABULARY).evaluate({}) == ()


def test_compile_errors_give_every_problem_with_positions_inside_the_expression() -> None:
    ruleset = make_ruleset(
        make_rule("txn.amount > 1 and\n  txn.chanel == 'x'", id="first"),
        make_rule("txn.amount >", id="second"),
    )
    with pytest.raises(RuleSetInvalid) as caught:
        compile_ruleset(ruleset, VOCABULARY)
    assert [(e.rule_id, e.line, e.column, e.code) for e in caught.value.errors] == [
        ("first", 2, 3, "unknown-name"), ("second", 1, 13, "syntax-error")]


def test_a_faulting_rule_does_not_stop_the_others() -> None:
    ruleset = make_ruleset(make_rule("lower(txn.channel) == 'web'", id="faults"),
                           make_rule("txn.amount > 1", id="fine"))
    compiled = compile_ruleset(ruleset, VOCABULARY)
    result = compiled.evaluate_with_faults({"txn.channel": 3, "txn.amount": 2})
    assert (result.hits, result.faults) == ((1,), (0,))
    assert compiled.evaluate({"txn.channel": 3, "txn.amount": 2}) == (1,)
    assert compiled.on_rows({"txn.channel": 0, "txn.amount": 1})([3, 2]) == (1,)


def test_each_name_is_loaded_once_per_evaluation() -> None:
    ruleset = make_ruleset(make_rule("txn.amount > 1 and txn.amount < 100", id="a"),
                           make_rule("txn.amount > 50 or customer.new_device", id="b"))
    source = compile_ruleset(ruleset, VOCABULARY).source
    assert source.count("get('txn.amount')") == 1
    assert source.count("get('customer.new_device')") == 1


def test_user_text_reaches_the_generated_source_only_as_quoted_literals() -> None:
    sneaky = "txn.channel == '\\'); import os; os.system(\\'x\\')#'"
    compiled = compile_ruleset(make_ruleset(make_rule(sneaky)), VOCABULARY)
    assert "import os" not in compiled.source.replace(
        repr("'); import os; os.system('x')#"), "")
    assert compiled.evaluate({"txn.channel": "'); import os; os.system('x')#"}) == (0,)
