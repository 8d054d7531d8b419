"""Reading rule set documents into values, and writing the canonical document back."""

from __future__ import annotations

from importlib.resources import files

import pytest

from paytrust.risk.engine.features import VOCABULARY as ENGINE_VOCABULARY
from paytrust.risk.engine.rules import (
    RuleExample,
    RuleSetInvalid,
    Severity,
    compile_ruleset,
    parse_ruleset,
    validate_ruleset,
)
from paytrust.risk.engine.verdict import Decision
from tests.risk.engine.rules.factories import document, make_rule, make_ruleset

FULL = document("""
    ruleset: default
    description: {en: "Default rules", zh: "默认规则"}
    rules:
      - id: ato_new_device_drain
        description: {en: "New device drains the balance", zh: "新设备转出大部分余额"}
        when: customer.new_device and txn.balance_drain_ratio >= 0.8 and txn.amount > 1000
        action: review
        score: 0.35
        severity: high
        tags: [fraud, ato]
        examples:
          - given: {txn.amount: 5000, customer.new_device: true, txn.balance_drain_ratio: 0.9}
            expect: hit
      - id: watch_night
        description: "Night-time payments"
        when: |
          txn.hour_utc between 0 and 5
            and txn.amount >= 200
        score: 1
        severity: low
        enabled: false
        shadow: true
    """)


def test_a_document_becomes_a_rule_set_value() -> None:
    ruleset = parse_ruleset(FULL)
    assert (ruleset.name, ruleset.description_en, ruleset.description_zh) == (
        "default", "Default rules", "默认规则")
    first, second = ruleset.rules
    assert first.id == "ato_new_device_drain"
    assert first.description_zh == "新设备转出大部分余额"
    assert (first.action, first.score, first.severity) == (Decision.REVIEW, 0.35, Severity.HIGH)
    assert first.tags == ("fraud", "ato")
    assert (first.enabled, first.shadow) == (True, False)
    assert first.examples == (RuleExample(
        {"txn.amount": 5000, "customer.new_device": True, "txn.balance_drain_ratio": 0.9},
        expect_hit=True),)
    assert (second.description_en, second.description_zh) == ("Night-time payments", "")
    assert second.expression == "txn.hour_utc between 0 and 5\n  and txn.amount >= 200"
    assert (second.action, second.score, second.enabled, second.shadow) == (
        None, 1.0, False, True)


def test_parse_reports_structure_and_syntax_but_not_names() -> None:
    text = FULL.replace("txn.amount > 1000", "txn.amount >").replace("severity: low",
                                                                     "severity: lowest")
    with pytest.raises(RuleSetInvalid) as caught:
        parse_ruleset(text)
    assert [(e.line, e.code) for e in caught.value.errors] == [
        (6, "syntax-error"), (20, "bad-value")]
    assert parse_ruleset(FULL.replace("txn.amount", "txn.amout")).rules


def test_the_canonical_document_reads_back_as_the_same_rule_set() -> None:
    ruleset = parse_ruleset(FULL)
    canonical = ruleset.to_yaml()
    assert parse_ruleset(canonical) == ruleset
    assert "新设备转出大部分余额" in canonical  # Chinese kept readable, not escaped
    assert "when: |" in canonical  # multi-line conditions stay block scalars
    assert parse_ruleset(canonical).to_yaml() == canonical


def test_the_canonical_document_leaves_out_defaults() -> None:
    canonical = make_ruleset(make_rule(description_zh="")).to_yaml()
    assert "enabled" not in canonical
    assert "shadow" not in canonical
    assert "zh" not in canonical.split("rules:")[1]


def test_json_documents_read_like_yaml_ones() -> None:
    text = ('{"ruleset": "j", "rules": [{"id": "r", "description": {"en": "E", "zh": "中"},'
            ' "when": "txn.amount > 1", "action": "block", "severity": "critical"}]}')
    rule = parse_ruleset(text, source_format="json").rules[0]
    assert (rule.action, rule.severity, rule.description_zh) == (
        Decision.BLOCK, Severity.CRITICAL, "中")


def test_an_unknown_source_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="source_format"):
        parse_ruleset(FULL, source_format="toml")


def test_the_shipped_rule_pack_validates_and_compiles_against_the_engine_vocabulary() -> None:
    text = (files("paytrust") / "content/rules/default.yaml").read_text("utf-8")
    assert validate_ruleset(text, ENGINE_VOCABULARY) == []
    compiled = compile_ruleset(parse_ruleset(text), ENGINE_VOCABULARY)
    assert compiled.evaluate({}) == ()
