"""A small vocabulary and builders of rules and rule set documents for rule-language tests."""

from __future__ import annotations

import textwrap
from typing import Any

from paytrust.risk.engine.features.vocabulary import FieldType
from paytrust.risk.engine.rules import Rule, RuleSet, Severity

N, S, B = FieldType.NUMBER, FieldType.STRING, FieldType.BOOL

VOCABULARY: dict[str, FieldType] = {
    "txn.amount": N,
    "txn.balance_drain_ratio": N,
    "txn.channel": S,
    "txn.country": S,
    "txn.hour_utc": N,
    "customer.new_device": B,
    "customer.count_1h": N,
    "customer.name": S,
    "list.ip_blocked": B,
}


def make_rule(expression: str = "txn.amount > 1000", **overrides: Any) -> Rule:
    fields: dict[str, Any] = {
        "id": "big_amount", "description_en": "Big amount", "description_zh": "大额",
        "expression": expression, "action": None, "score": 0.3, "severity": Severity.MEDIUM,
    }
    fields.update(overrides)
    return Rule(**fields)


def make_ruleset(*rules: Rule, name: str = "test") -> RuleSet:
    return RuleSet(name, "Test rules", "测试规则", rules)


def document(body: str) -> str:
    """A rule set document from an indented literal (the first line is line 1)."""
    return textwrap.dedent(body).lstrip("\n")


def single_rule_document(when: str, extra: str = "") -> str:
    """A document with one rule whose ``when`` is the plain scalar on line 5, column 11."""
    return document(f"""
        ruleset: test
        rules:
          - id: only_rule
            description: {{en: "Only rule", zh: "唯一规则"}}
            when: {when}
            score: 0.5
            severity: high
        """) + extra
