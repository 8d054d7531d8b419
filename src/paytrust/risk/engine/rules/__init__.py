"""The rule language of the risk engine: documents, checks, compiler, tests and diffs.

A rule set is a YAML (or JSON) document of rules whose ``when`` conditions use a small,
typed expression language over the engine's vocabulary (``features.VOCABULARY``). Documents
are read node by node so every error has a line and column; conditions are parsed by our
own parser, type-checked, and compiled once into one Python function per rule set. The
meaning of expressions, nulls included, is written down in ``semantics``.
"""

from paytrust.risk.engine.rules.compiler import (
    CompiledRuleSet,
    Evaluation,
    InterpretedRuleSet,
    compile_ruleset,
    interpret_ruleset,
)
from paytrust.risk.engine.rules.diff import (
    AttributeChange,
    RuleChange,
    RuleSetDiff,
    diff_rulesets,
)
from paytrust.risk.engine.rules.errors import RuleError, RuleSetInvalid
from paytrust.risk.engine.rules.explain import ExplainedNode, Explanation, explain
from paytrust.risk.engine.rules.functions import FUNCTIONS
from paytrust.risk.engine.rules.ruleset import Rule, RuleExample, RuleSet, Severity
from paytrust.risk.engine.rules.validation import parse_ruleset, validate_ruleset

__all__ = [
    "FUNCTIONS",
    "AttributeChange",
    "CompiledRuleSet",
    "Evaluation",
    "ExplainedNode",
    "Explanation",
    "InterpretedRuleSet",
    "Rule",
    "RuleChange",
    "RuleError",
    "RuleExample",
    "RuleSet",
    "RuleSetDiff",
    "RuleSetInvalid",
    "Severity",
    "compile_ruleset",
    "diff_rulesets",
    "explain",
    "interpret_ruleset",
    "parse_ruleset",
    "validate_ruleset",
]
