"""Model scoring cost: PayTrust's LightGBM model (probability + per-leaf attributions) against
LightGBM's own predict and TreeSHAP, on the same 200-tree model in the same run.

The model is trained on simulated history (the real feature vector, categories included);
rows are that history's features. "explained" rows are forced to carry attributions (as a
risky payment does); "typical" rows use the model as configured, where low-scoring rows are
explained by their score alone.

    PYTHONPATH=src python benchmarks/model_predict.py [--customers 600] [--days 30]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from time import perf_counter

import lightgbm

from paytrust.risk.engine.lightgbm_model import LightGBMScoringModel
from paytrust.risk.engine.model import feature_matrix
from paytrust.risk.training import (
    CATEGORICAL_FEATURES,
    DEFAULT_PARAMS,
    MODEL_FEATURES,
    Example,
    category_codes,
    replay_features,
    time_split,
)
from paytrust.simulator import SimulationConfig, simulate
from paytrust.simulator.config import DEFAULT_RATES


def per_row_us(score: Callable[[], object], rows_per_call: int, seconds: float = 1.5) -> float:
    score()
    calls, started = 0, perf_counter()
    while perf_counter() - started < seconds:
        score()
        calls += 1
    return (perf_counter() - started) / (calls * rows_per_call) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=600)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    rates = {name: rate * 5 for name, rate in DEFAULT_RATES.items()}
    history = [Example(r.transaction, r.is_fraud, r.typology) for r in simulate(
        SimulationConfig(customers=args.customers, days=args.days, seed=3, typology_rates=rates))]
    train, test = time_split(replay_features(history))
    # All 200 rounds (no early stopping): the cost of a full-size model is what is measured.
    categories = category_codes(train)
    names = list(MODEL_FEATURES)
    booster = lightgbm.train(
        {**DEFAULT_PARAMS, "min_data_in_leaf": 5},
        lightgbm.Dataset(feature_matrix(names, categories, train.features), train.labels,
                         feature_name=names,
                         categorical_feature=[names.index(n) for n in CATEGORICAL_FEATURES]),
        num_boost_round=200)
    model = LightGBMScoringModel(booster, "bench", names, categories)
    rows = feature_matrix(model.feature_names, model.categories, test.features[:256])
    one = rows[:1]
    baseline = per_row_us(lambda: booster.predict(one), 1)
    typical = per_row_us(lambda: model.predict(one), 1)
    batch = per_row_us(lambda: model.predict(rows), len(rows))
    booster_batch = per_row_us(lambda: booster.predict(rows), len(rows))
    shap = per_row_us(lambda: booster.predict(one, pred_contrib=True), 1, seconds=1.0)
    explain_from, model.explain_from = model.explain_from, 0.0
    explained = per_row_us(lambda: model.predict(one), 1)
    explained_batch = per_row_us(lambda: model.predict(rows), len(rows))
    model.explain_from = explain_from

    print(f"{booster.num_trees()} trees, {len(model.feature_names)} features\n")
    print("| scoring one row | µs per row | rows/s | vs LightGBM predict |")
    print("|---|---:|---:|---:|")
    for label, cost in (
        ("baseline: LightGBM predict, single row", baseline),
        ("PayTrust model, single row, typical (low score: no attributions)", typical),
        ("PayTrust model, single row, explained (attributions)", explained),
        ("LightGBM TreeSHAP (pred_contrib), single row", shap),
        ("LightGBM predict, batch of 256", booster_batch),
        ("PayTrust model, batch of 256, typical", batch),
        ("PayTrust model, batch of 256, all explained", explained_batch),
    ):
        print(f"| {label} | {cost:,.1f} | {1e6 / cost:,.0f} | {cost / baseline:.2f}x |")


if __name__ == "__main__":
    main()
