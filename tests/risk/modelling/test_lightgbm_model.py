"""The LightGBM model behind the engine: exact per-leaf attributions, serialisation, and
reasons that name the feature that mattered."""

from __future__ import annotations

import lightgbm
import numpy as np
import pytest

from paytrust.risk.engine.engine import Engine
from paytrust.risk.engine.features.tables import FeatureTables
from paytrust.risk.engine.lightgbm_model import LightGBMScoringModel
from paytrust.risk.engine.lists import load_lists
from paytrust.risk.engine.model import ModelError, feature_matrix
from tests.risk.engine.factories import T0, make_txn

NAMES = ("txn.amount", "customer.count_1h", "txn.type")
CATEGORIES = {"txn.type": {"payment": 0.0, "p2p_transfer": 1.0}}


def _synthetic_model(seed: int = 3) -> LightGBMScoringModel:
    """Fraud when the amount is large; the other columns are noise (with missing values)."""
    rng = np.random.default_rng(seed)
    rows = np.column_stack([rng.lognormal(6, 1.5, 4_000), rng.poisson(2, 4_000).astype(float),
                            rng.integers(0, 2, 4_000).astype(float)])
    rows[::9, 1] = np.nan
    labels = (rows[:, 0] > 3_000) & (rng.random(4_000) < 0.9)
    booster = lightgbm.train(
        {"objective": "binary", "verbose": -1, "num_leaves": 15, "seed": seed},
        lightgbm.Dataset(rows, labels, feature_name=list(NAMES), categorical_feature=[2]),
        num_boost_round=40)
    return LightGBMScoringModel(booster, "synthetic-1", NAMES, CATEGORIES)


@pytest.fixture(scope="module")
def model() -> LightGBMScoringModel:
    return _synthetic_model()


def _rows(count: int = 300, seed: int = 5) -> np.ndarray:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    rows = np.column_stack([rng.lognormal(6, 1.5, count), rng.poisson(2, count).astype(float),
                            rng.integers(0, 2, count).astype(float)])
    rows[::4, 1] = np.nan
    return rows


def test_probabilities_equal_lightgbm_s_own(model: LightGBMScoringModel) -> None:
    rows = _rows()
    assert np.allclose(model.predict(rows).probabilities, model.booster.predict(rows),
                       rtol=0, atol=1e-12)


def test_contributions_sum_exactly_to_the_raw_score() -> None:
    model = _synthetic_model()
    model.explain_from = 0.0  # explain every row
    rows = _rows()
    output = model.predict(rows)
    raw = model.booster.predict(rows, raw_score=True)
    assert np.allclose(output.contributions.sum(axis=1) + model.bias, raw, atol=1e-9)


def test_only_rows_worth_explaining_get_contributions(model: LightGBMScoringModel) -> None:
    rows = _rows()
    output = model.predict(rows)
    explained = np.abs(output.contributions).sum(axis=1) > 0
    assert explained.any()
    assert not explained.all()
    assert np.array_equal(explained, output.probabilities >= model.explain_from)


def test_the_feature_that_decides_gets_the_credit(model: LightGBMScoringModel) -> None:
    big = np.array([[50_000.0, 1.0, 0.0]])
    contributions = model.predict(big).contributions[0]
    assert int(np.argmax(contributions)) == 0  # txn.amount
    assert contributions[0] > 10 * abs(contributions[1])


def test_serialised_model_scores_the_same(model: LightGBMScoringModel) -> None:
    loaded = LightGBMScoringModel.from_text(model.to_text(), version="again")
    rows = _rows()
    assert loaded.version == "again"
    assert loaded.categories == CATEGORIES
    assert np.array_equal(loaded.predict(rows).probabilities, model.predict(rows).probabilities)


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],
    lambda text: text.replace("paytrust-lightgbm/1", "something-else"),
    lambda text: text.replace("Tree=", "Tere="),
    lambda text: "",
])
def test_a_damaged_model_file_is_refused(model: LightGBMScoringModel, damage: object) -> None:
    with pytest.raises(ModelError):
        LightGBMScoringModel.from_text(damage(model.to_text()))  # type: ignore[operator]


def test_unseen_and_missing_categories_become_nan() -> None:
    rows = [{"txn.amount": 5.0, "customer.count_1h": None, "txn.type": "cash_out"},
            {"txn.amount": 6.0, "customer.count_1h": 2, "txn.type": "p2p_transfer"},
            {"txn.amount": 7.0, "customer.count_1h": True, "txn.type": None}]
    matrix = feature_matrix(NAMES, CATEGORIES, rows)
    assert matrix[0, 0] == 5.0
    assert np.isnan(matrix[0, 1])
    assert np.isnan(matrix[0, 2])
    assert matrix[1, 2] == 1.0
    assert matrix[2, 1] == 1.0
    assert np.isnan(matrix[2, 2])


def test_the_engine_explains_a_model_decision_by_feature(model: LightGBMScoringModel) -> None:
    engine = Engine(None, load_lists(()), model)
    [result] = engine.score_in_place([make_txn(amount_minor=9_000_000)], FeatureTables(), T0)
    assert result.model_version == "synthetic-1"
    assert result.score > 0.5
    assert result.reasons[0].code == "model:txn.amount"
    assert "amount" in result.reasons[0].message
    [small] = engine.score_in_place([make_txn(amount_minor=5_000)], FeatureTables(), T0)
    assert small.score < result.score
