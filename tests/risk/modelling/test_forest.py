"""The compiled forest walks LightGBM's trees exactly as LightGBM does: same leaf in every
tree for every row, whatever the missing values, zeros and categories."""

from __future__ import annotations

import lightgbm
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paytrust.risk.engine.forest import Forest

FEATURES = 5  # two numeric, one mostly zero, one categorical, one constant


def _training_rows(rng: np.random.Generator, count: int) -> np.ndarray:  # type: ignore[type-arg]
    rows = np.column_stack([
        rng.normal(size=count),
        rng.lognormal(3, 1, count),
        np.where(rng.random(count) < 0.6, 0.0, rng.normal(size=count)),
        rng.integers(0, 12, count).astype(float),
        np.ones(count),
    ])
    rows[rng.random(count) < 0.15, 0] = np.nan
    rows[rng.random(count) < 0.1, 3] = np.nan
    return rows


def _booster(seed: int, **params: object) -> lightgbm.Booster:
    rng = np.random.default_rng(seed)
    rows = _training_rows(rng, 3_000)
    signal = (np.nan_to_num(rows[:, 0]) + (rows[:, 2] != 0) + np.isin(rows[:, 3], [2, 5, 7])
              + rng.normal(scale=0.5, size=len(rows)))
    return lightgbm.train(
        {"objective": "binary", "verbose": -1, "num_leaves": 15, "min_data_in_leaf": 10,
         "seed": seed, "num_threads": 1, **params},
        lightgbm.Dataset(rows, signal > 1.0, categorical_feature=[3]),
        num_boost_round=30)


def _probe_rows(seed: int) -> np.ndarray:  # type: ignore[type-arg]
    """Rows with every awkward value: NaN, ±0, tiny, negative and fractional categories,
    categories never seen, exact thresholds."""
    rng = np.random.default_rng(seed)
    rows = _training_rows(rng, 400)
    rows[::7, 2] = rng.choice([0.0, -0.0, 1e-40, -1e-40, np.nan], size=len(rows[::7]))
    rows[::5, 3] = rng.choice([-1.0, -0.5, 2.7, 5.0, 40.0, np.nan, 1e6], size=len(rows[::5]))
    rows[::11, 1] = np.nan
    return rows


def _assert_same_walk(booster: lightgbm.Booster, rows: np.ndarray) -> None:  # type: ignore[type-arg]
    forest = Forest.from_dump(booster.dump_model(), FEATURES)
    on_thresholds = np.repeat(rows[:1], len(forest.feature), axis=0)  # a value on every split
    on_thresholds[np.arange(len(forest.feature)), forest.feature] = forest.threshold
    rows = np.vstack([rows, on_thresholds])
    expected_leaves = booster.predict(rows, pred_leaf=True).astype(np.int64)
    assert np.array_equal(forest.leaves(rows) - forest.first_leaves, expected_leaves)
    probabilities, _, explained = forest.predict(rows, explain_from=2.0)
    assert explained == []
    assert np.allclose(probabilities, booster.predict(rows), rtol=0, atol=1e-12)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 1_000))
def test_leaves_equal_lightgbm_s_with_nan_as_missing(seed: int) -> None:
    _assert_same_walk(_booster(seed), _probe_rows(seed + 1))


def test_leaves_equal_lightgbm_s_with_zero_as_missing() -> None:
    booster = _booster(4, zero_as_missing=True)
    assert '"missing_type": "Zero"' in str(booster.dump_model()).replace("'", '"')
    _assert_same_walk(booster, _probe_rows(5))


def test_leaves_equal_lightgbm_s_without_missing_value_handling() -> None:
    _assert_same_walk(_booster(6, use_missing=False), _probe_rows(7))


def test_a_tree_without_splits_is_its_own_leaf() -> None:
    booster = _booster(8, min_data_in_leaf=10_000)  # too few rows to split anything
    forest = Forest.from_dump(booster.dump_model(), FEATURES)
    assert (forest.roots < 0).all()
    _assert_same_walk(booster, _probe_rows(9))


def test_contributions_sum_to_the_raw_score_minus_the_bias() -> None:
    booster = _booster(10)
    forest = Forest.from_dump(booster.dump_model(), FEATURES)
    rows = _probe_rows(11)
    _, contributions, explained = forest.predict(rows, explain_from=0.0)
    assert explained == list(range(len(rows)))
    raw = booster.predict(rows, raw_score=True)
    assert np.allclose(contributions.sum(axis=1) + forest.bias, raw, rtol=0, atol=1e-9)


@pytest.mark.parametrize("explain_from", [0.3, 0.7])
def test_only_rows_at_or_above_explain_from_get_contributions(explain_from: float) -> None:
    forest = Forest.from_dump(_booster(12).dump_model(), FEATURES)
    probabilities, contributions, rows = forest.predict(_probe_rows(13), explain_from)
    explained = np.abs(contributions).sum(axis=1) > 0
    assert explained.any()
    assert not (explained & (probabilities < explain_from)).any()
    assert rows == np.flatnonzero(probabilities >= explain_from).tolist()
