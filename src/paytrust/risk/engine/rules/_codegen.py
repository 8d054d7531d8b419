"""Python source from checked expression trees: one function for a whole rule set.

User text never reaches the generated source except through ``repr`` of validated literal
values and context keys; names become local variables loaded once per evaluation.

A value is emitted as a ``_Code``: Python ``text`` that is valid (and never ``None``) once
every one of its ``guards`` holds; if a guard fails the value is null. Comparisons then read
``guard and guard and a > b``, which is both the null rule and the fast path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import count

from paytrust.risk.engine.rules import nodes
from paytrust.risk.engine.rules.functions import FUNCTIONS

FUNCTION_NAME = "_evaluate_ruleset"


@dataclass(frozen=True, slots=True)
class _Code:
    text: str
    guards: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GeneratedSource:
    source: str
    namespace: dict[str, object]  # constants and helpers the source refers to


def generate_ruleset_source(conditions: Sequence[tuple[int, nodes.Expr]],
                            positions: Mapping[str, int] | None = None) -> GeneratedSource:
    """``conditions`` pairs a rule's index in the rule set with its checked condition. The
    function reads its values by name from a mapping, or, given ``positions``, from a
    sequence (a feature row: ``positions`` maps each name to its index)."""
    emitter = _Emitter()
    body: list[str] = []
    for index, condition in conditions:
        test = emitter.condition(condition)
        body += ["    try:", f"        if {test}:", f"            hits += ({index},)",
                 "    except _RUNTIME_FAULTS:", f"        faults.append({index})"]
    if positions is None:
        loads = ["    get = ctx.get",
                 *(f"    {slot} = get({name!r})" for name, slot in emitter.slots.items())]
    else:
        loads = [f"    {slot} = ctx[{int(positions[name])}]"
                 for name, slot in emitter.slots.items()]
    lines = [f"def {FUNCTION_NAME}(ctx, faults=_IGNORED_FAULTS):", *loads, "    hits = ()", *body,
             "    return hits", ""]
    return GeneratedSource("\n".join(lines), {**emitter.namespace,
                                              "_IGNORED_FAULTS": _IgnoredFaults()})


class _IgnoredFaults:
    """Where the faults go when the caller does not ask for them (a rule that faults still
    does not hit)."""

    def append(self, index: int) -> None:
        pass


def _all(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"


class _Emitter:
    def __init__(self) -> None:
        self.slots: dict[str, str] = {}  # context key -> local variable
        self.namespace: dict[str, object] = {}
        self._temps = count()

    def temp(self) -> str:
        return f"t{next(self._temps)}"

    def slot(self, name: str) -> str:
        return self.slots.setdefault(name, f"v{len(self.slots)}")

    def constant(self, value: object) -> str:
        key = f"_k{len(self.namespace)}"
        self.namespace[key] = value
        return key

    def nullable(self, code: _Code) -> str:
        """An expression that evaluates to the value or to ``None``."""
        if not code.guards or code.guards == (f"{code.text} is not None",):
            return code.text
        return f"({code.text} if {_all(code.guards)} else None)"

    def condition(self, node: nodes.Expr) -> str:
        """A Python expression whose truth is the truth of ``node`` (null counts as false)."""
        match node:
            case nodes.Literal(value=value):
                return "True" if value is True else "False"
            case nodes.Logical(op=op, left=left, right=right):
                return f"({self.condition(left)} {op} {self.condition(right)})"
            case nodes.Not(operand=operand):
                return f"(not {self.condition(operand)})"
            case nodes.Comparison(op=op, left=left, right=right):
                lhs, rhs = self.value(left), self.value(right)
                return _all([*lhs.guards, *rhs.guards, f"{lhs.text} {op} {rhs.text}"])
            case nodes.Membership(operand=operand, items=items, negated=negated):
                tested = self.value(operand)
                keyword = "not in" if negated else "in"
                container = self.container(items)
                return _all([*tested.guards, f"{tested.text} {keyword} {container}"])
            case nodes.Between(operand=operand, low=low, high=high):
                tested, lowest, highest = self.value(operand), self.value(low), self.value(high)
                return _all([*lowest.guards, *tested.guards, *highest.guards,
                             f"{lowest.text} <= {tested.text} <= {highest.text}"])
            case nodes.IsNull(operand=operand, negated=negated):
                code = self.value(operand)
                if not code.guards:
                    return "True" if negated else "False"
                if negated:
                    return _all(code.guards)
                if code.guards == (f"{code.text} is not None",):
                    return f"{code.text} is None"
                return f"(not {_all([*code.guards, 'True'])})"
            case _:
                code = self.value(node)
                if code.guards == (f"{code.text} is not None",):
                    return code.text  # a boolean name: None is falsy already
                return _all([*code.guards, code.text])

    def container(self, items: nodes.ListExpr) -> str:
        literals = [item for item in items.items if isinstance(item, nodes.Literal)]
        if len(literals) == len(items.items):
            return self.constant(frozenset(item.value for item in literals
                                           if item.value is not None))
        values = [self.nullable(self.value(item)) for item in items.items]
        return "(" + ", ".join(values) + ",)"

    def value(self, node: nodes.Expr) -> _Code:
        match node:
            case nodes.Literal(value=None):
                return _Code("None", ("False",))
            case nodes.Literal(value=value):
                return _Code(repr(value))
            case nodes.Name(name=name):
                slot = self.slot(name)
                return _Code(slot, (f"{slot} is not None",))
            case nodes.Negate(operand=operand):
                code = self.value(operand)
                return _Code(f"(-{code.text})", code.guards)
            case nodes.Arithmetic(op=op, left=left, right=right):
                nonzero_literal = isinstance(right, nodes.Literal) and right.value != 0
                return self.arithmetic(op, self.value(left), self.value(right),
                                       check_divisor=op in ("/", "%") and not nonzero_literal)
            case nodes.Call(function="coalesce", args=args):
                return self.coalesce([self.value(arg) for arg in args])
            case nodes.Call(function=function, args=args):
                return self.call(function, [self.value(arg) for arg in args])
            case _:
                return _Code(f"(True if {self.condition(node)} else False)")

    def arithmetic(self, op: str, left: _Code, right: _Code, *, check_divisor: bool) -> _Code:
        guards = [*left.guards, *right.guards]
        divisor = right.text
        if check_divisor:  # dividing by zero gives null
            if not divisor.isidentifier():
                divisor = self.temp()
                guards.append(f"({divisor} := {right.text})")
            else:
                guards.append(divisor)
        return _Code(f"({left.text} {op} {divisor})", tuple(guards))

    def call(self, function: str, args: list[_Code]) -> _Code:
        spec = FUNCTIONS[function]
        guards = [guard for arg in args for guard in arg.guards]
        texts = [arg.text for arg in args]
        if spec.inline is not None:
            return _Code(spec.inline.format(*texts, args=", ".join(texts)), tuple(guards))
        helper = f"_f_{function}"
        self.namespace[helper] = spec.implementation
        result = self.temp()
        guards.append(f"({result} := {helper}({', '.join(texts)})) is not None")
        return _Code(result, tuple(guards))

    def coalesce(self, args: list[_Code]) -> _Code:
        """First non-null argument; later arguments are evaluated only when needed."""
        for position, arg in enumerate(args):
            if not arg.guards:  # never null: the arguments after it are never reached
                args = args[:position + 1]
                break
        last = args[-1]
        text = self.nullable(last) if last.guards else last.text
        for arg in reversed(args[:-1]):
            text = f"({arg.text} if {_all(arg.guards)} else {text})"
        if not last.guards:
            return _Code(text)
        result = self.temp()
        return _Code(result, (f"({result} := {text}) is not None",))
