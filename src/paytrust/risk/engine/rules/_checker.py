"""Static checks of an expression against a vocabulary: names, functions, arity, types."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from paytrust.risk.engine.features.vocabulary import FieldType
from paytrust.risk.engine.rules import nodes
from paytrust.risk.engine.rules.errors import ExpressionError
from paytrust.risk.engine.rules.functions import FUNCTIONS


class ValueType(Enum):
    NUMBER = "number"
    STRING = "string"
    BOOL = "bool"
    NULL = "null"  # the literal null: fits any type
    ERROR = "error"  # already reported: fits anything, so one mistake gives one error


@dataclass(frozen=True, slots=True)
class ListType:
    element: ValueType


Type = ValueType | ListType

_FROM_FIELD = {FieldType.NUMBER: ValueType.NUMBER, FieldType.STRING: ValueType.STRING,
               FieldType.BOOL: ValueType.BOOL}
_LOOSE = (ValueType.NULL, ValueType.ERROR)
_PYTHON_WORDS = {"True": "true", "False": "false", "None": "null", "AND": "and", "OR": "or",
                 "NOT": "not", "&&": "and"}


def check_expression(
    node: nodes.Expr, vocabulary: Mapping[str, FieldType]
) -> list[ExpressionError]:
    """Every problem of a rule condition, which must be a boolean expression."""
    checker = _Checker(vocabulary)
    result = checker.check(node)
    if result not in (ValueType.BOOL, *_LOOSE):
        checker.fail(node, f"a rule condition must be true or false, not {_describe(result)}",
                     "type-mismatch")
    return checker.errors


def _describe(type_: Type) -> str:
    if isinstance(type_, ListType):
        return "a list"
    return {"number": "a number", "string": "a string", "bool": "a boolean",
            "null": "null", "error": "an error"}[type_.value]


def _unify(left: Type, right: Type) -> Type | None:
    """The common type of two operands, or None when they do not mix."""
    if left in _LOOSE:
        return right
    if right in _LOOSE or left == right:
        return left
    return None


class _Checker:
    def __init__(self, vocabulary: Mapping[str, FieldType]) -> None:
        self.vocabulary = vocabulary
        self.errors: list[ExpressionError] = []

    def fail(self, node: nodes.Expr, message: str, code: str) -> ValueType:
        self.errors.append(ExpressionError(node.start, message, code))
        return ValueType.ERROR

    def check(self, node: nodes.Expr) -> Type:
        match node:
            case nodes.Literal(value=value):
                return _literal_type(value)
            case nodes.Name():
                return self.name(node)
            case nodes.ListExpr():
                return self.fail(node, "a list can only follow `in` or `not in`",
                                 "type-mismatch")
            case nodes.Negate(operand=operand):
                return self.expect(operand, ValueType.NUMBER, "`-`")
            case nodes.Not(operand=operand):
                self.expect(operand, ValueType.BOOL, "`not`")
                return ValueType.BOOL
            case nodes.Logical(op=op, left=left, right=right):
                self.expect(left, ValueType.BOOL, f"`{op}`")
                self.expect(right, ValueType.BOOL, f"`{op}`")
                return ValueType.BOOL
            case nodes.Arithmetic():
                return self.arithmetic(node)
            case nodes.Comparison():
                return self.comparison(node)
            case nodes.Membership():
                return self.membership(node)
            case nodes.Between(operand=operand, low=low, high=high):
                self.ordered_operands(node, [operand, low, high], "`between`")
                return ValueType.BOOL
            case nodes.IsNull(operand=operand):
                if isinstance(self.check(operand), ListType):
                    self.fail(operand, "a list is never null", "type-mismatch")
                return ValueType.BOOL
            case nodes.Call():
                return self.call(node)

    def expect(self, node: nodes.Expr, wanted: ValueType, where: str) -> Type:
        found = self.check(node)
        if found in _LOOSE or found == wanted:
            return wanted
        return self.fail(node, f"{where} needs {_describe(wanted)}, found {_describe(found)}",
                         "type-mismatch")

    def name(self, node: nodes.Name) -> Type:
        field_type = self.vocabulary.get(node.name)
        if field_type is not None:
            return _FROM_FIELD[field_type]
        hint = _PYTHON_WORDS.get(node.name)
        if hint is None:
            close = difflib.get_close_matches(node.name, self.vocabulary, n=1, cutoff=0.75)
            hint = close[0] if close else None
        suggestion = f"; did you mean `{hint}`?" if hint else ""
        return self.fail(node, f"unknown name `{node.name}`{suggestion}", "unknown-name")

    def arithmetic(self, node: nodes.Arithmetic) -> Type:
        left, right = self.check(node.left), self.check(node.right)
        common = _unify(left, right)
        if node.op == "+" and (common is ValueType.STRING or common is ValueType.NULL):
            return common  # text concatenation, or null + null: a null of any type
        for operand, found in ((node.left, left), (node.right, right)):
            if found not in (ValueType.NUMBER, *_LOOSE):
                text = "numbers or two strings" if node.op == "+" else "numbers"
                return self.fail(operand, f"`{node.op}` needs {text}, found {_describe(found)}",
                                 "type-mismatch")
        if node.op in ("/", "%") and isinstance(node.right, nodes.Literal) and (
                node.right.value == 0 and not isinstance(node.right.value, bool)):
            return self.fail(node.right, "division by zero (it would always give null)",
                             "division-by-zero")
        return ValueType.NUMBER

    def comparison(self, node: nodes.Comparison) -> Type:
        if node.op in ("==", "!="):
            for operand in (node.left, node.right):
                if isinstance(operand, nodes.Literal) and operand.value is None:
                    word = "is null" if node.op == "==" else "is not null"
                    self.fail(operand, f"comparing with null is always false; use `{word}`",
                              "null-comparison")
                    return ValueType.BOOL
            left, right = self.check(node.left), self.check(node.right)
            if isinstance(left, ListType) or isinstance(right, ListType) or _unify(
                    left, right) is None:
                self.fail(node, f"`{node.op}` compares values of one type, found "
                          f"{_describe(left)} and {_describe(right)}", "type-mismatch")
            return ValueType.BOOL
        self.ordered_operands(node, [node.left, node.right], f"`{node.op}`")
        return ValueType.BOOL

    def ordered_operands(self, node: nodes.Expr, operands: list[nodes.Expr], where: str) -> None:
        """Operands of an ordering comparison: all numbers or all strings."""
        common: Type = ValueType.NULL
        for operand in operands:
            found = self.check(operand)
            if found not in (ValueType.NUMBER, ValueType.STRING, *_LOOSE):
                self.fail(operand, f"{where} compares numbers or strings, found "
                          f"{_describe(found)}", "type-mismatch")
                continue
            unified = _unify(common, found)
            if unified is None:
                self.fail(node, f"{where} compares values of one type, found "
                          f"{_describe(common)} and {_describe(found)}", "type-mismatch")
                return
            common = unified

    def membership(self, node: nodes.Membership) -> Type:
        common = self.check(node.operand)
        if isinstance(common, ListType):
            self.fail(node.operand, "a list cannot be tested for membership", "type-mismatch")
            return ValueType.BOOL
        for item in node.items.items:
            found = self.check(item)
            unified = None if isinstance(found, ListType) else _unify(common, found)
            if unified is None:
                self.fail(item, f"list item is {_describe(found)} but the value tested is "
                          f"{_describe(common)}", "type-mismatch")
            else:
                common = unified
        return ValueType.BOOL

    def call(self, node: nodes.Call) -> Type:
        spec = FUNCTIONS.get(node.function)
        arg_types = [self.check(arg) for arg in node.args]
        if spec is None:
            close = difflib.get_close_matches(node.function, FUNCTIONS, n=1, cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            known = ", ".join(sorted(FUNCTIONS))
            return self.fail(node, f"unknown function `{node.function}`{hint} (known: {known})",
                             "unknown-function")
        if not spec.accepts(len(node.args)):
            most = "or more" if spec.max_args is None else f"to {spec.max_args}"
            count = (f"{spec.min_args}" if spec.max_args == spec.min_args
                     else f"{spec.min_args} {most}")
            return self.fail(node, f"`{spec.name}` takes {count} argument(s), "
                             f"found {len(node.args)}", "wrong-arity")
        if spec.name == "round" and len(node.args) == 2:
            digits = node.args[1]
            if not (isinstance(digits, nodes.Literal) and type(digits.value) is int
                    and 0 <= digits.value <= 15):
                return self.fail(digits, "the digits of `round` must be a whole number "
                                 "literal from 0 to 15", "type-mismatch")
        generic: Type = ValueType.NULL
        for index, (arg, found) in enumerate(zip(node.args, arg_types, strict=True)):
            wanted = spec.param(index)
            if wanted == "T":
                unified = None if isinstance(found, ListType) else _unify(generic, found)
                if unified is None:
                    return self.fail(arg, f"`{spec.name}` needs arguments of one type, found "
                                     f"{_describe(generic)} and {_describe(found)}",
                                     "type-mismatch")
                generic = unified
            elif found not in (ValueType(wanted), *_LOOSE):
                return self.fail(arg, f"argument {index + 1} of `{spec.name}` must be "
                                 f"{_describe(ValueType(wanted))}, found {_describe(found)}",
                                 "type-mismatch")
        return generic if spec.result == "T" else ValueType(spec.result)


def _literal_type(value: nodes.LiteralValue) -> ValueType:
    if value is None:
        return ValueType.NULL
    if isinstance(value, bool):
        return ValueType.BOOL
    if isinstance(value, str):
        return ValueType.STRING
    return ValueType.NUMBER
