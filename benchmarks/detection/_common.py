"""What the detection benchmarks share: the baseline rule set, the four contenders measured
on one time split, and the Markdown table.

The model trains on the first part of the history's time span (``training.time_split``).
Every contender then replays the WHOLE history through the live engine code, so velocities,
habits and known payees are warm when the test period starts, and metrics count only the
test-period transactions (``run_backtest(measure_from=...)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from paytrust.risk.backtest import LabelledCase, Metrics, cases_in_time_order, run_backtest
from paytrust.risk.training import (
    Example,
    FeatureTable,
    TrainedModel,
    replay_features,
    time_split,
    train_model,
)

BASELINE_NAME = "baseline: amount >= CNY 5,000"
# What a provider without PayTrust typically starts with: every payment of CNY 5,000 or more
# goes to review.
BASELINE_YAML = """
ruleset: large-amount-baseline
rules:
  - id: large_amount
    description: {en: "Amount of CNY 5,000 or more", zh: "金额不低于5000元"}
    when: txn.amount >= 5000
    action: review
    severity: medium
"""
NO_RULES_YAML = "ruleset: model-only\nrules: []\n"
TOP_FEATURES = 8


@dataclass
class Comparison:
    contenders: dict[str, Metrics]  # column name -> test-period metrics
    trained: TrainedModel
    test: FeatureTable
    measure_from: datetime


def compare(examples: Iterable[Example], *, rules_yaml: str,
            train_fraction: float = 0.7) -> Comparison:
    """Train on the early part, then measure rules only, model only, both and the baseline
    on the later part."""
    ordered = list(examples)
    train, test = time_split(replay_features(ordered), train_fraction=train_fraction)
    trained = train_model(train, test, version="benchmark")
    measure_from = datetime.fromtimestamp(float(test.times[0]), UTC)
    cases = cases_in_time_order(LabelledCase(e.transaction, e.is_fraud, e.typology)
                                for e in ordered)
    with_rules = run_backtest(cases, candidate_yaml=rules_yaml, champion_yaml=rules_yaml,
                              candidate_model=trained.model, measure_from=measure_from)
    alone = run_backtest(cases, candidate_yaml=NO_RULES_YAML, champion_yaml=BASELINE_YAML,
                         candidate_model=trained.model, measure_from=measure_from)
    contenders = {"rules only": with_rules.champion, "model only": alone.candidate,
                  "both": with_rules.candidate, "baseline": alone.champion}
    return Comparison(contenders, trained, test, measure_from)


def flag_metrics(comparison: Comparison, cases: Iterable[LabelledCase],
                 flagged: set[str]) -> Metrics:
    """Metrics of a dataset's own fraud flag over the same test period."""
    amounts = dict(zip(comparison.test.transaction_ids, comparison.test.amounts, strict=True))
    metrics = Metrics()
    for case in cases:
        txn = case.transaction
        if txn.occurred_at >= comparison.measure_from:
            metrics.add(case, float(amounts[txn.transaction_id]),
                        alerted=txn.transaction_id in flagged)
    return metrics


def _share(metrics: Metrics) -> float:
    return metrics.caught_amount_cny / metrics.fraud_amount_cny if metrics.fraud_amount_cny else 0.0


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}" if baseline else "-"


def header(title: str, names: list[str]) -> list[str]:
    others = [name for name in names if name != "baseline"]
    return [f"| {title} | " + " | ".join(names) + " | "
            + " | ".join(f"{name} / baseline" for name in others) + " |",
            "|---|" + "---:|" * (len(names) + len(others))]


def rows(columns: Mapping[str, Metrics | None], prefix: str = "") -> list[str]:
    """Headline rows with ratios to the ``baseline`` column, then recall per typology.
    A ``None`` column is a detector the data does not have ("n/a")."""
    names = list(columns)
    others = [name for name in names if name != "baseline"]
    base = columns["baseline"]
    assert base is not None
    lines = []
    for label, value, digits in (
        ("precision", lambda m: m.precision, 4),
        ("recall", lambda m: m.recall, 4),
        ("alert rate (review + block)", lambda m: m.alert_rate, 5),
        ("challenge rate", lambda m: m.challenge_rate, 5),
        ("fraud amount caught (share)", _share, 4),
    ):
        cells = [_cell(columns[name], value, digits) for name in names]
        ratios = [_ratio(value(m), value(base)) if (m := columns[name]) else "n/a"
                  for name in others]
        lines.append(f"| {prefix}{label} | " + " | ".join(cells + ratios) + " |")
    blank = " |" * len(others)
    for typology in sorted(base.fraud_by_typology):
        cells = [_cell(columns[name], partial(Metrics.typology_recall, typology=typology), 3)
                 for name in names]
        lines.append(f"| {prefix}recall: {typology} ({base.fraud_by_typology[typology]}) | "
                     + " | ".join(cells) + " |" + blank)
    return lines


def _cell(metrics: Metrics | None, value: Callable[[Metrics], float], digits: int) -> str:
    return f"{value(metrics):.{digits}f}" if metrics else "n/a"


def render(title: str, columns: Mapping[str, Metrics | None]) -> str:
    """One Markdown table of ``columns`` (one of which is ``baseline``)."""
    return "\n".join(header(title, list(columns)) + rows(columns))


def model_summary(comparison: Comparison) -> str:
    """The model's ranking metrics on the test period and the features it leans on."""
    metrics = comparison.trained.metrics
    training = metrics["training"]
    booster = comparison.trained.model.booster
    gains = booster.feature_importance(importance_type="gain")
    total = float(gains.sum()) or 1.0
    top = sorted(zip(booster.feature_name(), gains, strict=True), key=lambda item: -item[1])
    leaders = ", ".join(f"{name} {gain / total:.0%}" for name, gain in top[:TOP_FEATURES])
    return (f"model on the test period (from {comparison.measure_from:%Y-%m-%d %H:%M}, "
            f"{training['test_rows']:,} tx, {training['test_fraud']:,} fraud; trained on "
            f"{training['train_rows']:,} tx, {training['train_fraud']:,} fraud, "
            f"{training['trees']} trees): AUC {metrics['auc']:.4f}, AUPRC "
            f"{metrics['auprc']:.4f}, recall at 0.5 % alerts "
            f"{metrics['recall_at_0.5%_alerts']:.3f}\n"
            f"gain share of the top features: {leaders}")
