from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pytest

from paytrust.risk.engine.engine import Engine
from paytrust.risk.engine.features.tables import FeatureTables
from paytrust.risk.engine.lists import load_lists
from paytrust.risk.engine.model import FloatArray, ModelError, ModelOutput
from paytrust.risk.engine.state import EntityState, apply_update
from paytrust.risk.engine.verdict import Decision
from tests.risk.engine.factories import T0, StubRule, StubRules, make_txn, random_stream


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


def test_shadow_rules_are_reported_but_never_act() -> None:
    result, _ = _engine().score(make_txn(amount_minor=100), {}, T0)
    assert result.decision is Decision.APPROVE
    assert result.shadow_rules_hit == ("shadow_block",)
    assert result.rules_hit == ()
    assert not any(reason.code == "rule:shadow_block" for reason in result.reasons)


def test_acting_rules_decide_and_explain() -> None:
    result, _ = _engine().score(make_txn(amount_minor=900_000), {}, T0)
    assert result.decision is Decision.REVIEW
    assert result.rules_hit == ("big_amount",)
    assert result.reasons[0].code == "rule:big_amount"
    assert result.ruleset_version == "test-1"


def test_block_list_beats_rules_and_model() -> None:
    engine = _engine(lists=load_lists([{"kind": "device", "value": "d1"}]), model=AmountModel())
    result, update = engine.score(make_txn(device_id="d1", amount_minor=100), {}, T0)
    assert (result.decision, result.score) == (Decision.BLOCK, 1.0)
    assert result.reasons[0].code == "list:device_blocked"
    assert update  # a blocked attempt is still history


def test_model_probability_and_feature_reasons() -> None:
    result, _ = _engine(model=AmountModel()).score(make_txn(amount_minor=300_000), {}, T0)
    assert result.model_version == "amount-v1"
    assert result.features["model.score"] == pytest.approx(3_000 / 4_000)
    assert result.score == pytest.approx(0.75)
    assert [reason.code for reason in result.reasons] == ["model:txn.amount"]


def test_a_failing_model_falls_back_to_rules_and_says_so() -> None:
    result, _ = _engine(model=BrokenModel()).score(make_txn(amount_minor=900_000), {}, T0)
    assert result.model_version is None
    assert result.decision is Decision.REVIEW  # the rule still acts
    assert "model:unavailable" in [reason.code for reason in result.reasons]


def test_the_challenger_is_reported_but_does_not_act() -> None:
    engine = _engine(challenger=AmountModel())
    result, _ = engine.score(make_txn(amount_minor=10_000_000), {}, T0)
    assert result.challenger_score == pytest.approx(100_000 / 101_000)
    assert result.model_version is None
    assert result.score == pytest.approx(0.8)  # the rule alone


def test_a_model_with_unknown_features_is_refused() -> None:
    class Stranger(AmountModel):
        feature_names = ("txn.shoe_size",)

    with pytest.raises(ModelError, match="shoe_size"):
        _engine(model=Stranger())


def test_rule_messages_follow_the_locale() -> None:
    result, _ = _engine().score(make_txn(amount_minor=900_000), {}, T0, locale="zh")
    assert result.reasons[0].message == "测试规则"
    with pytest.raises(ValueError, match="locale"):
        _engine().score(make_txn(), {}, T0, locale="fr")


def test_batch_results_equal_single_results_on_the_same_sequence() -> None:
    watchlist = load_lists([{"kind": "name", "value": "Viktor Bout"}])
    engine = _engine(model=AmountModel(), lists=watchlist)
    txns = random_stream(5, 200, customers=6)
    states: dict[object, EntityState] = {}
    singles = []
    for txn in txns:
        result, update = engine.score(txn, states, T0)  # type: ignore[arg-type]
        singles.append(result)
        for entity_update in update:
            apply_update(states.setdefault(entity_update.key, EntityState()), entity_update)
    batched, update = engine.score_batch(txns, {}, T0)
    assert [r.decision for r in batched] == [r.decision for r in singles]
    assert [r.score for r in batched] == pytest.approx([r.score for r in singles])
    assert [r.reasons for r in batched] == [r.reasons for r in singles]
    for single, batch in zip(singles, batched, strict=True):
        assert dict(batch.features) == pytest.approx(dict(single.features), nan_ok=True)
    assert len(update) == sum(len(engine.state_keys(txn)) - 1 for txn in txns)


def test_in_place_scoring_on_the_tables_equals_scoring_on_snapshots() -> None:
    engine = _engine(model=AmountModel())
    txns = random_stream(7, 200, customers=5)
    single_states: dict[object, EntityState] = {}
    singles = []
    for txn in txns:
        result, update = engine.score(txn, single_states, T0)  # type: ignore[arg-type]
        singles.append(result)
        for entity_update in update:
            apply_update(single_states.setdefault(entity_update.key, EntityState()),
                         entity_update)
    tables = FeatureTables()
    batched = [result for start in range(0, len(txns), 30) for result in
               engine.score_in_place(txns[start:start + 30], tables, T0)]
    assert [r.decision for r in batched] == [r.decision for r in singles]
    assert [r.score for r in batched] == pytest.approx([r.score for r in singles], rel=1e-12)
    assert [[reason.code for reason in r.reasons] for r in batched] == [
        [reason.code for reason in r.reasons] for r in singles]
    for single, batch in zip(singles, batched, strict=True):
        assert dict(batch.features) == pytest.approx(dict(single.features), nan_ok=True)


def test_batch_scoring_does_not_mutate_the_snapshot_it_was_given() -> None:
    txns = [make_txn(at=i) for i in range(3)]
    snapshot = {(key[0], key[1]): EntityState() for key in _engine().state_keys(txns[0])}
    _engine().score_batch(txns, snapshot, T0)
    assert all(state == EntityState() for state in snapshot.values())
