"""Training the fraud model on labelled history, with a time-based split.

Features come from replaying the history in time order through the live engine code
(features, lists, in-memory state), so the model trains on exactly what it will see online.
The split is by time — train on the earlier part, measure on the later — because a random
split leaks the future (a fraudster's later payments into training) and flatters the model.
Early stopping uses the last part of the training period, never the test period.

Metrics are measured on the test period only: AUC, AUPRC (average precision), recall at
fixed alert rates, and precision/recall at the policy's thresholds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import lightgbm
import numpy as np
import numpy.typing as npt

from paytrust.risk.engine.engine import Engine
from paytrust.risk.engine.features.tables import FeatureTables
from paytrust.risk.engine.features.vocabulary import FEATURE_NAMES
from paytrust.risk.engine.lightgbm_model import LightGBMScoringModel
from paytrust.risk.engine.lists import load_high_risk_countries, load_lists
from paytrust.risk.engine.model import feature_matrix
from paytrust.risk.engine.row import ROW_INDEX
from paytrust.risk.engine.transaction import Transaction

FloatArray = npt.NDArray[np.float64]

# String features the model learns as categories (the others are identifiers or too sparse).
CATEGORICAL_FEATURES = ("txn.type", "txn.channel", "txn.auth_method", "txn.merchant_category")
MODEL_FEATURES = (*FEATURE_NAMES, *CATEGORICAL_FEATURES)
_REPLAY_BATCH = 1_024  # transactions per compiled call when replaying history
_model_values = itemgetter(*(ROW_INDEX[name] for name in MODEL_FEATURES))  # from a feature row
MIN_CATEGORY_COUNT = 20  # rarer categories are treated as missing, not memorised
ALERT_RATES = (0.001, 0.005, 0.01)

DEFAULT_PARAMS: Mapping[str, Any] = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 20,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "max_cat_to_onehot": 8, "verbose": -1, "num_threads": 2, "seed": 7, "deterministic": True,
    # Early stopping watches ranking, not log loss: with fraud up-weighted (scale_pos_weight)
    # the unweighted validation log loss rises from the first tree on, which stopped
    # training at one tree.
    "metric": "average_precision",
}
DEFAULT_ROUNDS = 200
EARLY_STOPPING_ROUNDS = 30
MIN_TREES = 50  # at learning rate 0.05, fewer trees cannot move a probability far from the base


class TrainingError(ValueError):
    """The history cannot train a model (too short, no fraud on one side of the split)."""


@dataclass(frozen=True)
class Example:
    transaction: Transaction
    is_fraud: bool
    typology: str | None = None


@dataclass
class FeatureTable:
    """Replayed history: one row of features per transaction, in time order."""

    features: list[dict[str, object]]
    labels: npt.NDArray[np.bool_]
    times: FloatArray  # epoch seconds
    amounts: FloatArray  # CNY
    typologies: list[str | None]
    transaction_ids: list[str]

    def __len__(self) -> int:
        return len(self.features)

    def take(self, rows: slice) -> FeatureTable:
        return FeatureTable(self.features[rows], self.labels[rows], self.times[rows],
                            self.amounts[rows], self.typologies[rows],
                            self.transaction_ids[rows])


def replay_features(examples: Iterable[Example]) -> FeatureTable:
    """Replay ``examples`` (sorted here by time) through the engine's feature code."""
    ordered = sorted(examples, key=lambda e: (e.transaction.occurred_at,
                                              e.transaction.transaction_id))
    engine = Engine(None, load_lists((), high_risk_countries=load_high_risk_countries()))
    tables = FeatureTables()
    rows: list[dict[str, object]] = []
    for start in range(0, len(ordered), _REPLAY_BATCH):
        txns = [example.transaction for example in ordered[start:start + _REPLAY_BATCH]]
        rows.extend(dict(zip(MODEL_FEATURES, _model_values(result.features.row),
                             strict=True))
                    for result in engine.score_in_place(txns, tables, None))
    return FeatureTable(
        features=rows,
        labels=np.array([e.is_fraud for e in ordered], dtype=bool),
        times=np.array([e.transaction.occurred_at.timestamp() for e in ordered]),
        amounts=np.array([_as_float(row.get("txn.amount")) for row in rows]),
        typologies=[e.typology if e.is_fraud else None for e in ordered],
        transaction_ids=[e.transaction.transaction_id for e in ordered],
    )


