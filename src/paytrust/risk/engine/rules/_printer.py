"""Pretty-printer: the canonical text of an expression, with only the parentheses needed."""

from __future__ import annotations

from paytrust.risk.engine.rules import nodes
from paytrust.risk.engine.rules._parser import (
    ADDITIVE,
    AND,
    COMPARISON,
    MULTIPLICATIVE,
    NOT,
    OR,
    UNARY,
)

_ATOM = 100
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t"}


def format_expression(node: nodes.Expr) -> str:
    return _format(node)


def _power(node: nodes.Expr) -> int:
    match node:
        case nodes.Logical(op="or"):
            return OR
        case nodes.Logical(op="and"):
            return AND
        case nodes.Not():
            return NOT
        case nodes.Comparison() | nodes.Membership() | nodes.Between() | nodes.IsNull():
            return COMPARISON
        case nodes.Arithmetic(op="+" | "-"):
            return ADDITIVE
        case nodes.Arithmetic():
            return MULTIPLICATIVE
        case nodes.Negate():
            return UNARY
        case _:
            return _ATOM


def _operand(node: nodes.Expr, above: int) -> str:
    """``node`` printed as an operand that binds tighter than ``above``."""
    text = _format(node)
    return text if _power(node) > above else f"({text})"


def _format(node: nodes.Expr) -> str:
    match node:
        case nodes.Literal(value=value):
            return _literal(value)
        case nodes.Name(name=name):
            return name
        case nodes.ListExpr(items=items):
            return "[" + ", ".join(_format(item) for item in items) + "]"
        case nodes.Call(function=function, args=args):
            return f"{function}(" + ", ".join(_format(arg) for arg in args) + ")"
        case nodes.Negate(operand=operand):
            return "-" + _operand(operand, UNARY - 1 if not isinstance(operand, nodes.Negate)
                                  else UNARY)
        case nodes.Not(operand=operand):
            return "not " + _operand(operand, NOT - 1)
        case nodes.Logical(op=op, left=left, right=right) | nodes.Arithmetic(
                op=op, left=left, right=right):
            power = _power(node)
            return f"{_operand(left, power - 1)} {op} {_operand(right, power)}"
        case nodes.Comparison(op=op, left=left, right=right):
            return f"{_operand(left, COMPARISON)} {op} {_operand(right, COMPARISON)}"
        case nodes.Membership(operand=operand, items=items, negated=negated):
            keyword = "not in" if negated else "in"
            return f"{_operand(operand, COMPARISON)} {keyword} {_format(items)}"
        case nodes.Between(operand=operand, low=low, high=high):
            return (f"{_operand(operand, COMPARISON)} between {_operand(low, COMPARISON)} "
                    f"and {_operand(high, COMPARISON)}")
        case nodes.IsNull(operand=operand, negated=negated):
            return f"{_operand(operand, COMPARISON)} is {'not ' if negated else ''}null"


def _literal(value: nodes.LiteralValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + "".join(_ESCAPES.get(char, char) for char in value) + "'"
    return repr(value)
