"""Reading, validating and testing rule set documents, with positions in the document."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping

from paytrust.risk.engine.features.vocabulary import FieldType
from paytrust.risk.engine.rules import semantics
from paytrust.risk.engine.rules._loader import LoadedExample, LoadedRule, load_document
from paytrust.risk.engine.rules._parser import parse_expression
from paytrust.risk.engine.rules._source_map import position_of
from paytrust.risk.engine.rules.compiler import check_rule_expression
from paytrust.risk.engine.rules.errors import ExpressionError, RuleError, RuleSetInvalid
from paytrust.risk.engine.rules.nodes import Expr
from paytrust.risk.engine.rules.ruleset import ExampleValue, RuleSet

_PYTHON_TYPES: dict[FieldType, tuple[type, ...]] = {
    FieldType.NUMBER: (int, float), FieldType.STRING: (str,), FieldType.BOOL: (bool,),
}


def parse_ruleset(text: str, *, source_format: str = "yaml") -> RuleSet:
    """Read a document: its structure and the syntax of every expression.

    Names and types need a vocabulary: see ``validate_ruleset`` and ``compile_ruleset``.
    Raises ``RuleSetInvalid`` with every problem found.
    """
    document = load_document(text, source_format)
    errors = list(document.errors)
    for loaded in document.rules:
        if loaded.expression is not None:
            try:
                parse_expression(loaded.expression)
            except ExpressionError as error:
                errors.append(_in_document(loaded, error))
    if errors or document.ruleset is None:
        raise RuleSetInvalid(sorted(errors, key=_position))
    return document.ruleset


def validate_ruleset(
    text: str, vocabulary: Mapping[str, FieldType], *, source_format: str = "yaml"
) -> list[RuleError]:
    """Every problem of a document, in document order; an empty list means it is valid.

    Checks the structure, each expression against ``vocabulary`` (disabled rules too: they
    are one switch away from running) and runs each rule's ``examples``.
    """
    document = load_document(text, source_format)
    errors = list(document.errors)
    for loaded in document.rules:
        if loaded.expression is None:
            continue
        tree, problems = check_rule_expression(loaded.expression, vocabulary)
        errors += [_in_document(loaded, problem) for problem in problems]
        for example_number, example in enumerate(loaded.examples, start=1):
            errors += _run_example(text, loaded, example, example_number,
                                   None if problems else tree, vocabulary)
    return sorted(errors, key=_position)


def _position(error: RuleError) -> tuple[int, int]:
    return error.line, error.column


def _in_document(loaded: LoadedRule, error: ExpressionError) -> RuleError:
    assert loaded.locator is not None  # set together with the expression
    line, column = loaded.locator.locate(error.offset)
    return RuleError(loaded.rule_id, line, column, error.message, error.code)


def _run_example(
    source: str, loaded: LoadedRule, example: LoadedExample, number: int, tree: Expr | None,
    vocabulary: Mapping[str, FieldType],
) -> list[RuleError]:
    errors: list[RuleError] = []
    for name, value in example.given.items():
        problem = _given_problem(name, value, vocabulary)
        if problem:
            line, column = position_of(source, example.given_keys[name].start_mark.index)
            errors.append(RuleError(loaded.rule_id, line, column,
                                    f"example {number}: {problem}", "bad-example"))
    if errors or tree is None:
        return errors
    line, column = position_of(source, example.node.start_mark.index)
    try:
        hit = semantics.is_true(tree, example.given)
    except semantics.RUNTIME_FAULTS as fault:
        return [RuleError(loaded.rule_id, line, column,
                          f"example {number}: evaluating the rule failed: {fault}",
                          "example-failed")]
    if hit == example.expect_hit:
        return []
    expected, actual = ("hit", "missed") if example.expect_hit else ("miss", "hit")
    given = ", ".join(f"{name}={value!r}" for name, value in example.given.items())
    return [RuleError(loaded.rule_id, line, column,
                      f"example {number} expects a {expected} but the rule {actual} "
                      f"(given {given or 'nothing'})", "example-failed")]


def _given_problem(name: str, value: ExampleValue,
                   vocabulary: Mapping[str, FieldType]) -> str | None:
    field_type = vocabulary.get(name)
    if field_type is None:
        close = difflib.get_close_matches(name, vocabulary, n=1, cutoff=0.75)
        return f"unknown name `{name}`" + (f"; did you mean `{close[0]}`?" if close else "")
    if value is None:
        return None
    wanted = _PYTHON_TYPES[field_type]
    if (isinstance(value, bool) and bool not in wanted) or not isinstance(value, wanted) or (
            isinstance(value, float) and not math.isfinite(value)):
        return f"`{name}` is a {field_type.value}, not {value!r}"
    return None
