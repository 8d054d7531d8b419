"""The syntax tree of a rule expression.

Nodes are immutable; ``start``/``end`` are character offsets into the expression text and
take no part in equality, so a tree re-parsed from its pretty-printed text equals the
original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

LiteralValue = int | float | str | bool | None

ArithmeticOp = TypingLiteral["+", "-", "*", "/", "%"]
ComparisonOp = TypingLiteral["==", "!=", "<", "<=", ">", ">="]
LogicalOp = TypingLiteral["and", "or"]


@dataclass(frozen=True, slots=True)
class Literal:
    value: LiteralValue
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Name:
    name: str  # dotted: "txn.amount"
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Expr
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Arithmetic:
    op: ArithmeticOp
    left: Expr
    right: Expr
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Comparison:
    op: ComparisonOp
    left: Expr
    right: Expr
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Logical:
    op: LogicalOp
    left: Expr
    right: Expr
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Membership:
    """``operand in [..]`` or, with ``negated``, ``operand not in [..]``."""

    operand: Expr
    items: ListExpr
    negated: bool
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Between:
    """``operand between low and high``, both bounds inclusive."""

    operand: Expr
    low: Expr
    high: Expr
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class IsNull:
    """``operand is null`` or, with ``negated``, ``operand is not null``."""

    operand: Expr
    negated: bool
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Expr, ...]
    start: int = field(default=0, compare=False, repr=False)
    end: int = field(default=0, compare=False, repr=False)


Expr = (
    Literal | Name | ListExpr | Negate | Not | Arithmetic | Comparison | Logical | Membership
    | Between | IsNull | Call
)


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``node``, left to right."""
    match node:
        case Literal() | Name():
            return ()
        case ListExpr(items=items) | Call(args=items):
            return items
        case Negate(operand=operand) | Not(operand=operand) | IsNull(operand=operand):
            return (operand,)
        case Arithmetic(left=left, right=right) | Comparison(left=left, right=right):
            return (left, right)
        case Logical(left=left, right=right):
            return (left, right)
        case Membership(operand=operand, items=items):
            return (operand, items)
        case Between(operand=operand, low=low, high=high):
            return (operand, low, high)


def names_in(node: Expr) -> list[str]:
    """Distinct names used by ``node`` in order of first appearance."""
    found: dict[str, None] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            found.setdefault(current.name)
        stack.extend(reversed(children(current)))
    return list(found)
