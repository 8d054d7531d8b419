"""A day's transactions as columns (numpy arrays), before they become Arrow batches.

String columns are object arrays (None for null), times are epoch seconds (NaN for null).
Columns starting with ``_`` are the simulator's own bookkeeping and are never written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

STRING_COLUMNS = (
    "type",
    "currency",
    "customer_id",
    "account_id",
    "channel",
    "auth_method",
    "payee_id",
    "payee_name",
    "payee_country",
    "merchant_id",
    "merchant_category",
    "merchant_country",
    "agent_id",
    "device_id",
    "ip",
    "country",
    "card_bin",
    "original_transaction_id",
    "typology",
    "scenario_id",
)
FLOAT_COLUMNS = (
    "latitude",
    "longitude",
    "credential_changed_at",
    "sim_swapped_at",
    "_time",
    "_drain_share",
)
INT_COLUMNS = (
    "amount_minor",
    "balance_before_minor",
    "balance_after_minor",
    "_cust",
    "_payee_cust",
    "_credit_minor",
    "_original_row",
    "_key",
)
BOOL_COLUMNS = ("is_fraud",)


def _empty(name: str, n: int) -> npt.NDArray[Any]:
    if name in STRING_COLUMNS:
        return np.full(n, None, dtype=object)
    if name == "_drain_share":
        return np.zeros(n)
    if name in FLOAT_COLUMNS:
        return np.full(n, np.nan)
    if name in INT_COLUMNS:
        return np.full(n, -1 if name in ("_payee_cust", "_original_row") else 0, dtype=np.int64)
    return np.zeros(n, dtype=bool)


ALL_COLUMNS = STRING_COLUMNS + FLOAT_COLUMNS + INT_COLUMNS + BOOL_COLUMNS


class Rows:
    """Column arrays of equal length; missing columns are filled with nulls."""

    def __init__(self, columns: Mapping[str, npt.NDArray[Any]], n: int) -> None:
        self.n = n
        self.columns = {name: columns.get(name, _empty(name, n)) for name in ALL_COLUMNS}

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.columns[name]

    @classmethod
    def from_records(cls, records: list[dict[str, Any]]) -> Rows:
        n = len(records)
        columns: dict[str, npt.NDArray[Any]] = {}
        for name in ALL_COLUMNS:
            values = [record.get(name) for record in records]
            if all(v is None for v in values):
                continue
            array = _empty(name, n)
            for i, value in enumerate(values):
                if value is not None:
                    array[i] = value
            columns[name] = array
        return cls(columns, n)

    @classmethod
    def concat(cls, parts: list[Rows]) -> Rows:
        parts = [p for p in parts if p.n]
        n = sum(p.n for p in parts)
        return cls(
            {
                name: np.concatenate([p[name] for p in parts]) if parts else _empty(name, 0)
                for name in ALL_COLUMNS
            },
            n,
        )

    def take(self, indices: npt.NDArray[np.int64]) -> Rows:
        return Rows({name: column[indices] for name, column in self.columns.items()}, len(indices))
