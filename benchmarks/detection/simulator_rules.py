"""Detection quality of the default rule pack on simulated traffic, per typology.

Baseline, measured in the same run: a one-rule set that sends every transfer of CNY 5,000 or
more to review — what a provider without PayTrust typically starts with. Both replay the same
labelled history in time order through the live engine code (features, lists, policy).
No model yet: the "rules only" column is the whole engine today.

    PYTHONPATH=src python benchmarks/detection/simulator_rules.py [--customers 5000 --days 30]
"""

from __future__ import annotations

import argparse

from _common import BASELINE_YAML

from paytrust.risk import service as risk_service
from paytrust.risk.backtest import LabelledCase, Metrics, run_backtest
from paytrust.simulator import SimulationConfig, simulate


def _cell(metrics: Metrics, typology: str | None) -> str:
    if typology is None:
        return f"{metrics.recall:.3f}"
    return f"{metrics.typology_recall(typology):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=77)
    args = parser.parse_args()
    config = SimulationConfig(customers=args.customers, days=args.days, seed=args.seed)
    cases = [LabelledCase(x.transaction, x.is_fraud, x.typology) for x in simulate(config)]
    report = run_backtest(cases, candidate_yaml=risk_service.default_pack_yaml(),
                          champion_yaml=BASELINE_YAML, candidate_name="default rule pack",
                          champion_name="baseline: amount >= 5,000")
    rules, base = report.candidate, report.champion
    print(f"| {args.customers:,} customers x {args.days} days, {rules.transactions:,} tx, "
          f"{rules.fraud:,} fraud | rules only | baseline | ratio |")
    print("|---|---:|---:|---:|")
    for label, ours, theirs in (
        ("precision", rules.precision, base.precision),
        ("recall", rules.recall, base.recall),
        ("alert rate", rules.alert_rate, base.alert_rate),
        ("fraud amount caught (share)", rules.caught_amount_cny / max(rules.fraud_amount_cny, 1),
         base.caught_amount_cny / max(base.fraud_amount_cny, 1)),
    ):
        print(f"| {label} | {ours:.4f} | {theirs:.4f} | {ours / theirs if theirs else 0:.2f} |")
    for typology in sorted(rules.fraud_by_typology):
        ours, theirs = rules.typology_recall(typology), base.typology_recall(typology)
        print(f"| recall: {typology} ({rules.fraud_by_typology[typology]}) | {ours:.3f} | "
              f"{theirs:.3f} | {ours / theirs if theirs else 0:.2f} |")


if __name__ == "__main__":
    main()
