"""``paytrust simulate``: write a simulated world to a file, or feed it to a service."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated

import pyarrow.compute as pc
import typer

from paytrust.simulator.api import simulate_batches, write_file
from paytrust.simulator.config import SimulationConfig
from paytrust.simulator.sender import live_transactions, post_transactions, publish_transactions


def summarise(config: SimulationConfig) -> str:
    """Counts by type and by typology, and the fraud rate."""
    by_type: Counter[str] = Counter()
    by_typology: Counter[str] = Counter()
    total = fraud = 0
    for batch in simulate_batches(config):
        total += batch.num_rows
        fraud += int(pc.sum(batch.column("is_fraud")).as_py() or 0)
        for item in pc.value_counts(batch.column("type")).to_pylist():
            by_type[item["values"]] += item["counts"]
        for item in pc.value_counts(batch.column("typology").drop_null()).to_pylist():
            by_typology[item["values"]] += item["counts"]
    lines = [
        f"transactions: {total:,}   fraud: {fraud:,} ({100 * fraud / max(total, 1):.3f} %)",
        "by type:",
    ]
    lines += [f"  {name:<24}{count:>12,}" for name, count in by_type.most_common()]
    lines.append("by typology:")
    lines += [f"  {name:<24}{count:>12,}" for name, count in sorted(by_typology.items())]
    return "\n".join(lines)


def simulate(
    customers: Annotated[int, typer.Option(help="number of customers")] = 1_000,
    days: Annotated[int, typer.Option(help="number of days")] = 30,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same output")] = 42,
    start: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")] = "2026-01-01",
    out: Annotated[Path | None, typer.Option(help="file: .parquet, .csv or .jsonl")] = None,
    to: Annotated[str | None, typer.Option(help="http://host:port or nats://host:port")] = None,
    api_key: Annotated[str | None, typer.Option(help="API key for --to http")] = None,
    rate: Annotated[float, typer.Option(help="transactions per second for --to (0: max)")] = 100.0,
    limit: Annotated[int | None, typer.Option(help="stop after this many for --to")] = None,
    summary: Annotated[bool, typer.Option(help="print counts by type and typology")] = False,
) -> None:
    """Simulate a payment world with labelled fraud and AML typologies."""
    config = SimulationConfig(
        customers=customers, days=days, seed=seed, start=date.fromisoformat(start)
    )
    if out is not None:
        typer.echo(f"wrote {write_file(config, out):,} transactions to {out}")
    if to is not None:
        if to.startswith("nats://"):
            report = asyncio.run(publish_transactions(to, live_transactions(config), limit=limit))
        elif to.startswith(("http://", "https://")):
            if not api_key:
                raise typer.BadParameter(
                    "--api-key is required with --to http", param_hint="--api-key"
                )
            report = asyncio.run(
                post_transactions(
                    to, live_transactions(config), api_key=api_key, rate=rate, limit=limit
                )
            )
        else:
            raise typer.BadParameter("use http://... or nats://...", param_hint="--to")
        typer.echo(report.render())
    if summary:
        typer.echo(summarise(config))
    if out is None and to is None and not summary:
        raise typer.BadParameter("say where to: --out FILE, --to URL or --summary")
