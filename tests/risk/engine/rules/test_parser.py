"""Tokenizer and parser: precedence, literals, and syntax errors at the right offset."""

from __future__ import annotations

import pytest

from paytrust.risk.engine.rules import nodes
from paytrust.risk.engine.rules._parser import parse_expression
from paytrust.risk.engine.rules._printer import format_expression
from paytrust.risk.engine.rules.errors import ExpressionError


def _syntax_error(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    return caught.value


@pytest.mark.parametrize(("text", "canonical"), [
    ("a or b and c", "a or b and c"),
    ("(a or b) and c", "(a or b) and c"),
    ("not a and b", "not a and b"),
    ("not (a and b)", "not (a and b)"),
    ("x + y * z > 3", "x + y * z > 3"),
    ("(x + y) * z > 3", "(x + y) * z > 3"),
    ("x - (y - z) == 0", "x - (y - z) == 0"),
    ("-x * y < 0", "-x * y < 0"),
    ("-(x * y) < 0", "-(x * y) < 0"),
    ("x between 1 and 5 and y", "x between 1 and 5 and y"),
    ("x not in [1, 2.5] or s in ['a', \"b\"]", "x not in [1, 2.5] or s in ['a', 'b']"),
    ("x is not null and y is null", "x is not null and y is null"),
    ("min(a, b, 3) >= abs(-c)", "min(a, b, 3) >= abs(-c)"),
    ("amount >= 1_000_000", "amount >= 1000000"),
])
def test_precedence_matches_the_documented_table(text: str, canonical: str) -> None:
    assert format_expression(parse_expression(text)) == canonical


def test_and_binds_tighter_than_or() -> None:
    tree = parse_expression("a or b and c")
    assert tree == nodes.Logical("or", nodes.Name("a"),
                                 nodes.Logical("and", nodes.Name("b"), nodes.Name("c")))


def test_literals_keep_their_types() -> None:
    tree = parse_expression("f(1, 1.0, 1e3, 'it\\'s', true, false, null)")
    assert isinstance(tree, nodes.Call)
    values = [arg.value for arg in tree.args if isinstance(arg, nodes.Literal)]
    assert [type(value) for value in values] == [int, float, float, str, bool, bool, type(None)]
    assert values[3] == "it's"


def test_nodes_record_where_they_start_and_end() -> None:
    tree = parse_expression("txn.amount > 1000")
    assert isinstance(tree, nodes.Comparison)
    assert (tree.left.start, tree.left.end) == (0, 10)
    assert (tree.right.start, tree.right.end) == (13, 17)


def test_unicode_text_is_allowed_inside_strings() -> None:
    tree = parse_expression("customer.name == '张三'")
    assert isinstance(tree, nodes.Comparison)
    assert tree.right == nodes.Literal("张三")


@pytest.mark.parametrize(("text", "offset", "fragment"), [
    ("txn.amount >", 12, "expected a value"),
    ("txn.amount > 1000 1", 18, "expected an operator or the end"),
    ("(a and b", 8, "expected ')'"),
    ("a < b < c", 6, "cannot be chained"),
    ("a == b != c", 7, "cannot be chained"),
    ("a = 1", 2, "use `==`"),
    ("a && b", 2, "use `and`"),
    ("a || b", 2, "use `or`"),
    ("'abc", 0, "unterminated string"),
    ("'a\\qb'", 2, "unknown escape"),
    ("txn.", 3, "cannot end with '.'"),
    ("1.2.3", 0, "malformed number"),
    ("12abc", 0, "malformed number"),
    ("1e999", 0, "out of range"),
    ("9223372036854775808 > 1", 0, "out of range"),
    ("x in 5", 5, "a list such as"),
    ("x is 5", 5, "expected 'null'"),
    ("x not 5", 6, "expected 'in'"),
    ("", 0, "empty expression"),
    ("a $ b", 2, "unexpected character"),
])
def test_syntax_errors_point_at_the_offending_character(
    text: str, offset: int, fragment: str
) -> None:
    error = _syntax_error(text)
    assert error.offset == offset
    assert fragment in error.message
    assert error.code in {"syntax-error", "number-out-of-range"}


@pytest.mark.parametrize("text", [
    "__import__('os').system('ls')",
    "txn.__class__",
    "txn._private > 1",
    "eval('1')._x",
])
def test_python_escape_hatches_are_not_even_syntax(text: str) -> None:
    _syntax_error(text)


def test_attribute_calls_are_not_syntax() -> None:
    error = _syntax_error("txn.channel.lower() == 'web'")
    assert error.offset == 0
    assert "not x.lower()" in error.message


def test_deep_nesting_is_refused_rather_than_overflowing_the_stack() -> None:
    error = _syntax_error("(" * 500 + "1" + ")" * 500)
    assert "nested too deeply" in error.message
