"""Day by day: background traffic plus scenarios, settled against balances, as Arrow batches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from paytrust.simulator.background import background_day
from paytrust.simulator.config import SimulationConfig
from paytrust.simulator.ledger import settle
from paytrust.simulator.rows import Rows
from paytrust.simulator.typologies import DayContext, scenarios_of_day
from paytrust.simulator.world import World

TIMESTAMP = pa.timestamp("us", tz="UTC")
SCHEMA = pa.schema(
    [
        ("transaction_id", pa.string()),
        ("occurred_at", TIMESTAMP),
        ("type", pa.string()),
        ("amount_minor", pa.int64()),
        ("currency", pa.string()),
        ("customer_id", pa.string()),
        ("account_id", pa.string()),
        ("channel", pa.string()),
        ("auth_method", pa.string()),
        ("payee_id", pa.string()),
        ("payee_name", pa.string()),
        ("payee_country", pa.string()),
        ("merchant_id", pa.string()),
        ("merchant_category", pa.string()),
        ("merchant_country", pa.string()),
        ("agent_id", pa.string()),
        ("device_id", pa.string()),
        ("ip", pa.string()),
        ("country", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("card_bin", pa.string()),
        ("balance_before_minor", pa.int64()),
        ("balance_after_minor", pa.int64()),
        ("credential_changed_at", TIMESTAMP),
        ("sim_swapped_at", TIMESTAMP),
        ("original_transaction_id", pa.string()),
        ("is_fraud", pa.bool_()),
        ("typology", pa.string()),
        ("scenario_id", pa.string()),
    ]
)


class Simulation:
    """One run: the world plus what carries over from day to day (balances, complaints)."""

    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        self.world = World(config)
        self.balance = self.world.customers.opening_balance.copy()
        self.complaints: list[dict[str, Any]] = []

    def batches(self) -> Iterator[pa.RecordBatch]:
        for day in range(self.config.days):
            yield self._day(day)

    def _day(self, day: int) -> pa.RecordBatch:
        rng = np.random.default_rng([self.config.seed, 1, day])
        background = background_day(self.world, day, rng)
        if day == 0:
            background = Rows.concat([background, self._last_use_of_dormant(rng)])
        ctx = DayContext(
            self.world, day, np.random.default_rng([self.config.seed, 2, day]), self.balance
        )
        scenario = Rows.from_records(scenarios_of_day(ctx))
        has_original = scenario["_original_row"] >= 0  # rows.from_records fills -1
        scenario.columns["_original_row"] = np.where(
            has_original, scenario["_original_row"] + background.n, -1
        )
        day_rows = Rows.concat([background, scenario])
        day_rows.columns["_key"] = np.arange(day_rows.n)  # survives the rows settle drops
        rows, self.balance = settle(day_rows, self.balance)
        self.complaints.extend(ctx.complaints)
        return _to_batch(rows, self.config.seed, day)

    def _last_use_of_dormant(self, rng: np.random.Generator) -> Rows:
        """Dormant accounts were used once, on the first day, then fall silent."""
        c = self.world.customers
        sleepers = np.flatnonzero(c.dormant)
        n = len(sleepers)
        return Rows(
            {
                "type": np.full(n, "top_up", dtype=object),
                "currency": c.currency[sleepers],
                "amount_minor": np.maximum(1, np.round(20.0 / c.cny_per_minor[sleepers])).astype(
                    np.int64
                ),
                "customer_id": c.customer_id[sleepers],
                "account_id": c.account_id[sleepers],
                "channel": np.full(n, "in_app", dtype=object),
                "auth_method": np.full(n, "pin", dtype=object),
                "device_id": c.device[sleepers],
                "country": c.country[sleepers],
                "latitude": c.latitude[sleepers],
                "longitude": c.longitude[sleepers],
                "_time": self.world.epoch(0) + rng.uniform(6, 10, n) * 3600.0,
                "_cust": sleepers,
            },
            n,
        )


def _timestamps(seconds: np.ndarray[Any, Any]) -> pa.Array:
    missing = np.isnan(seconds)
    micros = np.where(missing, 0, np.round(seconds * 1e6)).astype(np.int64)
    return pa.array(micros, type=pa.int64(), mask=missing).cast(TIMESTAMP)


def _transaction_ids(positions: np.ndarray[Any, Any], seed: int, day: int) -> pa.Array:
    """``S<seed>-D<day>-<position in the day>``; null where the position is negative."""
    numbers = pc.utf8_lpad(pa.array(positions).cast(pa.string()), width=6, padding="0")
    ids = pc.binary_join_element_wise(f"S{seed}-D{day:04d}", numbers, "-")
    return pc.if_else(pa.array(positions >= 0), ids, pa.scalar(None, pa.string()))


def _to_batch(rows: Rows, seed: int, day: int) -> pa.RecordBatch:
    order = np.argsort(rows["_time"], kind="stable")
    original_positions = _original_positions(rows, order)[order]
    rows = rows.take(order)
    arrays: list[pa.Array] = []
    for field in SCHEMA:
        if field.name == "transaction_id":
            arrays.append(_transaction_ids(np.arange(rows.n), seed, day))
        elif field.name == "original_transaction_id":
            arrays.append(_transaction_ids(original_positions, seed, day))
        elif field.name == "occurred_at":
            arrays.append(_timestamps(rows["_time"]))
        elif field.type == TIMESTAMP:
            arrays.append(_timestamps(rows[field.name]))
        elif field.type == pa.float64():
            values = rows[field.name]
            arrays.append(pa.array(values, mask=np.isnan(values)))
        else:
            arrays.append(pa.array(rows[field.name], type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def _original_positions(rows: Rows, order: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """For each refund, the position its payment gets after sorting; -1 for other rows and for
    refunds whose payment was declined for want of balance."""
    final_position = np.empty(rows.n, dtype=np.int64)
    final_position[order] = np.arange(rows.n)
    position_of_key = np.full(int(rows["_key"].max(initial=-1)) + 1, -1, dtype=np.int64)
    position_of_key[rows["_key"]] = final_position
    originals = rows["_original_row"]
    found: np.ndarray[Any, Any] = np.where(
        originals >= 0, position_of_key[np.maximum(originals, 0)], -1
    )
    return found
