""""Why did this rule hit?": every sub-expression of a condition with its value in a context."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from paytrust.risk.engine.features.vocabulary import FieldType
from paytrust.risk.engine.rules import nodes, semantics
from paytrust.risk.engine.rules._printer import format_expression
from paytrust.risk.engine.rules.compiler import check_rule_expression
from paytrust.risk.engine.rules.errors import RuleError, RuleSetInvalid


@dataclass(frozen=True, slots=True)
class ExplainedNode:
    text: str  # the sub-expression, pretty-printed
    value: object  # None is null
    fault: str | None  # set when evaluating this sub-expression raised
    children: tuple[ExplainedNode, ...]

    def render(self, indent: int = 0) -> str:
        """An indented tree, one sub-expression per line: ``txn.amount > 1000  =>  true``."""
        shown = f"fault: {self.fault}" if self.fault else _show(self.value)
        lines = [f"{'  ' * indent}{self.text}  =>  {shown}"]
        lines += [child.render(indent + 1) for child in self.children]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Explanation:
    hit: bool
    tree: ExplainedNode


def explain(
    expression: str, ctx: Mapping[str, object], vocabulary: Mapping[str, FieldType]
) -> Explanation:
    """Evaluate ``expression`` in ``ctx`` and record each sub-expression's value.

    Every branch is shown, including those ``and``/``or`` would skip. Raises
    ``RuleSetInvalid`` (positions inside the expression) if the expression is invalid.
    """
    tree, problems = check_rule_expression(expression, vocabulary)
    if tree is None or problems:
        raise RuleSetInvalid([_expression_error(expression, problem.offset, problem.message,
                                                problem.code) for problem in problems])
    explained = _explain(tree, ctx)
    return Explanation(hit=explained.fault is None and bool(explained.value), tree=explained)


def _explain(node: nodes.Expr, ctx: Mapping[str, object]) -> ExplainedNode:
    fault = None
    try:
        value = semantics.evaluate(node, ctx)
    except semantics.RUNTIME_FAULTS as error:
        value, fault = None, f"{type(error).__name__}: {error}"
    children = tuple(_explain(child, ctx) for child in nodes.children(node)
                     if not isinstance(child, nodes.Literal))
    return ExplainedNode(format_expression(node), value, fault, children)


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return repr(value)


def _expression_error(expression: str, offset: int, message: str, code: str) -> RuleError:
    before = expression[:offset]
    line = before.count("\n") + 1
    return RuleError(None, line, offset - (before.rfind("\n") + 1) + 1, message, code)
