"""Detection quality on public labelled datasets: rules only, the model only, both, the
one-rule baseline and the dataset's own fraud flag, on a time split per dataset.

The files (``shared/datasets/transactions``, see its README) are read through
``paytrust.risk.datasets``: Sparkov card purchases (USD; no built-in flag, so its column is
"n/a") and the PaySim 10k sample (amounts read as KES; ``isFlaggedFraud`` is its flag).
Each dataset: the model trains on the first 70 % of its time span, every contender replays
the whole history (state warmed) and is measured on the rest. Sparkov is capped at
``--max-rows`` rows, the first ones in time order, so the run takes a few minutes.

    PYTHONPATH=src python benchmarks/detection/public_datasets.py [--max-rows 150000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import Comparison, compare, flag_metrics, header, model_summary, rows

from paytrust.risk.backtest import LabelledCase, Metrics
from paytrust.risk.datasets import paysim_flagged, read_paysim, read_sparkov
from paytrust.risk.service.rulesets import default_pack_yaml

SPARKOV = "transactions/sparkov_transactions_2023H1.parquet"
PAYSIM = "transactions/paysim_stratified_sample_10k.parquet"
COLUMNS = ("rules only", "model only", "both", "baseline", "dataset flag")


def _default_data_dir() -> Path:
    """``shared/datasets`` beside the repository (or beside the worktrees' folder)."""
    root = Path(__file__).resolve().parents[2]
    candidates = [root.parent / "shared" / "datasets", root.parent.parent / "shared" / "datasets"]
    return next((path for path in candidates if path.is_dir()), candidates[0])


def _sparkov(path: Path, max_rows: int) -> tuple[Comparison, Metrics | None]:
    return compare(read_sparkov(path, max_rows=max_rows), rules_yaml=default_pack_yaml()), None


def _paysim(path: Path, max_rows: int) -> tuple[Comparison, Metrics | None]:
    examples = list(read_paysim(path, max_rows=max_rows))
    comparison = compare(examples, rules_yaml=default_pack_yaml())
    cases = [LabelledCase(e.transaction, e.is_fraud, e.typology) for e in examples]
    return comparison, flag_metrics(comparison, cases, paysim_flagged(path, max_rows=max_rows))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=_default_data_dir())
    parser.add_argument("--max-rows", type=int, default=150_000,
                        help="rows read from each file, the first in time order")
    args = parser.parse_args()
    present = [(name, args.data_dir / relative, run) for name, relative, run in
               (("Sparkov", SPARKOV, _sparkov), ("PaySim 10k", PAYSIM, _paysim))
               if (args.data_dir / relative).is_file()]
    if not present:
        print(f"skipped: no public dataset under {args.data_dir} (see shared/README.md)")
        sys.exit(0)
    lines = header("public datasets, test period (last 30 % of each time span)", list(COLUMNS))
    notes = []
    for name, path, run in present:
        comparison, flag = run(path, args.max_rows)
        contenders: dict[str, Metrics | None] = {**comparison.contenders, "dataset flag": flag}
        test = comparison.contenders["baseline"]
        lines.append(f"| **{name}**: {test.transactions:,} tx, {test.fraud:,} fraud |"
                     + " |" * (len(COLUMNS) * 2 - 1))
        lines += rows(contenders, prefix=f"{name}: ")
        notes.append(f"{name} — {model_summary(comparison)}")
    print("\n".join(lines))
    print()
    print("\n".join(notes))


if __name__ == "__main__":
    main()
