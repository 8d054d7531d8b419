"""Validating documents: every error, structural or in an expression, at its document position."""

from __future__ import annotations

import json

import pytest

from paytrust.risk.engine.rules import RuleError, validate_ruleset
from tests.risk.engine.rules.factories import VOCABULARY, document, single_rule_document


def _where(errors: list[RuleError]) -> list[tuple[str | None, int, int, str]]:
    return [(error.rule_id, error.line, error.column, error.code) for error in errors]


def test_a_valid_document_has_no_errors() -> None:
    assert validate_ruleset(single_rule_document("txn.amount > 1000"), VOCABULARY) == []


def test_expression_error_in_a_plain_scalar_points_into_the_document() -> None:
    errors = validate_ruleset(single_rule_document("txn.amount > 1 and txn.channel > 5"),
                              VOCABULARY)
    # The expression starts at column 11 of line 5; ``txn.channel`` 19 characters later.
    assert _where(errors) == [("only_rule", 5, 30, "type-mismatch")]


def test_expression_error_in_a_quoted_scalar_skips_the_quote() -> None:
    errors = validate_ruleset(single_rule_document('"txn.amout > 1"'), VOCABULARY)
    assert _where(errors) == [("only_rule", 5, 12, "unknown-name")]


def test_expression_error_in_a_literal_block_scalar_has_its_own_line() -> None:
    text = document("""
        ruleset: test
        rules:
          - id: block_rule
            description: {en: "Block", zh: "块"}
            when: |
              customer.new_device
                and txn.balance_drain_ratio >= 0.8
                and txn.chanel == 'web'
            action: review
            severity: high
        """)
    errors = validate_ruleset(text, VOCABULARY)
    assert _where(errors) == [("block_rule", 8, 13, "unknown-name")]
    assert "did you mean `txn.channel`?" in errors[0].message


def test_expression_error_in_a_folded_block_scalar_has_its_own_line() -> None:
    text = document("""
        ruleset: test
        rules:
          - id: folded_rule
            description: {en: "Folded"}
            when: >-
              txn.amount > 1
              and nope(txn.amount)
            score: 0.1
            severity: low
        """)
    assert _where(validate_ruleset(text, VOCABULARY)) == [
        ("folded_rule", 7, 11, "unknown-function")]


def test_expression_error_in_a_multi_line_plain_scalar() -> None:
    text = document("""
        ruleset: test
        rules:
          - id: wrapped
            description: {en: "Wrapped"}
            when: txn.amount > 1 and
              txn.channel > 2
            score: 0.1
            severity: low
        """)
    assert _where(validate_ruleset(text, VOCABULARY)) == [("wrapped", 6, 7, "type-mismatch")]


def test_syntax_error_points_into_the_document() -> None:
    errors = validate_ruleset(single_rule_document("txn.amount >"), VOCABULARY)
    assert _where(errors) == [("only_rule", 5, 23, "syntax-error")]


def test_every_structural_error_is_reported_with_its_position() -> None:
    text = document("""
        ruleset: Bad Name
        colour: blue
        rules:
          - id: ok_rule
            description: {en: "Fine", zh: "好"}
            when: txn.amount > 1
            action: maybe
            score: 1.5
            severity: huge
            tags: [fraud, fraud, "Not A Tag"]
            enabled: "yes"
          - id: ok_rule
            description: {en: "Twin"}
            when: txn.amount > 2
            score: 0.2
            severity: low
          - id: 9lives
            when: txn.amount > 3
            severity: low
            sevrity: low
          - just a string
        """)
    assert _where(validate_ruleset(text, VOCABULARY)) == [
        (None, 1, 10, "bad-value"),          # ruleset name
        (None, 2, 1, "unknown-key"),         # colour
        ("ok_rule", 7, 13, "bad-value"),     # action
        ("ok_rule", 8, 12, "bad-value"),     # score
        ("ok_rule", 9, 15, "bad-value"),     # severity
        ("ok_rule", 10, 19, "duplicate-tag"),
        ("ok_rule", 10, 26, "bad-value"),    # tag shape
        ("ok_rule", 11, 14, "bad-value"),    # enabled
        ("ok_rule", 12, 5, "duplicate-id"),
        ("9lives", 17, 5, "missing-key"),    # description
        ("9lives", 17, 5, "missing-key"),    # action or score
        ("9lives", 17, 9, "bad-value"),      # id shape
        ("9lives", 20, 5, "unknown-key"),    # sevrity
        (None, 21, 5, "wrong-type"),         # a rule that is not a mapping
    ]


