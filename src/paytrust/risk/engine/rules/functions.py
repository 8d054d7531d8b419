"""The whitelist of functions a rule may call: signature, meaning and implementation.

The compiled code and the reference interpreter both take their behaviour from this table,
so they cannot drift apart. Every function is pure and does no I/O. Unless said otherwise a
null argument makes the result null.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    params: tuple[str, ...]  # "number" | "string" | "bool" | "T" (one type shared by all T)
    result: str
    min_args: int
    max_args: int | None  # None: the last parameter repeats
    implementation: Callable[..., Any]  # called with non-null arguments (except coalesce)
    # Python template over the argument expressions ({0}, {1}, or {args} joined by ", ");
    # None: the compiled code calls ``implementation``, which may return null.
    inline: str | None
    description: str

    def accepts(self, count: int) -> bool:
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)

    def param(self, index: int) -> str:
        return self.params[min(index, len(self.params) - 1)]


def _finite_or_null(rounder: Callable[[float], int]) -> Callable[[int | float], int | None]:
    def apply(value: int | float) -> int | None:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return rounder(value)

    return apply


def _round(value: int | float, digits: int = 0) -> int | float | None:
    """Round half to even; rounding infinity or NaN gives null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return round(value) if digits == 0 else round(value, digits)


def _coalesce(*values: object) -> object:
    return next((value for value in values if value is not None), None)


_N, _S, _B = "number", "string", "bool"

FUNCTIONS: dict[str, FunctionSpec] = {spec.name: spec for spec in (
    FunctionSpec("abs", (_N,), _N, 1, 1, abs, "abs({0})", "absolute value"),
    FunctionSpec("min", (_N, _N), _N, 2, None, min, "min({args})", "smallest argument"),
    FunctionSpec("max", (_N, _N), _N, 2, None, max, "max({args})", "largest argument"),
    FunctionSpec("round", (_N, _N), _N, 1, 2, _round, None,
                 "round(x) or round(x, digits), half to even; null for infinity or NaN"),
    FunctionSpec("floor", (_N,), _N, 1, 1, _finite_or_null(math.floor), None,
                 "largest whole number not above x"),
    FunctionSpec("ceil", (_N,), _N, 1, 1, _finite_or_null(math.ceil), None,
                 "smallest whole number not below x"),
    FunctionSpec("lower", (_S,), _S, 1, 1, str.lower, "{0}.lower()", "lower-case text"),
    FunctionSpec("upper", (_S,), _S, 1, 1, str.upper, "{0}.upper()", "upper-case text"),
    FunctionSpec("trim", (_S,), _S, 1, 1, str.strip, "{0}.strip()",
                 "text without leading and trailing white space"),
    FunctionSpec("len", (_S,), _N, 1, 1, len, "len({0})", "number of characters"),
    FunctionSpec("starts_with", (_S, _S), _B, 2, 2, str.startswith, "{0}.startswith({1})",
                 "starts_with(text, prefix)"),
    FunctionSpec("ends_with", (_S, _S), _B, 2, 2, str.endswith, "{0}.endswith({1})",
                 "ends_with(text, suffix)"),
    FunctionSpec("contains", (_S, _S), _B, 2, 2, str.__contains__, "({1} in {0})",
                 "contains(text, part)"),
    FunctionSpec("coalesce", ("T", "T"), "T", 2, None, _coalesce, None,
                 "first argument that is not null (null only if all are)"),
)}

# coalesce is the one function that does not propagate null.
NULL_ABSORBING = frozenset({"coalesce"})