def _as_float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def time_split(
    table: FeatureTable, *, train_fraction: float = 0.7, until: datetime | None = None
) -> tuple[FeatureTable, FeatureTable]:
    """Rows before the cut (``until``, or the time ``train_fraction`` of the way through the
    history's span) train; rows at or after it test."""
    if not len(table):
        raise TrainingError("the history is empty")
    if until is None:
        if not 0 < train_fraction < 1:
            raise TrainingError("train_fraction must be between 0 and 1")
        start, end = float(table.times[0]), float(table.times[-1])
        cut = start + (end - start) * train_fraction
    else:
        cut = until.timestamp()
    index = int(np.searchsorted(table.times, cut, side="left"))
    return table.take(slice(0, index)), table.take(slice(index, None))


def category_codes(table: FeatureTable) -> dict[str, dict[str, float]]:
    """Codes for the categories seen at least ``MIN_CATEGORY_COUNT`` times, by frequency."""
    codes: dict[str, dict[str, float]] = {}
    for name in CATEGORICAL_FEATURES:
        counts: dict[str, int] = {}
        for row in table.features:
            value = row.get(name)
            if isinstance(value, str):
                counts[value] = counts.get(value, 0) + 1
        frequent = sorted((v for v, n in counts.items() if n >= MIN_CATEGORY_COUNT),
                          key=lambda v: (-counts[v], v))
        codes[name] = {value: float(code) for code, value in enumerate(frequent)}
    return codes


@dataclass
class TrainedModel:
    model: LightGBMScoringModel
    metrics: dict[str, Any] = field(default_factory=dict)


def train_model(
    train: FeatureTable, test: FeatureTable, *, version: str,
    params: Mapping[str, Any] | None = None, rounds: int = DEFAULT_ROUNDS,
    thresholds: Mapping[str, float] | None = None,
) -> TrainedModel:
    """Fit on ``train`` (its last fifth for early stopping) and measure on ``test``."""
    for name, part in (("training", train), ("test", test)):
        if int(part.labels.sum()) == 0 or int(part.labels.sum()) == len(part):
            raise TrainingError(f"the {name} period needs both fraud and legitimate "
                                f"transactions (it has {int(part.labels.sum())} fraud of "
                                f"{len(part)})")
    categories = category_codes(train)
    names = list(MODEL_FEATURES)
    fit_end = int(len(train) * 0.8)
    x_train = feature_matrix(names, categories, train.features)
    categorical = [names.index(name) for name in CATEGORICAL_FEATURES]
    config = {"scale_pos_weight": _fraud_weight(train.labels[:fit_end]), **DEFAULT_PARAMS,
              **(params or {})}
    fit = lightgbm.Dataset(x_train[:fit_end], train.labels[:fit_end], feature_name=names,
                           categorical_feature=categorical, free_raw_data=False)
    stop_labels = train.labels[fit_end:]
    callbacks: list[Callable[..., Any]] = []
    valid_sets = []
    if 0 < int(stop_labels.sum()) < len(stop_labels):  # early stopping needs both classes
        valid_sets.append(lightgbm.Dataset(x_train[fit_end:], stop_labels, reference=fit))
        callbacks.append(lightgbm.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False))
    booster = lightgbm.train(config, fit, num_boost_round=rounds, valid_sets=valid_sets,
                             callbacks=callbacks)
    if 0 < booster.best_iteration < min(MIN_TREES, rounds):
        # Ranking peaked within a few trees (easy data), but a few shrunken trees leave
        # every probability near the base rate, below any threshold: fit the minimum.
        booster = lightgbm.train(config, fit, num_boost_round=min(MIN_TREES, rounds))
    elif booster.best_iteration > 0:
        booster = lightgbm.Booster(model_str=booster.model_to_string(
            num_iteration=booster.best_iteration))
    model = LightGBMScoringModel(booster, version, names, categories)
    probabilities = model.predict(feature_matrix(names, categories, test.features)).probabilities
    metrics = detection_metrics(test.labels, probabilities, test.amounts, thresholds)
    metrics["training"] = _describe(train, test, booster.num_trees(), config, rounds)
    return TrainedModel(model, metrics)


