"""Explaining why a rule hit: every sub-expression with its value."""

from __future__ import annotations

import pytest

from paytrust.risk.engine.rules import RuleSetInvalid, explain
from tests.risk.engine.rules.factories import VOCABULARY


def test_explanation_shows_each_sub_expression_and_its_value() -> None:
    explanation = explain("customer.new_device and txn.amount / customer.count_1h > 100",
                          {"customer.new_device": True, "txn.amount": 5000,
                           "customer.count_1h": 0}, VOCABULARY)
    assert not explanation.hit
    assert explanation.tree.render().splitlines() == [
        "customer.new_device and txn.amount / customer.count_1h > 100  =>  false",
        "  customer.new_device  =>  true",
        "  txn.amount / customer.count_1h > 100  =>  false",
        "    txn.amount / customer.count_1h  =>  null",
        "      txn.amount  =>  5000",
        "      customer.count_1h  =>  0",
    ]


def test_explanation_of_a_hit() -> None:
    explanation = explain("txn.channel in ['web', 'qr']", {"txn.channel": "qr"}, VOCABULARY)
    assert explanation.hit
    assert explanation.tree.children[0].value == "qr"


def test_explaining_an_invalid_expression_reports_its_errors() -> None:
    with pytest.raises(RuleSetInvalid) as caught:
        explain("txn.amount > 'x'", {}, VOCABULARY)
    assert [(e.line, e.column, e.code) for e in caught.value.errors] == [
        (1, 1, "type-mismatch")]
