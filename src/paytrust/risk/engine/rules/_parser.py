"""Pratt parser of rule expressions into ``nodes``.

Precedence, loosest first: ``or``; ``and``; ``not``; comparisons (``== != < <= > >= in
not in between is null is not null``, never chained); ``+ -``; ``* / %``; unary ``-``.
"""

from __future__ import annotations

from typing import Final

from paytrust.risk.engine.rules import nodes
from paytrust.risk.engine.rules._tokens import Token, TokenKind, tokenize
from paytrust.risk.engine.rules.errors import ExpressionError

OR: Final = 10
AND: Final = 20
NOT: Final = 30
COMPARISON: Final = 40
ADDITIVE: Final = 50
MULTIPLICATIVE: Final = 60
UNARY: Final = 70

_INFIX_POWER = {
    "or": OR, "and": AND,
    "==": COMPARISON, "!=": COMPARISON, "<": COMPARISON, "<=": COMPARISON, ">": COMPARISON,
    ">=": COMPARISON, "in": COMPARISON, "not": COMPARISON, "is": COMPARISON,
    "between": COMPARISON,
    "+": ADDITIVE, "-": ADDITIVE, "*": MULTIPLICATIVE, "/": MULTIPLICATIVE,
    "%": MULTIPLICATIVE,
}
_LOGICAL: dict[str, nodes.LogicalOp] = {"and": "and", "or": "or"}
_ARITHMETIC: dict[str, nodes.ArithmeticOp] = {"+": "+", "-": "-", "*": "*", "/": "/", "%": "%"}
_COMPARISON: dict[str, nodes.ComparisonOp] = {
    "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
}
_MAX_DEPTH = 100  # nesting beyond this is not a rule anyone should read


def parse_expression(source: str) -> nodes.Expr:
    """Parse one expression; raise ``ExpressionError`` at the first problem."""
    return _Parser(source).parse()


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.position = 0
        self.depth = 0

    def parse(self) -> nodes.Expr:
        if self.peek.kind is TokenKind.END:
            raise ExpressionError(0, "empty expression", "syntax-error")
        expression = self.expression(0)
        if self.tokens[self.position].kind is not TokenKind.END:  # (peek, unnarrowed)
            raise self.unexpected("an operator or the end of the expression")
        return expression

    @property
    def peek(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def at(self, text: str) -> bool:
        token = self.peek
        return token.text == text and token.kind in (TokenKind.KEYWORD, TokenKind.OPERATOR)

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.unexpected(f"'{text}'")
        return self.advance()

    def at_comparison(self) -> bool:
        token = self.peek
        return token.kind in (TokenKind.KEYWORD, TokenKind.OPERATOR) and (
            _INFIX_POWER.get(token.text) == COMPARISON)

    def unexpected(self, wanted: str) -> ExpressionError:
        token = self.peek
        found = "the end of the expression" if token.kind is TokenKind.END else repr(token.text)
        return ExpressionError(token.start, f"expected {wanted}, found {found}", "syntax-error")

    def expression(self, min_power: int) -> nodes.Expr:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ExpressionError(self.peek.start, "expression is nested too deeply",
                                  "syntax-error")
        left = self.prefix()
        while True:
            token = self.peek
            power = _INFIX_POWER.get(token.text) if token.kind in (
                TokenKind.KEYWORD, TokenKind.OPERATOR) else None
            if power is None or power <= min_power:
                break
            left = self.infix(left, power)
            if power == COMPARISON and self.at_comparison():
                raise ExpressionError(self.peek.start, "comparisons cannot be chained; "
                                      "combine them with `and`", "syntax-error")
        self.depth -= 1
        return left

    def prefix(self) -> nodes.Expr:
        token = self.advance()
        start = token.start
        if token.kind is TokenKind.NUMBER or token.kind is TokenKind.STRING:
            return nodes.Literal(token.value, start, token.end)
        if token.kind is TokenKind.NAME:
            if self.at("("):
                if "." in token.text:
                    raise ExpressionError(token.start, "functions are called as lower(x), "
                                          "not x.lower()", "syntax-error")
                return self.call(token)
            return nodes.Name(token.text, start, token.end)
        if token.kind is TokenKind.KEYWORD:
            constant = {"true": True, "false": False, "null": None}
            if token.text in constant:
                return nodes.Literal(constant[token.text], start, token.end)
            if token.text == "not":
                operand = self.expression(NOT)
                return nodes.Not(operand, start, operand.end)
        if token.text == "-" and token.kind is TokenKind.OPERATOR:
            operand = self.expression(UNARY)
            return nodes.Negate(operand, start, operand.end)
        if token.text == "(" and token.kind is TokenKind.OPERATOR:
            inner = self.expression(0)
            self.expect(")")
            return inner
        if token.text == "[" and token.kind is TokenKind.OPERATOR:
            return self.list_literal(start)
        self.position -= 1
        raise self.unexpected("a value, a name, '(' or 'not'")

    def call(self, name: Token) -> nodes.Call:
        self.expect("(")
        args: list[nodes.Expr] = []
        if not self.at(")"):
            args.append(self.expression(0))
            while self.at(","):
                self.advance()
                args.append(self.expression(0))
        end = self.expect(")").end
        return nodes.Call(name.text, tuple(args), name.start, end)

    def list_literal(self, start: int) -> nodes.ListExpr:
        items: list[nodes.Expr] = []
        if not self.at("]"):
            items.append(self.expression(0))
            while self.at(","):
                self.advance()
                items.append(self.expression(0))
        end = self.expect("]").end
        return nodes.ListExpr(tuple(items), start, end)

    def infix(self, left: nodes.Expr, power: int) -> nodes.Expr:
        token = self.advance()
        op = token.text
        if op in _LOGICAL:
            right = self.expression(power)
            return nodes.Logical(_LOGICAL[op], left, right, left.start, right.end)
        if op in _ARITHMETIC:
            right = self.expression(power)
            return nodes.Arithmetic(_ARITHMETIC[op], left, right, left.start, right.end)
        if op == "is":
            negated = self.at("not")
            if negated:
                self.advance()
            end = self.expect("null").end
            return nodes.IsNull(left, negated, left.start, end)
        if op in ("in", "not"):
            if op == "not":
                self.expect("in")
            if not self.at("["):
                raise self.unexpected("a list such as [1, 2] after 'in'")
            items = self.list_literal(self.advance().start)
            return nodes.Membership(left, items, op == "not", left.start, items.end)
        if op == "between":
            low = self.expression(COMPARISON)
            self.expect("and")
            high = self.expression(COMPARISON)
            return nodes.Between(left, low, high, left.start, high.end)
        right = self.expression(power)
        return nodes.Comparison(_COMPARISON[op], left, right, left.start, right.end)
