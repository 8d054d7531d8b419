"""Simulator throughput: transactions per second writing N transactions to Parquet.

Baseline, measured in the same run: pyarrow writing an already-built table of the same rows
to Parquet with the same settings — the floor no generator can beat. The ratio says how many
times the pure write cost the whole simulation takes.

    PYTHONPATH=src python benchmarks/simulator_throughput.py [--transactions 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from paytrust.simulator import SimulationConfig, write_file
from paytrust.simulator.cli import summarise

CUSTOMERS = 20_000
TRANSACTIONS_PER_CUSTOMER_DAY = 1.54  # measured on the default world


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--summary", action="store_true", help="also print the run's counts")
    args = parser.parse_args()
    days = max(1, round(args.transactions / (CUSTOMERS * TRANSACTIONS_PER_CUSTOMER_DAY)))
    config = SimulationConfig(customers=CUSTOMERS, days=days, seed=2026)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "world.parquet"
        started = time.perf_counter()
        rows = write_file(config, out)
        simulate_s = time.perf_counter() - started

        table = pq.read_table(out)
        started = time.perf_counter()
        pq.write_table(table, Path(folder) / "copy.parquet", compression="zstd")
        write_only_s = time.perf_counter() - started
        size_mb = out.stat().st_size / 1e6
    print(
        f"| run ({CUSTOMERS:,} customers x {days} days) | transactions | seconds | tx/s | ratio |"
    )
    print("|---|---:|---:|---:|---:|")
    print(
        f"| baseline: pyarrow writes the prebuilt table | {rows:,} | {write_only_s:.2f} | "
        f"{rows / write_only_s:,.0f} | 1.00 |"
    )
    print(
        f"| simulate + write Parquet ({size_mb:.0f} MB) | {rows:,} | {simulate_s:.2f} | "
        f"{rows / simulate_s:,.0f} | {simulate_s / write_only_s:.2f}x the write time |"
    )
    if args.summary:
        print()
        print(summarise(config))


if __name__ == "__main__":
    main()
