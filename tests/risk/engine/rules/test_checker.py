"""Static checks: names, functions, arity and types, each error with its offset."""

from __future__ import annotations

import pytest

from paytrust.risk.engine.rules._checker import check_expression
from paytrust.risk.engine.rules._parser import parse_expression
from paytrust.risk.engine.rules.errors import ExpressionError
from tests.risk.engine.rules.factories import VOCABULARY


def _problems(text: str) -> list[ExpressionError]:
    return check_expression(parse_expression(text), VOCABULARY)


@pytest.mark.parametrize("text", [
    "customer.new_device and txn.balance_drain_ratio >= 0.8 and txn.amount > 1000",
    "txn.channel in ['web', 'qr'] and not list.ip_blocked",
    "txn.amount / customer.count_1h between 10 and 20.5",
    "coalesce(customer.count_1h, 0) + 1 > 3",
    "lower(txn.channel) + '_x' == 'web_x' or len(customer.name) > 40",
    "starts_with(txn.country, 'C') and contains(customer.name, '有限公司')",
    "round(txn.amount, 2) == 10.5 or floor(txn.amount) % 2 == 1",
    "txn.country is null or txn.country not in ['CN', 'HK', null]",
    "customer.new_device == true",
    "list.ip_blocked",
])
def test_well_typed_conditions_pass(text: str) -> None:
    assert _problems(text) == []


@pytest.mark.parametrize(("text", "offset", "code", "fragment"), [
    ("txn.amout > 1", 0, "unknown-name", "did you mean `txn.amount`?"),
    ("txn.amount == 1 or zzz", 19, "unknown-name", "unknown name `zzz`"),
    ("True and list.ip_blocked", 0, "unknown-name", "did you mean `true`?"),
    ("txn.channel > 5", 0, "type-mismatch", "compares values of one type"),
    ("txn.amount + 'x' > 1", 13, "type-mismatch", "needs numbers or two strings"),
    ("txn.amount * txn.channel > 1", 13, "type-mismatch", "needs numbers"),
    ("txn.amount", 0, "type-mismatch", "must be true or false, not a number"),
    ("not txn.amount", 4, "type-mismatch", "`not` needs a boolean"),
    ("txn.amount > 1 and txn.channel", 19, "type-mismatch", "`and` needs a boolean"),
    ("txn.channel in [1, 'a']", 16, "type-mismatch", "list item is a number"),
    ("txn.amount == null", 14, "null-comparison", "use `is null`"),
    ("txn.amount != null", 14, "null-comparison", "use `is not null`"),
    ("txn.amount / 0 > 1", 13, "division-by-zero", "division by zero"),
    ("[1, 2] == txn.amount", 0, "type-mismatch", "a list can only follow `in`"),
    ("-txn.channel == 'a'", 1, "type-mismatch", "`-` needs a number"),
    ("txn.amount between 1 and 'z'", 0, "type-mismatch", "compares values of one type"),
    ("sqrt(txn.amount) > 1", 0, "unknown-function", "unknown function `sqrt`"),
    ("lowr(txn.channel) == 'a'", 0, "unknown-function", "did you mean `lower`?"),
    ("abs(txn.amount, 1) > 1", 0, "wrong-arity", "takes 1 argument(s), found 2"),
    ("min(txn.amount) > 1", 0, "wrong-arity", "takes 2 or more argument(s), found 1"),
    ("round(txn.amount, customer.count_1h) > 1", 18, "type-mismatch", "whole number literal"),
    ("len(txn.amount) > 1", 4, "type-mismatch", "argument 1 of `len` must be a string"),
    ("coalesce(txn.amount, 'x') == 1", 21, "type-mismatch", "arguments of one type"),
])
def test_each_mistake_is_reported_where_it_is(
    text: str, offset: int, code: str, fragment: str
) -> None:
    problems = _problems(text)
    assert [(problem.offset, problem.code) for problem in problems] == [(offset, code)]
    assert fragment in problems[0].message


def test_independent_mistakes_are_all_reported() -> None:
    problems = _problems("txn.amout > 1 and txn.channel > 5 and nope(1)")
    assert [problem.code for problem in problems] == [
        "unknown-name", "type-mismatch", "unknown-function"]


def test_one_mistake_does_not_cascade_into_more_errors() -> None:
    problems = _problems("abs(txn.amout) + 1 > 2 * abs(txn.amout)")
    assert [problem.code for problem in problems] == ["unknown-name", "unknown-name"]
