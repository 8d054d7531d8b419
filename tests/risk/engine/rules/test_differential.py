"""Compiled rule sets agree with the reference interpreter; printing and re-parsing is exact."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from paytrust.risk.engine.features.vocabulary import FieldType
from paytrust.risk.engine.rules import CompiledRuleSet, InterpretedRuleSet, nodes
from paytrust.risk.engine.rules._checker import check_expression
from paytrust.risk.engine.rules._parser import parse_expression
from paytrust.risk.engine.rules._printer import format_expression
from tests.risk.engine.rules.factories import make_rule, make_ruleset
from tests.risk.engine.rules.strategies import (
    VocabularyItems,
    contexts,
    expressions,
    vocabularies,
)

# Literal zero divisors and ``== null`` are legal trees the checker rejects as mistakes.
_REJECTED_ON_PURPOSE = {"division-by-zero", "null-comparison"}


def _probes(tree: nodes.Expr, kind: FieldType) -> list[nodes.Expr]:
    """Boolean rules that expose the value of ``tree``: its nullness, sign and shape."""
    zero = nodes.Literal(0)
    if kind is FieldType.BOOL:
        return [tree, nodes.IsNull(tree, False), nodes.Not(tree)]
    if kind is FieldType.NUMBER:
        return [nodes.IsNull(tree, False), nodes.Comparison(">", tree, zero),
                nodes.Comparison("==", tree, zero), nodes.Comparison("<", tree, zero)]
    return [nodes.IsNull(tree, False), nodes.Comparison("==", tree, nodes.Literal("")),
            nodes.Comparison(">", nodes.Call("len", (tree,)), nodes.Literal(2)),
            nodes.Call("starts_with", (tree, nodes.Literal("w")))]


@st.composite
def _cases(draw: st.DrawFn) -> tuple[list[nodes.Expr], list[dict[str, object]], list[str]]:
    items: VocabularyItems = draw(vocabularies)
    conditions: list[nodes.Expr] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(FieldType))
        conditions += _probes(draw(expressions(items, kind, 3)), kind)
    return conditions, draw(st.lists(contexts(items), min_size=1, max_size=5)), [
        name for name, _ in items]


@settings(max_examples=200, deadline=None)
@given(_cases())
def test_compiled_rules_agree_with_the_reference_interpreter(
    case: tuple[list[nodes.Expr], list[dict[str, object]], list[str]],
) -> None:
    conditions, ctxs, names = case
    ruleset = make_ruleset(*(make_rule(format_expression(condition), id=f"r{index}")
                             for index, condition in enumerate(conditions)))
    indexed = list(enumerate(conditions))
    compiled = CompiledRuleSet(ruleset, indexed)
    reference = InterpretedRuleSet(ruleset, indexed)
    on_rows = compiled.on_rows({name: position for position, name in enumerate(names)})
    for ctx in ctxs:
        expected = reference.evaluate_with_faults(ctx)
        assert compiled.evaluate_with_faults(ctx) == expected, (compiled.source, ctx)
        assert expected.faults == ()  # well-typed contexts never fault
        assert on_rows([ctx.get(name) for name in names]) == expected.hits, ctx


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_printing_then_parsing_gives_back_the_same_tree(data: st.DataObject) -> None:
    items = data.draw(vocabularies)
    tree = data.draw(expressions(items, data.draw(st.sampled_from(FieldType)), 3))
    reparsed = parse_expression(format_expression(tree))
    assert reparsed == tree
    assert repr(reparsed) == repr(tree)  # also tells 1 from 1.0 from true


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_the_checker_accepts_every_well_typed_tree(data: st.DataObject) -> None:
    items = data.draw(vocabularies)
    tree = data.draw(expressions(items, FieldType.BOOL, 3))
    problems = check_expression(tree, dict(items))
    assert {problem.code for problem in problems} <= _REJECTED_ON_PURPOSE, problems


def test_a_context_breaking_the_vocabulary_faults_the_rule_in_both_evaluators() -> None:
    conditions = [parse_expression("lower(txn.channel) == 'web'"),
                  parse_expression("txn.amount > 5")]
    ruleset = make_ruleset(make_rule("lower(txn.channel) == 'web'", id="channel"),
                           make_rule("txn.amount > 5", id="amount"))
    indexed = list(enumerate(conditions))
    ctx = {"txn.channel": 42, "txn.amount": 10}
    compiled = CompiledRuleSet(ruleset, indexed).evaluate_with_faults(ctx)
    reference = InterpretedRuleSet(ruleset, indexed).evaluate_with_faults(ctx)
    assert compiled == reference
    assert compiled.faults == (0,)
    assert compiled.hits == (1,)
