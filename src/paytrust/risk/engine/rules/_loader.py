"""Read a rule set document (YAML or JSON) node by node, keeping every position.

Working on composed nodes rather than loaded values is what lets every error name its line
and column, catches duplicate keys (which ``yaml.safe_load`` silently drops) and keeps on
going after the first problem.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from paytrust.risk.engine.rules._source_map import ScalarLocator, position_of
from paytrust.risk.engine.rules.errors import RuleError
from paytrust.risk.engine.rules.ruleset import (
    ExampleValue,
    Rule,
    RuleExample,
    RuleSet,
    Severity,
)
from paytrust.risk.engine.verdict import Decision

RULE_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_SET_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")
_TAG = re.compile(r"[a-z][a-z0-9_-]*\Z")
_TOP_KEYS = ("ruleset", "description", "rules")
_RULE_KEYS = ("id", "description", "when", "action", "score", "severity", "tags", "enabled",
              "shadow", "examples")
_EXAMPLE_KEYS = ("given", "expect")
_DESCRIPTION_KEYS = ("en", "zh")


@dataclass(slots=True)
class LoadedExample:
    node: yaml.Node
    given: dict[str, ExampleValue]
    given_keys: dict[str, yaml.Node]  # name -> its key node, for positions
    expect_hit: bool


@dataclass(slots=True)
class LoadedRule:
    rule_id: str | None
    node: yaml.Node
    expression: str | None = None
    locator: ScalarLocator | None = None
    examples: list[LoadedExample] = field(default_factory=list)
    rule: Rule | None = None  # None when the rule has structural errors


@dataclass(slots=True)
class LoadedDocument:
    ruleset: RuleSet | None
    rules: list[LoadedRule]
    errors: list[RuleError]


def load_document(text: str, source_format: str = "yaml") -> LoadedDocument:
    if source_format not in ("yaml", "json"):
        raise ValueError(f"source_format must be 'yaml' or 'json', not {source_format!r}")
    if source_format == "json":
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            problem = RuleError(None, error.lineno, error.colno, error.msg, "json-syntax")
            return LoadedDocument(None, [], [problem])
    return _DocumentReader(text).read()


class _DocumentReader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.errors: list[RuleError] = []
        self.loader = yaml.SafeLoader(text)

    def fail(self, node: yaml.Node | None, message: str, code: str,
             rule_id: str | None = None) -> None:
        line, column = position_of(self.text, node.start_mark.index) if node else (1, 1)
        self.errors.append(RuleError(rule_id, line, column, message, code))

    def read(self) -> LoadedDocument:
        try:
            root = self.loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            message = f"{error.problem or error.context}"
            return LoadedDocument(None, [], [RuleError(None, line, column, message,
                                                       "yaml-syntax")])
        finally:
            self.loader.dispose()
        if not isinstance(root, yaml.MappingNode):
            self.fail(root, "a rule set document is a mapping with `ruleset` and `rules`",
                      "wrong-type")
            return LoadedDocument(None, [], self.errors)
        fields = self.mapping(root, _TOP_KEYS, required=("ruleset", "rules"))
        name = self.text_field(fields, "ruleset", _SET_NAME, None, "a name like `default`")
        english, chinese = self.description(fields.get("description"), None)
        rules = self.rules(fields.get("rules"))
        ruleset = None
        if not self.errors and name is not None:
            ruleset = RuleSet(name, english, chinese,
                              tuple(rule.rule for rule in rules if rule.rule is not None))
        return LoadedDocument(ruleset, rules, self.errors)

    def mapping(self, node: yaml.MappingNode, allowed: tuple[str, ...],
                required: tuple[str, ...], rule_id: str | None = None,
                what: str = "") -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Keys of a mapping node -> (key node, value node); reports unknown, duplicate and
        missing keys."""
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                self.fail(key_node, f"unknown key `{key}`{what}{hint} (allowed: "
                          f"{', '.join(allowed)})", "unknown-key", rule_id)
            elif key in fields:
                self.fail(key_node, f"duplicate key `{key}`", "duplicate-key", rule_id)
            else:
                fields[key] = (key_node, value_node)
        for key in required:
            if key not in fields:
                self.fail(node, f"missing key `{key}`{what}", "missing-key", rule_id)
        return fields

    def scalar(self, node: yaml.Node) -> Any:
        return self.loader.construct_object(node, deep=True)

    def text_field(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str,
                   pattern: re.Pattern[str] | None, rule_id: str | None,
                   shape: str = "text") -> str | None:
        if key not in fields:
            return None
        node = fields[key][1]
        value = self.scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or (pattern is not None and not pattern.match(value)):
            self.fail(node, f"`{key}` must be {shape}", "bad-value", rule_id)
            return None
        return value

    def description(self, entry: tuple[yaml.Node, yaml.Node] | None,
                    rule_id: str | None) -> tuple[str, str]:
        if entry is None:
            return "", ""
        node = entry[1]
        if isinstance(node, yaml.ScalarNode) and isinstance(self.scalar(node), str):
            return self.scalar(node), ""  # English only
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, "`description` must be text or a mapping {en: ..., zh: ...}",
                      "wrong-type", rule_id)
            return "", ""
        fields = self.mapping(node, _DESCRIPTION_KEYS, ("en",), rule_id, " in description")
        english = self.text_field(fields, "en", None, rule_id) or ""
        chinese = self.text_field(fields, "zh", None, rule_id) or ""
        return english, chinese

    def rules(self, entry: tuple[yaml.Node, yaml.Node] | None) -> list[LoadedRule]:
        if entry is None:
            return []
        node = entry[1]
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, "`rules` must be a list of rules", "wrong-type")
            return []
        loaded = [self.rule(item) for item in node.value]
        first_seen: dict[str, LoadedRule] = {}
        for rule in loaded:
            if rule.rule_id is None:
                continue
            if rule.rule_id in first_seen:
                line, _ = position_of(self.text, first_seen[rule.rule_id].node.start_mark.index)
                self.fail(rule.node, f"duplicate rule id `{rule.rule_id}` (first at line "
                          f"{line})", "duplicate-id", rule.rule_id)
            first_seen.setdefault(rule.rule_id, rule)
        return loaded

    def rule(self, node: yaml.Node) -> LoadedRule:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, "a rule must be a mapping with id, description, when ...",
                      "wrong-type")
            return LoadedRule(None, node)
        errors_before = len(self.errors)
        id_entry = next((value for key, value in node.value if key.value == "id"), None)
        raw_id = self.scalar(id_entry) if isinstance(id_entry, yaml.ScalarNode) else None
        rule_id = raw_id if isinstance(raw_id, str) else None
        fields = self.mapping(node, _RULE_KEYS, ("id", "description", "when", "severity"),
                              rule_id)
        self.text_field(fields, "id", RULE_ID, rule_id,
                        "lower-case letters, digits and _ starting with a letter")
        loaded = LoadedRule(rule_id, node)
        if "when" in fields:
            when = fields["when"][1]
            if isinstance(when, yaml.ScalarNode) and when.value.strip():
                loaded.expression = when.value
                loaded.locator = ScalarLocator(self.text, when)
            else:
                self.fail(when, "`when` must be an expression", "wrong-type", rule_id)
        english, chinese = self.description(fields.get("description"), rule_id)
        action = self.choice(fields, "action", [d.value for d in Decision], rule_id)
        severity = self.choice(fields, "severity", [s.value for s in Severity], rule_id)
        score = self.score(fields, rule_id)
        if "action" not in fields and "score" not in fields:
            self.fail(node, "a rule needs an `action`, a `score` or both", "missing-key",
                      rule_id)
        tags = self.tags(fields, rule_id)
        enabled = self.flag(fields, "enabled", True, rule_id)
        shadow = self.flag(fields, "shadow", False, rule_id)
        loaded.examples = self.examples(fields.get("examples"), rule_id)
        if len(self.errors) == errors_before and rule_id and loaded.expression and severity:
            loaded.rule = Rule(
                rule_id, english, chinese, loaded.expression.strip(),
                Decision(action) if action else None, score, Severity(severity), tags,
                enabled, shadow,
                tuple(RuleExample(ex.given, ex.expect_hit) for ex in loaded.examples))
        return loaded

    def choice(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str,
               allowed: list[str], rule_id: str | None) -> str | None:
        value = self.text_field(fields, key, None, rule_id, "one of " + " | ".join(allowed))
        if value is not None and value not in allowed:
            self.fail(fields[key][1], f"`{key}` must be one of {' | '.join(allowed)}, "
                      f"not `{value}`", "bad-value", rule_id)
            return None
        return value

    def score(self, fields: dict[str, tuple[yaml.Node, yaml.Node]],
              rule_id: str | None) -> float | None:
        if "score" not in fields:
            return None
        node = fields["score"][1]
        value = self.scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 <= value <= 1):
            self.fail(node, "`score` must be a number from 0 to 1", "bad-value", rule_id)
            return None
        return float(value)

    def flag(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, default: bool,
             rule_id: str | None) -> bool:
        if key not in fields:
            return default
        node = fields[key][1]
        value = self.scalar(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, bool):
            self.fail(node, f"`{key}` must be true or false", "bad-value", rule_id)
            return default
        return value

    def tags(self, fields: dict[str, tuple[yaml.Node, yaml.Node]],
             rule_id: str | None) -> tuple[str, ...]:
        if "tags" not in fields:
            return ()
        node = fields["tags"][1]
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, "`tags` must be a list such as [fraud, ato]", "wrong-type", rule_id)
            return ()
        tags: list[str] = []
        for item in node.value:
            value = self.scalar(item) if isinstance(item, yaml.ScalarNode) else None
            if not isinstance(value, str) or not _TAG.match(value):
                self.fail(item, "a tag is lower-case letters, digits, _ or -", "bad-value",
                          rule_id)
            elif value in tags:
                self.fail(item, f"duplicate tag `{value}`", "duplicate-tag", rule_id)
            else:
                tags.append(value)
        return tuple(tags)

    def examples(self, entry: tuple[yaml.Node, yaml.Node] | None,
                 rule_id: str | None) -> list[LoadedExample]:
        if entry is None:
            return []
        node = entry[1]
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, "`examples` must be a list of {given: ..., expect: hit|miss}",
                      "wrong-type", rule_id)
            return []
        examples = []
        for item in node.value:
            example = self.example(item, rule_id)
            if example is not None:
                examples.append(example)
        return examples

    def example(self, node: yaml.Node, rule_id: str | None) -> LoadedExample | None:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, "an example is a mapping {given: ..., expect: hit|miss}",
                      "wrong-type", rule_id)
            return None
        fields = self.mapping(node, _EXAMPLE_KEYS, _EXAMPLE_KEYS, rule_id, " in example")
        expect = self.choice(fields, "expect", ["hit", "miss"], rule_id)
        given: dict[str, ExampleValue] = {}
        given_keys: dict[str, yaml.Node] = {}
        given_node = fields["given"][1] if "given" in fields else None
        if given_node is not None and not isinstance(given_node, yaml.MappingNode):
            self.fail(given_node, "`given` maps names to values", "wrong-type", rule_id)
        elif given_node is not None:
            for key_node, value_node in given_node.value:
                is_scalar = isinstance(value_node, yaml.ScalarNode)
                value = self.scalar(value_node) if is_scalar else None
                if not is_scalar or not isinstance(key_node, yaml.ScalarNode) or not isinstance(
                        value, int | float | str | bool | None):
                    self.fail(value_node, "example values are numbers, text, true, false or "
                              "null", "bad-value", rule_id)
                elif key_node.value in given:
                    self.fail(key_node, f"duplicate name `{key_node.value}`", "duplicate-key",
                              rule_id)
                else:
                    given[key_node.value] = value
                    given_keys[key_node.value] = key_node
        if expect is None or given_node is None:
            return None
        return LoadedExample(node, given, given_keys, expect == "hit")
