from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pytest

from paytrust.risk.engine.engine import Engine, ScoreResult
from paytrust.risk.engine.features.tables import FeatureTables
from paytrust.risk.engine.lists import load_lists
from paytrust.risk.engine.model import FloatArray, ModelError, ModelOutput
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.engine.verdict import Decision
from tests.risk.engine.factories import (
    T0,
    StubRule,
    StubRules,
    make_txn,
    random_stream,
    replay,
)


class AmountModel:
    """Probability grows with the amount; all of it is attributed to ``txn.amount``."""

    version = "amount-v1"
    feature_names: Sequence[str] = ("txn.amount", "customer.count_1h")
    categories: Mapping[str, Mapping[str, float]] = {}

    def predict(self, rows: FloatArray) -> ModelOutput:
        amounts = rows[:, 0]
        probabilities = amounts / (amounts + 1_000.0)
        contributions = np.zeros_like(rows)
        contributions[:, 0] = np.log(amounts / 1_000.0 + 1e-9)
        return ModelOutput(probabilities, contributions)


class BrokenModel:
    version = "broken"
    feature_names: Sequence[str] = ("txn.amount",)
    categories: Mapping[str, Mapping[str, float]] = {}

    def predict(self, rows: FloatArray) -> ModelOutput:
        raise RuntimeError("model file corrupted")


BIG = StubRule("big_amount", lambda ctx: float(ctx["txn.amount"]) > 5_000, score=0.8)  # type: ignore[arg-type]
SHADOW_BLOCK = StubRule("shadow_block", lambda ctx: True, action=Decision.BLOCK, shadow=True)
DISABLED = StubRule("disabled", lambda ctx: True, action=Decision.BLOCK, enabled=False)


def _engine(**kwargs: object) -> Engine:
    defaults: dict[str, object] = {"ruleset": StubRules([BIG, SHADOW_BLOCK, DISABLED]),
                                   "lists": load_lists([]), "ruleset_version": "test-1"}
    defaults.update(kwargs)
    return Engine(**defaults)  # type: ignore[arg-type]


def _score(engine: Engine, txn: Transaction, locale: str = "en") -> ScoreResult:
    """The engine's answer for ``txn`` with no history."""
    return engine.score_in_place([txn], FeatureTables(), T0, locale)[0]


def test_shadow_rules_are_reported_but_never_act() -> None:
    result = _score(_engine(), make_txn(amount_minor=100))
    assert result.decision is Decision.APPROVE
    assert result.shadow_rules_hit == ("shadow_block",)
    assert result.rules_hit == ()
    assert not any(reason.code == "rule:shadow_block" for reason in result.reasons)


def test_acting_rules_decide_and_explain() -> None:
    result = _score(_engine(), make_txn(amount_minor=900_000))
    assert result.decision is Decision.REVIEW
    assert result.rules_hit == ("big_amount",)
    assert result.reasons[0].code == "rule:big_amount"
    assert result.ruleset_version == "test-1"


def test_block_list_beats_rules_and_model() -> None:
    engine = _engine(lists=load_lists([{"kind": "device", "value": "d1"}]), model=AmountModel())
    tables = FeatureTables()
    [result] = engine.score_in_place([make_txn(device_id="d1", amount_minor=100)], tables, T0)
    assert (result.decision, result.score) == (Decision.BLOCK, 1.0)
    assert result.reasons[0].code == "list:device_blocked"
    assert tables.device.find("d1") >= 0  # a blocked attempt is still history


def test_model_probability_and_feature_reasons() -> None:
    result = _score(_engine(model=AmountModel()), make_txn(amount_minor=300_000))
    assert result.model_version == "amount-v1"
    assert result.features["model.score"] == pytest.approx(3_000 / 4_000)
    assert result.score == pytest.approx(0.75)
    assert [reason.code for reason in result.reasons] == ["model:txn.amount"]


def test_a_failing_model_falls_back_to_rules_and_says_so() -> None:
    result = _score(_engine(model=BrokenModel()), make_txn(amount_minor=900_000))
    assert result.model_version is None
    assert result.decision is Decision.REVIEW  # the rule still acts
    assert "model:unavailable" in [reason.code for reason in result.reasons]


def test_the_challenger_is_reported_but_does_not_act() -> None:
    engine = _engine(challenger=AmountModel())
    result = _score(engine, make_txn(amount_minor=10_000_000))
    assert result.challenger_score == pytest.approx(100_000 / 101_000)
    assert result.model_version is None
    assert result.score == pytest.approx(0.8)  # the rule alone


def test_a_model_with_unknown_features_is_refused() -> None:
    class Stranger(AmountModel):
        feature_names = ("txn.shoe_size",)

    with pytest.raises(ModelError, match="shoe_size"):
        _engine(model=Stranger())


def test_rule_messages_follow_the_locale() -> None:
    result = _score(_engine(), make_txn(amount_minor=900_000), locale="zh")
    assert result.reasons[0].message == "测试规则"
    with pytest.raises(ValueError, match="locale"):
        _score(_engine(), make_txn(), locale="fr")


def test_batch_results_equal_single_results_on_the_same_sequence() -> None:
    watchlist = load_lists([{"kind": "name", "value": "Viktor Bout"}])
    engine = _engine(model=AmountModel(), lists=watchlist)
    txns = random_stream(5, 200, customers=6)
    single_tables = FeatureTables()
    singles = [engine.score_in_place([txn], single_tables, T0)[0] for txn in txns]
    tables = FeatureTables()
    batched = [result for start in range(0, len(txns), 30) for result in
               engine.score_in_place(txns[start:start + 30], tables, T0)]
    assert [r.decision for r in batched] == [r.decision for r in singles]
    assert [r.score for r in batched] == pytest.approx([r.score for r in singles], rel=1e-12)
    assert [r.reasons for r in batched] == [r.reasons for r in singles]
    for single, batch in zip(singles, batched, strict=True):
        assert dict(batch.features) == pytest.approx(dict(single.features), nan_ok=True)


def test_scoring_sees_the_reference_features_of_the_history() -> None:
    engine = _engine(model=AmountModel())
    txns = random_stream(7, 120, customers=5)
    tables = FeatureTables()
    for position, txn in enumerate(txns):
        [result] = engine.score_in_place([txn], tables, T0)
        expected, _ = replay(txns[: position + 1])
        assert {name: result.features[name] for name in expected} == pytest.approx(
            expected, nan_ok=True)
