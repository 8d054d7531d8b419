"""Hypothesis strategies: well-typed expression trees over a random vocabulary, and contexts."""

from __future__ import annotations

from functools import cache

from hypothesis import strategies as st

from paytrust.risk.engine.features.vocabulary import FieldType
from paytrust.risk.engine.rules import nodes

VocabularyItems = tuple[tuple[str, FieldType], ...]

_SEGMENT = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda word: word not in {"and", "or", "not", "in", "is", "null", "true", "false",
                              "between"})
_NAMES = st.lists(_SEGMENT, min_size=1, max_size=3).map(".".join)

# Every field type is present at least once, so every expression type can be built.
vocabularies = st.dictionaries(_NAMES, st.sampled_from(FieldType), min_size=3, max_size=8).map(
    lambda extra: tuple({"n.num": FieldType.NUMBER, "s.str": FieldType.STRING,
                         "b.flag": FieldType.BOOL, **extra}.items()))

_TEXT = st.text(st.characters(codec="utf-8"), max_size=6)
_NUMBER_LITERALS = st.one_of(
    st.integers(0, 10**6), st.sampled_from([0, 1, 2, 10**15]),
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
)
_NUMBER_VALUES = st.one_of(
    st.integers(-(10**15), 10**15), st.sampled_from([0, -1, 1, 0.0, -0.0, 10**15, -(10**15)]),
    st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False),
)
_STRING_VALUES = st.one_of(_TEXT, st.sampled_from(["", "web", "WEB", "ǅ", "中文", "ß"]))


def literal_of(kind: FieldType) -> st.SearchStrategy[nodes.Expr]:
    values: st.SearchStrategy[nodes.LiteralValue] = {
        FieldType.NUMBER: _NUMBER_LITERALS, FieldType.STRING: _TEXT,
        FieldType.BOOL: st.booleans()}[kind]
    return st.one_of(values, st.just(None)).map(nodes.Literal)


def contexts(items: VocabularyItems) -> st.SearchStrategy[dict[str, object]]:
    """Values of the vocabulary's types; a name may be missing or null."""
    values = {FieldType.NUMBER: _NUMBER_VALUES, FieldType.STRING: _STRING_VALUES,
              FieldType.BOOL: st.booleans()}
    return st.fixed_dictionaries(
        {}, optional={name: st.one_of(st.none(), values[kind]) for name, kind in items})


@cache
def expressions(
    items: VocabularyItems, kind: FieldType, depth: int
) -> st.SearchStrategy[nodes.Expr]:
    """Well-typed trees of ``kind`` at most ``depth`` levels deep."""
    names = [nodes.Name(name) for name, field_type in items if field_type is kind]
    leaves = st.one_of(st.sampled_from(names), literal_of(kind))
    if depth == 0:
        return leaves
    number = expressions(items, FieldType.NUMBER, depth - 1)
    string = expressions(items, FieldType.STRING, depth - 1)
    boolean = expressions(items, FieldType.BOOL, depth - 1)
    same = {FieldType.NUMBER: number, FieldType.STRING: string, FieldType.BOOL: boolean}[kind]
    coalesce = st.lists(same, min_size=2, max_size=3).map(
        lambda args: nodes.Call("coalesce", tuple(args)))
    if kind is FieldType.NUMBER:
        return st.one_of(
            leaves, coalesce,
            st.builds(nodes.Negate, number),
            st.builds(nodes.Arithmetic, st.sampled_from(["+", "-", "*", "/", "%"]), number,
                      number),
            st.builds(lambda fn, arg: nodes.Call(fn, (arg,)),
                      st.sampled_from(["abs", "round", "floor", "ceil"]), number),
            st.builds(lambda arg, digits: nodes.Call("round", (arg, nodes.Literal(digits))),
                      number, st.integers(0, 4)),
            st.builds(lambda fn, args: nodes.Call(fn, tuple(args)),
                      st.sampled_from(["min", "max"]), st.lists(number, min_size=2, max_size=3)),
            st.builds(lambda arg: nodes.Call("len", (arg,)), string),
        )
    if kind is FieldType.STRING:
        return st.one_of(
            leaves, coalesce,
            st.builds(nodes.Arithmetic, st.just("+"), string, string),
            st.builds(lambda fn, arg: nodes.Call(fn, (arg,)),
                      st.sampled_from(["lower", "upper", "trim"]), string),
        )
    comparable = st.one_of(st.tuples(number, number), st.tuples(string, string))
    return st.one_of(
        leaves, coalesce,
        st.builds(nodes.Not, boolean),
        st.builds(nodes.Logical, st.sampled_from(["and", "or"]), boolean, boolean),
        st.builds(lambda op, pair: nodes.Comparison(op, *pair),
                  st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), comparable),
        st.builds(lambda op, pair: nodes.Comparison(op, *pair), st.sampled_from(["==", "!="]),
                  st.tuples(boolean, boolean)),
        st.builds(lambda operand, items, negated: nodes.Membership(
            operand, nodes.ListExpr(tuple(items)), negated),
            number, st.lists(number, max_size=3), st.booleans()),
        st.builds(lambda operand, items, negated: nodes.Membership(
            operand, nodes.ListExpr(tuple(items)), negated),
            string, st.lists(literal_of(FieldType.STRING), max_size=3), st.booleans()),
        st.builds(nodes.Between, number, number, number),
        st.builds(nodes.IsNull, st.one_of(number, string, boolean), st.booleans()),
        st.builds(lambda fn, text, part: nodes.Call(fn, (text, part)),
                  st.sampled_from(["starts_with", "ends_with", "contains"]), string, string),
    )
