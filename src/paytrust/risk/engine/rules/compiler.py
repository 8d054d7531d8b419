"""Compile a rule set once into one Python function, and the reference interpreter beside it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from paytrust.risk.engine.features.vocabulary import FieldType
from paytrust.risk.engine.rules import nodes, semantics
from paytrust.risk.engine.rules._checker import check_expression
from paytrust.risk.engine.rules._codegen import (
    FUNCTION_NAME,
    GeneratedSource,
    generate_ruleset_source,
)
from paytrust.risk.engine.rules._parser import parse_expression
from paytrust.risk.engine.rules.errors import ExpressionError, RuleError, RuleSetInvalid
from paytrust.risk.engine.rules.ruleset import Rule, RuleSet


@dataclass(frozen=True, slots=True)
class Evaluation:
    hits: tuple[int, ...]  # indices into ``rules``, shadow rules included
    faults: tuple[int, ...]  # rules whose evaluation raised; they never hit


RowEvaluator = Callable[[Sequence[object]], tuple[int, ...]]


class CompiledRuleSet:
    """All enabled rules of a rule set as one generated Python function."""

    __slots__ = ("_conditions", "_function", "_row_functions", "rules", "ruleset", "source")

    def __init__(self, ruleset: RuleSet, conditions: list[tuple[int, nodes.Expr]]) -> None:
        generated = generate_ruleset_source(conditions)
        self._function = _define(ruleset, generated)
        self._conditions = conditions
        self._row_functions: dict[tuple[tuple[str, int], ...], RowEvaluator] = {}
        self.ruleset = ruleset
        self.rules: tuple[Rule, ...] = ruleset.rules
        self.source = generated.source

    def evaluate(self, ctx: Mapping[str, object]) -> tuple[int, ...]:
        """Indices of the rules that hit; a rule that faults does not hit."""
        hits: tuple[int, ...] = self._function(ctx)
        return hits

    def evaluate_with_faults(self, ctx: Mapping[str, object]) -> Evaluation:
        faults: list[int] = []
        hits: tuple[int, ...] = self._function(ctx, faults)
        return Evaluation(hits, tuple(faults))

    def on_rows(self, positions: Mapping[str, int]) -> RowEvaluator:
        """``evaluate`` for rows that hold the value of each name at ``positions[name]``:
        the same rules, compiled to read by position (generated once per layout)."""
        key = tuple(positions.items())
        function = self._row_functions.get(key)
        if function is None:
            function = self._row_functions[key] = _define(
                self.ruleset, generate_ruleset_source(self._conditions, positions))
        return function


def _define(ruleset: RuleSet, generated: GeneratedSource) -> Callable[..., tuple[int, ...]]:
    namespace: dict[str, object] = {
        "__builtins__": {"abs": abs, "min": min, "max": max, "len": len},
        "_RUNTIME_FAULTS": semantics.RUNTIME_FAULTS,
        **generated.namespace,
    }
    # Our own generated source: user text reaches it only as repr() of checked literals.
    exec(compile(generated.source, f"<ruleset {ruleset.name}>", "exec"), namespace)
    return namespace[FUNCTION_NAME]  # type: ignore[return-value]


class InterpretedRuleSet:
    """The same contract as ``CompiledRuleSet``, walking the trees: slow and obviously right."""

    __slots__ = ("_conditions", "rules", "ruleset")

    def __init__(self, ruleset: RuleSet, conditions: list[tuple[int, nodes.Expr]]) -> None:
        self._conditions = conditions
        self.ruleset = ruleset
        self.rules: tuple[Rule, ...] = ruleset.rules

    def evaluate(self, ctx: Mapping[str, object]) -> tuple[int, ...]:
        return self.evaluate_with_faults(ctx).hits

    def evaluate_with_faults(self, ctx: Mapping[str, object]) -> Evaluation:
        hits: list[int] = []
        faults: list[int] = []
        for index, condition in self._conditions:
            try:
                if semantics.is_true(condition, ctx):
                    hits.append(index)
            except semantics.RUNTIME_FAULTS:
                faults.append(index)
        return Evaluation(tuple(hits), tuple(faults))


def compile_ruleset(ruleset: RuleSet, vocabulary: Mapping[str, FieldType]) -> CompiledRuleSet:
    """Check every enabled rule against ``vocabulary`` and compile them into one function.

    Raises ``RuleSetInvalid``; positions are inside each rule's expression (use
    ``validate_ruleset`` on the document for positions in the document).
    """
    return CompiledRuleSet(ruleset, _checked_conditions(ruleset, vocabulary))


def interpret_ruleset(ruleset: RuleSet, vocabulary: Mapping[str, FieldType]) -> InterpretedRuleSet:
    """The reference interpreter over the same checked trees as ``compile_ruleset``."""
    return InterpretedRuleSet(ruleset, _checked_conditions(ruleset, vocabulary))


def check_rule_expression(
    expression: str, vocabulary: Mapping[str, FieldType]
) -> tuple[nodes.Expr | None, list[ExpressionError]]:
    """Parse and type-check one condition: its tree (None if it does not parse) and errors."""
    try:
        tree = parse_expression(expression)
    except ExpressionError as error:
        return None, [error]
    return tree, check_expression(tree, vocabulary)


def _checked_conditions(
    ruleset: RuleSet, vocabulary: Mapping[str, FieldType]
) -> list[tuple[int, nodes.Expr]]:
    conditions: list[tuple[int, nodes.Expr]] = []
    errors: list[RuleError] = []
    for index, rule in enumerate(ruleset.rules):
        if not rule.enabled:
            continue
        tree, problems = check_rule_expression(rule.expression, vocabulary)
        errors += [_position_in_expression(rule, problem) for problem in problems]
        if tree is not None and not problems:
            conditions.append((index, tree))
    if errors:
        raise RuleSetInvalid(errors)
    return conditions


def _position_in_expression(rule: Rule, error: ExpressionError) -> RuleError:
    before = rule.expression[:error.offset]
    line = before.count("\n") + 1
    column = error.offset - (before.rfind("\n") + 1) + 1
    return RuleError(rule.id, line, column, error.message, error.code)
