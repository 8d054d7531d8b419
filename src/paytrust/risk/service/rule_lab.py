"""Trying a condition before it goes into a rule set, and the names a condition may use."""

from __future__ import annotations

import json

from paytrust.platform.errors import ValidationFailed
from paytrust.risk.engine.features.vocabulary import SPECS, VOCABULARY, FeatureSpec
from paytrust.risk.engine.rules import Explanation, Rule, RuleSetInvalid, explain, parse_ruleset

MAX_EXPRESSION_CHARS = 4_000
MAX_CONTEXT_CHARS = 64_000


def vocabulary_reference() -> list[FeatureSpec]:
    """Every name a rule condition can use, with its type and meaning, in vocabulary order."""
    return list(SPECS.values())


def _context(context_json: str) -> dict[str, object]:
    try:
        context = json.loads(context_json or "{}")
    except json.JSONDecodeError as error:
        raise ValidationFailed(
            f"the context is not JSON: {error.msg}", field="context",
            errors=[{"line": error.lineno, "column": error.colno, "message": error.msg}],
        ) from error
    if not isinstance(context, dict):
        raise ValidationFailed("the context must be a JSON object of names to values",
                               field="context")
    return context


def try_expression(expression: str, context_json: str) -> Explanation:
    """Evaluate a rule condition on a JSON context (vocabulary name -> value): whether it
    hits and the value of every sub-expression. Invalid conditions are refused with the
    line and column of each problem."""
    if len(expression) > MAX_EXPRESSION_CHARS or len(context_json) > MAX_CONTEXT_CHARS:
        raise ValidationFailed("the condition or its context is too long", field="expression")
    context = _context(context_json)
    try:
        return explain(expression, context, VOCABULARY)
    except RuleSetInvalid as error:
        raise ValidationFailed(
            f"{len(error.errors)} error(s) in the condition", field="expression",
            errors=[{"line": e.line, "column": e.column, "message": e.message, "code": e.code}
                    for e in error.errors],
        ) from error


def rules_of(yaml_text: str) -> tuple[Rule, ...]:
    """The rules of a stored (hence valid) rule set text, for describing them; none when the
    text does not parse."""
    try:
        return parse_ruleset(yaml_text).rules
    except RuleSetInvalid:
        return ()
