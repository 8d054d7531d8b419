"""The shipped rule pack, checked against the vocabulary until the rule compiler validates it."""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any

import pytest
import yaml

from paytrust.risk.engine.features import VOCABULARY

TYPOLOGIES = {"ato", "sim_swap", "app_scam", "card_testing", "money_mule", "structuring",
              "refund_abuse", "merchant_collusion", "dormant_reactivation",
              "high_risk_jurisdiction", "sanctions"}
_NAME = re.compile(r"\b[a-z_]+\.[a-z0-9_]+\b")
_STRING = re.compile(r'"[^"]*"')


@pytest.fixture(scope="module")
def pack() -> dict[str, Any]:
    text = (files("paytrust") / "content/rules/default.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def test_every_typology_has_a_rule(pack: dict[str, Any]) -> None:
    tags = {tag for rule in pack["rules"] for tag in rule["tags"]}
    assert tags >= TYPOLOGIES


def test_rules_use_only_vocabulary_names(pack: dict[str, Any]) -> None:
    for rule in pack["rules"]:
        names = set(_NAME.findall(_STRING.sub("", rule["when"])))
        assert names <= set(VOCABULARY), (rule["id"], names - set(VOCABULARY))


def test_rules_are_complete_and_bilingual(pack: dict[str, Any]) -> None:
    ids = [rule["id"] for rule in pack["rules"]]
    assert len(ids) == len(set(ids))
    for rule in pack["rules"]:
        assert rule["description"]["en"]
        assert rule["description"]["zh"]
        assert "action" in rule or "score" in rule
        assert {"fraud", "aml"} & set(rule["tags"])
        assert rule["severity"] in {"low", "medium", "high", "critical"}


def test_refund_abuse_is_reviewed_from_the_second_purchase_on() -> None:
    from paytrust.risk.engine.engine import Engine
    from paytrust.risk.engine.features.tables import FeatureTables
    from paytrust.risk.engine.lists import ListSnapshot
    from paytrust.risk.engine.rules import compile_ruleset, parse_ruleset
    from paytrust.risk.engine.transaction import TransactionType
    from paytrust.risk.service.rulesets import default_pack_yaml
    from tests.risk.engine.factories import make_txn

    engine = Engine(compile_ruleset(parse_ruleset(default_pack_yaml()), VOCABULARY),
                    ListSnapshot())
    scheme = []
    for i in range(3):  # buy, get refunded 20 minutes later, buy again 20 minutes after that
        scheme += [make_txn(at=i * 2_400, type=TransactionType.PAYMENT, merchant_id="m1"),
                   make_txn(at=i * 2_400 + 1_200, type=TransactionType.REFUND,
                            merchant_id="m1")]
    results = engine.score_in_place(scheme, FeatureTables(), None)
    decisions = [(txn.type.value, result.decision.value)
                 for txn, result in zip(scheme, results, strict=True)]
    assert decisions[:2] == [("payment", "approve"), ("refund", "approve")]
    assert all(decision in ("review", "block") for _, decision in decisions[2:])
