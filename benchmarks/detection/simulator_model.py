"""Detection quality of rules only, the model only and both, on simulated traffic, per
typology, against a one-rule baseline measured in the same run.

A world is simulated; the model trains on the first 70 % of its time span
(``paytrust.risk.training``); then every contender replays the whole history through the
live engine (state warmed by the training period) and is measured on the last 30 % only.

    PYTHONPATH=src python benchmarks/detection/simulator_model.py [--customers 2000 --days 60]
"""

from __future__ import annotations

import argparse

from _common import compare, model_summary, render

from paytrust.risk.service.rulesets import default_pack_yaml
from paytrust.risk.training import Example
from paytrust.simulator import SimulationConfig, simulate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--train-fraction", type=float, default=0.7)
    args = parser.parse_args()
    config = SimulationConfig(customers=args.customers, days=args.days, seed=args.seed)
    examples = [Example(x.transaction, x.is_fraud, x.typology) for x in simulate(config)]
    comparison = compare(examples, rules_yaml=default_pack_yaml(),
                         train_fraction=args.train_fraction)
    test = comparison.contenders["rules only"]
    print(render(f"simulator {args.customers:,} customers x {args.days} days (seed "
                 f"{args.seed}); test period: {test.transactions:,} tx, {test.fraud:,} fraud",
                 comparison.contenders))
    print()
    print(model_summary(comparison))


if __name__ == "__main__":
    main()
