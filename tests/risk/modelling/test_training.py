"""Training: metrics computed right, a split that does not leak the future, and a model that
learns the simulator's fraud well enough on days it never saw."""

from __future__ import annotations

import numpy as np
import pytest

from paytrust.risk.training import (
    Example,
    TrainedModel,
    TrainingError,
    average_precision,
    recall_at_alert_rate,
    replay_features,
    roc_auc,
    time_split,
    train_model,
)


def test_auc_counts_ties_as_half() -> None:
    labels = np.array([True, False, True, False])
    assert roc_auc(labels, np.array([0.9, 0.1, 0.8, 0.2])) == 1.0
    assert roc_auc(labels, np.array([0.1, 0.9, 0.2, 0.8])) == 0.0
    assert roc_auc(labels, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    # positives 0.8 and 0.4 against negatives 0.6 and 0.4: wins 2 + 0 + tie 0.5 of 4 pairs
    assert roc_auc(labels, np.array([0.8, 0.6, 0.4, 0.4])) == pytest.approx(2.5 / 4)


def test_average_precision_is_the_mean_precision_at_each_fraud() -> None:
    labels = np.array([True, False, True, False, False])
    scores = np.array([0.9, 0.8, 0.7, 0.2, 0.1])  # fraud at ranks 1 and 3
    assert average_precision(labels, scores) == pytest.approx((1 / 1 + 2 / 3) / 2)


def test_recall_at_alert_rate_takes_the_top_share() -> None:
    labels = np.array([True] + [False] * 98 + [True])
    scores = np.linspace(1.0, 0.0, 100)  # one fraud on top, one at the bottom
    assert recall_at_alert_rate(labels, scores, 0.01) == 0.5
    assert recall_at_alert_rate(labels, scores, 1.0) == 1.0


def test_time_split_trains_strictly_before_it_tests(simulated_history: list[Example]) -> None:
    table = replay_features(simulated_history[:3_000])
    train, test = time_split(table, train_fraction=0.6)
    assert len(train) + len(test) == len(table)
    assert train.times.max() < test.times.min()
    assert list(table.times) == sorted(table.times)


def test_a_history_without_fraud_cannot_train(simulated_history: list[Example]) -> None:
    legitimate = [e for e in simulated_history[:2_000] if not e.is_fraud]
    train, test = time_split(replay_features(legitimate))
    with pytest.raises(TrainingError, match="fraud"):
        train_model(train, test, version="nothing-to-learn")


def test_the_model_catches_fraud_on_later_days(trained_model: TrainedModel) -> None:
    metrics = trained_model.metrics
    training = metrics["training"]
    assert training["test_fraud"] >= 10  # enough fraud in the test days to mean something
    assert training["train_from"] < training["test_from"]
    assert metrics["auc"] > 0.85
    assert metrics["auprc"] > 5 * metrics["fraud_rate"]  # far better than ranking at random
    assert metrics["recall_at_1.0%_alerts"] > 0.4