def test_unknown_keys_suggest_the_key_that_was_meant() -> None:
    errors = validate_ruleset(single_rule_document("txn.amount > 1", "    shaddow: true\n"),
                              VOCABULARY)
    assert _where(errors) == [("only_rule", 8, 5, "unknown-key")]
    assert "did you mean `shadow`?" in errors[0].message


def test_duplicate_keys_are_errors_not_silently_overwritten() -> None:
    errors = validate_ruleset(single_rule_document("txn.amount > 1", "    score: 0.9\n"),
                              VOCABULARY)
    assert _where(errors) == [("only_rule", 8, 5, "duplicate-key")]


def test_yaml_syntax_errors_have_a_position() -> None:
    errors = validate_ruleset("ruleset: x\nrules: [\n", VOCABULARY)
    assert [(error.line, error.code) for error in errors] == [(3, "yaml-syntax")]


def test_json_documents_are_validated_with_positions() -> None:
    rule = {"id": "json_rule", "description": {"en": "From JSON", "zh": "来自JSON"},
            "when": "txn.amount > 'a'", "score": 0.5, "severity": "low"}
    text = json.dumps({"ruleset": "json", "rules": [rule]}, ensure_ascii=False, indent=2)
    errors = validate_ruleset(text, VOCABULARY, source_format="json")
    when_line = text.splitlines().index('      "when": "txn.amount > \'a\'",') + 1
    assert _where(errors) == [("json_rule", when_line, 16, "type-mismatch")]


def test_json_syntax_errors_have_a_position() -> None:
    errors = validate_ruleset('{"ruleset": "x",\n "rules": [}', VOCABULARY, source_format="json")
    assert [(error.line, error.column, error.code) for error in errors] == [
        (2, 12, "json-syntax")]


class TestExamples:
    def _rule_with_examples(self, examples: str) -> str:
        return single_rule_document(
            "customer.new_device and txn.amount > 1000", "    examples:\n" + examples)

    def test_passing_examples_give_no_errors(self) -> None:
        text = self._rule_with_examples(
            "      - {given: {txn.amount: 5000, customer.new_device: true}, expect: hit}\n"
            "      - {given: {txn.amount: 5000}, expect: miss}\n"
            "      - {given: {txn.amount: null, customer.new_device: true}, expect: miss}\n")
        assert validate_ruleset(text, VOCABULARY) == []

    def test_a_failing_example_is_reported_at_the_example(self) -> None:
        text = self._rule_with_examples(
            "      - {given: {txn.amount: 5000, customer.new_device: true}, expect: hit}\n"
            "      - {given: {txn.amount: 500, customer.new_device: true}, expect: hit}\n")
        errors = validate_ruleset(text, VOCABULARY)
        assert _where(errors) == [("only_rule", 10, 9, "example-failed")]
        assert "example 2 expects a hit but the rule missed" in errors[0].message
        assert "txn.amount=500" in errors[0].message

    def test_examples_with_unknown_names_or_wrong_types_are_reported(self) -> None:
        text = self._rule_with_examples(
            "      - given:\n"
            "          txn.amout: 5000\n"
            "          customer.new_device: 'yes'\n"
            "        expect: hit\n")
        errors = validate_ruleset(text, VOCABULARY)
        assert _where(errors) == [("only_rule", 10, 11, "bad-example"),
                                  ("only_rule", 11, 11, "bad-example")]
        assert "did you mean `txn.amount`?" in errors[0].message
        assert "is a bool" in errors[1].message

    def test_an_example_needs_an_expectation_of_hit_or_miss(self) -> None:
        text = self._rule_with_examples("      - {given: {txn.amount: 1}, expect: maybe}\n")
        assert _where(validate_ruleset(text, VOCABULARY)) == [
            ("only_rule", 9, 42, "bad-value")]


@pytest.mark.parametrize("when", ["__import__('os')", "txn.__class__", "txn.amount.__class__"])
def test_python_tricks_are_rejected_with_a_position(when: str) -> None:
    errors = validate_ruleset(single_rule_document(f'"{when}"'), VOCABULARY)
    assert errors
    assert all(error.line == 5 for error in errors)
