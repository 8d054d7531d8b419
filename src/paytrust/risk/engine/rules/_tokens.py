"""Tokenizer of rule expressions: a hand-written scanner, no Python tokenizer or eval."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum

from paytrust.risk.engine.rules.errors import ExpressionError

KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false", "between"})

# Integers beyond this are not amounts or counts anyone writes; bounding them keeps
# arithmetic far from float overflow.
MAX_INT_LITERAL = 2**63 - 1

_NUMBER = re.compile(r"\d(?:_?\d)*(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d+)?", re.ASCII)
_SEGMENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",")
_MISTAKES = {
    "&&": "use `and`", "||": "use `or`", "!": "use `not` or `!=`", "=": "use `==` to compare",
    "'": "unterminated string", '"': "unterminated string",
}
_DIGITS = frozenset("0123456789")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}


class TokenKind(Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OPERATOR = "operator"
    END = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str  # the keyword, operator or name; the source text of a literal
    start: int
    end: int
    value: int | float | str | None = None  # for NUMBER and STRING


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    length = len(source)
    while position < length:
        char = source[position]
        if char.isspace():
            position += 1
            continue
        if char in _DIGITS:
            token = _number(source, position)
        elif char in "'\"":
            token = _string(source, position)
        elif char in _NAME_START:
            token = _word(source, position)
        else:
            token = _operator(source, position)
        tokens.append(token)
        position = token.end
    tokens.append(Token(TokenKind.END, "", length, length))
    return tokens


def _number(source: str, start: int) -> Token:
    match = _NUMBER.match(source, start)
    assert match is not None  # called on a digit
    end = match.end()
    if end < len(source) and (source[end].isalpha() or source[end] in "_."):
        raise ExpressionError(start, f"malformed number {source[start:end + 1]!r}",
                              "syntax-error")
    text = match.group()
    is_float = any(mark in text for mark in ".eE")
    value: int | float = float(text) if is_float else int(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise ExpressionError(start, f"number {text} is out of range", "number-out-of-range")
    if isinstance(value, int) and value > MAX_INT_LITERAL:
        raise ExpressionError(start, f"integer {text} is out of range (at most 2**63 - 1)",
                              "number-out-of-range")
    return Token(TokenKind.NUMBER, text, start, end, value)


def _string(source: str, start: int) -> Token:
    quote = source[start]
    chars: list[str] = []
    position = start + 1
    while position < len(source):
        char = source[position]
        if char == quote:
            return Token(TokenKind.STRING, source[start:position + 1], start, position + 1,
                         "".join(chars))
        if char == "\\":
            escaped = source[position + 1:position + 2]
            if escaped not in _ESCAPES:
                raise ExpressionError(position, f"unknown escape \\{escaped} in string "
                                      "(known: \\\\ \\' \\\" \\n \\t)", "syntax-error")
            chars.append(_ESCAPES[escaped])
            position += 2
        else:
            chars.append(char)
            position += 1
    raise ExpressionError(start, "unterminated string", "syntax-error")


def _word(source: str, start: int) -> Token:
    """A keyword, a function name or a dotted name such as ``customer.count_1h``."""
    segments: list[str] = []
    position = start
    while True:
        match = _SEGMENT.match(source, position)
        if match is None:
            if position > start and source[position:position + 1] != "_":
                raise ExpressionError(position - 1, "a name cannot end with '.'",
                                      "syntax-error")
            raise ExpressionError(position, "each part of a name starts with a letter "
                                  "(a-z, A-Z)", "syntax-error")
        segments.append(match.group())
        position = match.end()
        if source[position:position + 1] != ".":
            break
        position += 1
    text = ".".join(segments)
    kind = TokenKind.KEYWORD if text in KEYWORDS else TokenKind.NAME
    return Token(kind, text, start, position)


def _operator(source: str, start: int) -> Token:
    for operator in _OPERATORS:
        if source.startswith(operator, start):
            return Token(TokenKind.OPERATOR, operator, start, start + len(operator))
    for mistake, hint in _MISTAKES.items():
        if source.startswith(mistake, start):
            raise ExpressionError(start, f"unexpected {mistake!r}: {hint}", "syntax-error")
    raise ExpressionError(start, f"unexpected character {source[start]!r}", "syntax-error")