def _fraud_weight(labels: npt.NDArray[np.bool_]) -> float:
    """Up-weight fraud by the square root of the class ratio. Unweighted, a model's
    probabilities at a 0.2 % base rate rarely reach the policy's review threshold; fully
    balanced, every oddity does. The square root puts the review threshold (0.75) near a
    calibrated fraud probability of about 10 %, where analysts' queues are worth working."""
    fraud = max(int(labels.sum()), 1)
    return float(np.sqrt(max(len(labels) - fraud, 1) / fraud))


def _describe(
    train: FeatureTable, test: FeatureTable, trees: int, params: Mapping[str, Any], rounds: int
) -> dict[str, Any]:
    def when(value: float) -> str:
        return datetime.fromtimestamp(value, UTC).isoformat()

    return {
        "train_rows": len(train), "train_fraud": int(train.labels.sum()),
        "test_rows": len(test), "test_fraud": int(test.labels.sum()),
        "train_from": when(float(train.times[0])), "test_from": when(float(test.times[0])),
        "test_until": when(float(test.times[-1])), "trees": trees, "max_rounds": rounds,
        "params": {k: v for k, v in params.items() if k != "verbose"},
    }


def roc_auc(labels: npt.NDArray[np.bool_], scores: FloatArray) -> float:
    """Area under the ROC curve (Mann–Whitney, ties counted half)."""
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) /
                 (positives * negatives))


def average_precision(labels: npt.NDArray[np.bool_], scores: FloatArray) -> float:
    """AUPRC as average precision: the mean of the precision at each fraud's rank."""
    positives = int(labels.sum())
    if not positives:
        return float("nan")
    order = np.argsort(-scores, kind="mergesort")
    hits = labels[order]
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision_at[hits].sum() / positives)


def recall_at_alert_rate(
    labels: npt.NDArray[np.bool_], scores: FloatArray, alert_rate: float
) -> float:
    """Share of fraud among the top ``alert_rate`` of transactions by score."""
    positives = int(labels.sum())
    if not positives:
        return float("nan")
    top = max(1, round(len(scores) * alert_rate))
    order = np.argsort(-scores, kind="mergesort")[:top]
    return float(labels[order].sum() / positives)


def detection_metrics(
    labels: npt.NDArray[np.bool_], probabilities: FloatArray, amounts: FloatArray,
    thresholds: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    thresholds = thresholds or {"challenge": 0.5, "review": 0.75, "block": 0.92}
    metrics: dict[str, Any] = {
        "auc": roc_auc(labels, probabilities),
        "auprc": average_precision(labels, probabilities),
        "fraud_rate": float(labels.mean()) if len(labels) else 0.0,
    }
    for rate in ALERT_RATES:
        metrics[f"recall_at_{rate:.1%}_alerts"] = recall_at_alert_rate(labels, probabilities,
                                                                        rate)
    fraud_amount = float(amounts[labels].sum())
    for name, threshold in thresholds.items():
        flagged = probabilities >= threshold
        caught = flagged & labels
        metrics[f"at_{name}"] = {
            "threshold": threshold,
            "precision": float(caught.sum() / flagged.sum()) if flagged.any() else 0.0,
            "recall": float(caught.sum() / labels.sum()) if labels.any() else 0.0,
            "alert_rate": float(flagged.mean()) if len(flagged) else 0.0,
            "fraud_amount_caught": float(amounts[caught].sum() / fraud_amount)
            if fraud_amount else 0.0,
        }
    return metrics
