"""The simulator's Python API: stream, files, and the PayTrust JSON of a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from paytrust.risk.engine.transaction import (
    CURRENCY_EXPONENTS,
    AuthMethod,
    Channel,
    Transaction,
    TransactionType,
)
from paytrust.simulator.config import SimulationConfig
from paytrust.simulator.generate import SCHEMA, Simulation

TRANSACTION_FIELDS = tuple(f.name for f in fields(Transaction))
_ENUMS = {"type": TransactionType, "channel": Channel, "auth_method": AuthMethod}


@dataclass(frozen=True, slots=True)
class LabelledTransaction:
    transaction: Transaction
    is_fraud: bool
    typology: str | None
    scenario_id: str | None


def simulate_batches(config: SimulationConfig) -> Iterator[pa.RecordBatch]:
    """One Arrow record batch per simulated day, in time order (the fast path)."""
    return Simulation(config).batches()


def labelled_from_row(row: dict[str, Any]) -> LabelledTransaction:
    values: dict[str, Any] = {name: row.get(name) for name in TRANSACTION_FIELDS}
    for name, enum in _ENUMS.items():
        values[name] = enum(values[name])
    return LabelledTransaction(
        Transaction(**values),
        bool(row["is_fraud"]),
        row.get("typology"),
        row.get("scenario_id"),
    )


def _rows(batches: Iterator[pa.RecordBatch]) -> Iterator[LabelledTransaction]:
    for batch in batches:
        for row in batch.to_pylist():
            yield labelled_from_row(row)


def simulate(config: SimulationConfig) -> Iterator[LabelledTransaction]:
    """Transactions one by one, lazily, in time order."""
    return _rows(simulate_batches(config))


def write_file(config: SimulationConfig, path: Path) -> int:
    """Write Parquet, CSV or JSON Lines (by extension); returns the number of transactions."""
    suffix = path.suffix.lower()
    written = 0
    if suffix == ".parquet":
        with pq.ParquetWriter(path, SCHEMA, compression="zstd") as writer:
            for batch in simulate_batches(config):
                writer.write_batch(batch)
                written += batch.num_rows
    elif suffix == ".csv":
        with pa_csv.CSVWriter(path, SCHEMA) as writer:
            for batch in simulate_batches(config):
                writer.write_batch(batch)
                written += batch.num_rows
    elif suffix in (".jsonl", ".ndjson"):
        with path.open("wb") as out:
            for batch in simulate_batches(config):
                for row in batch.to_pylist():
                    out.write(orjson.dumps(row, option=orjson.OPT_UTC_Z) + b"\n")
                written += batch.num_rows
    else:
        raise ValueError(f"unknown output format {suffix!r}: use .parquet, .csv or .jsonl")
    return written


def read_file(path: Path) -> Iterator[LabelledTransaction]:
    """Read back what :func:`write_file` wrote (for backtests and training)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        yield from _rows(iter(pq.ParquetFile(path).iter_batches()))
    elif suffix == ".csv":
        options = pa_csv.ConvertOptions(
            column_types=SCHEMA, strings_can_be_null=True, quoted_strings_can_be_null=False
        )
        yield from _rows(iter(pa_csv.read_csv(path, convert_options=options).to_batches()))
    elif suffix in (".jsonl", ".ndjson"):
        with path.open("rb") as lines:
            for line in lines:
                row = orjson.loads(line)
                for name in ("occurred_at", "credential_changed_at", "sim_swapped_at"):
                    if row.get(name):
                        row[name] = datetime.fromisoformat(row[name])
                yield labelled_from_row(row)
    else:
        raise ValueError(f"unknown input format {suffix!r}")


def _major(amount_minor: int, currency: str) -> str:
    return str(Decimal(amount_minor).scaleb(-CURRENCY_EXPONENTS[currency]))


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def to_api_json(txn: Transaction) -> dict[str, Any]:
    """The PayTrust JSON body of ``txn``: money in major units as decimal strings."""
    body: dict[str, Any] = {}
    for name in TRANSACTION_FIELDS:
        value = getattr(txn, name)
        if value is None:
            continue
        if name == "amount_minor":
            body["amount"] = _major(value, txn.currency)
        elif name in ("balance_before_minor", "balance_after_minor"):
            body[name.removesuffix("_minor")] = _major(value, txn.currency)
        elif isinstance(value, datetime):
            body[name] = _iso(value)
        else:
            body[name] = str(value) if hasattr(value, "value") else value
    return body
