"""Rules and rule sets as immutable values, and their canonical YAML form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml

from paytrust.risk.engine.verdict import Decision

ExampleValue = int | float | str | bool | None


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class RuleExample:
    """A rule test: in a context holding ``given`` (other names are null) the rule must
    hit when ``expect_hit`` is true and miss otherwise."""

    given: Mapping[str, ExampleValue]
    expect_hit: bool


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    description_en: str
    description_zh: str
    expression: str
    action: Decision | None
    score: float | None
    severity: Severity
    tags: tuple[str, ...] = ()
    enabled: bool = True
    shadow: bool = False  # evaluated and reported, never acts
    examples: tuple[RuleExample, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    description_en: str
    description_zh: str
    rules: tuple[Rule, ...] = field(default=())

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def to_yaml(self) -> str:
        """The canonical document: fixed key order, defaults left out, Chinese kept as is."""
        document: dict[str, Any] = {"ruleset": self.name}
        if self.description_en or self.description_zh:
            document["description"] = _description(self.description_en, self.description_zh)
        document["rules"] = [_rule_document(rule) for rule in self.rules]
        return yaml.dump(document, Dumper=_CanonicalDumper, allow_unicode=True,
                         sort_keys=False, width=1_000_000)


def _description(english: str, chinese: str) -> dict[str, str]:
    return {"en": english, "zh": chinese} if chinese else {"en": english}


def _rule_document(rule: Rule) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": rule.id,
        "description": _description(rule.description_en, rule.description_zh),
        "when": rule.expression,
    }
    if rule.action is not None:
        document["action"] = rule.action.value
    if rule.score is not None:
        document["score"] = rule.score
    document["severity"] = rule.severity.value
    if rule.tags:
        document["tags"] = list(rule.tags)
    if not rule.enabled:
        document["enabled"] = False
    if rule.shadow:
        document["shadow"] = True
    if rule.examples:
        document["examples"] = [
            {"given": dict(example.given), "expect": "hit" if example.expect_hit else "miss"}
            for example in rule.examples
        ]
    return document


class _CanonicalDumper(yaml.SafeDumper):
    """Multi-line expressions as ``|`` blocks; short lists and mappings of examples inline."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.SequenceNode:
    inline = all(not isinstance(item, dict | list) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=inline)


_CanonicalDumper.add_representer(str, _represent_text)
_CanonicalDumper.add_representer(list, _represent_list)
