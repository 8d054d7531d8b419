"""The meaning of a rule expression, written once as a slow tree-walking interpreter.

This is the reference the compiled code is tested against (``tests/.../test_differential``):

* a name missing from the context, or present with ``None``, is **null**;
* null propagates through ``+ - * / %``, unary ``-`` and functions (except ``coalesce``);
* ``x / 0`` and ``x % 0`` are null; ``%`` follows Python (the result has the divisor's sign);
* a comparison (``== != < <= > >= in not in between``) involving null is **false** -- so
  ``x not in [..]`` and ``x != 1`` are false when ``x`` is null; ``x is null`` tests for it;
* ``and``, ``or`` and ``not`` are two-valued: a null in boolean position counts as false;
* ``a in [..]`` compares with ``==``; list items that are null never match.

A rule whose evaluation raises (only possible when the context breaks the vocabulary's
types, or for integers beyond float range) *faults*: it does not hit and is reported.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from paytrust.risk.engine.rules import nodes
from paytrust.risk.engine.rules.functions import FUNCTIONS, NULL_ABSORBING

RUNTIME_FAULTS = (ArithmeticError, TypeError, ValueError, AttributeError)

_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "%": operator.mod,
}
_COMPARISON: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}


def is_true(node: nodes.Expr, ctx: Mapping[str, object]) -> bool:
    """``node`` in boolean position: null counts as false."""
    return bool(evaluate(node, ctx))


def evaluate(node: nodes.Expr, ctx: Mapping[str, object]) -> Any:
    """The value of ``node`` in ``ctx``; ``None`` stands for null."""
    match node:
        case nodes.Literal(value=value):
            return value
        case nodes.Name(name=name):
            return ctx.get(name)
        case nodes.ListExpr(items=items):
            return tuple(evaluate(item, ctx) for item in items)
        case nodes.Negate(operand=operand):
            value = evaluate(operand, ctx)
            return None if value is None else -value
        case nodes.Not(operand=operand):
            return not is_true(operand, ctx)
        case nodes.Logical(op="and", left=left, right=right):
            return is_true(left, ctx) and is_true(right, ctx)
        case nodes.Logical(left=left, right=right):
            return is_true(left, ctx) or is_true(right, ctx)
        case nodes.Arithmetic(op=op, left=left, right=right):
            return _arithmetic(op, evaluate(left, ctx), evaluate(right, ctx))
        case nodes.Comparison(op=op, left=left, right=right):
            left_value, right_value = evaluate(left, ctx), evaluate(right, ctx)
            if left_value is None or right_value is None:
                return False
            return _COMPARISON[op](left_value, right_value)
        case nodes.Membership(operand=operand, items=items, negated=negated):
            value = evaluate(operand, ctx)
            if value is None:
                return False
            found = value in evaluate(items, ctx)
            return not found if negated else found
        case nodes.Between(operand=operand, low=low, high=high):
            values = (evaluate(low, ctx), evaluate(operand, ctx), evaluate(high, ctx))
            if None in values:
                return False
            return bool(values[0] <= values[1] <= values[2])
        case nodes.IsNull(operand=operand, negated=negated):
            return (evaluate(operand, ctx) is None) is not negated
        case nodes.Call(function=function, args=args):
            arguments = [evaluate(arg, ctx) for arg in args]
            if function not in NULL_ABSORBING and None in arguments:
                return None
            return FUNCTIONS[function].implementation(*arguments)


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    if op in ("/", "%") and right == 0:
        return None
    return _ARITHMETIC[op](left, right)
