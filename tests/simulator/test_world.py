"""Determinism, labels, balances and the fraud rate of the simulated world."""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.formats import parse_json_transaction
from paytrust.simulator import SimulationConfig, read_file, simulate, to_api_json, write_file
from paytrust.simulator.config import TYPOLOGIES

SMALL = SimulationConfig(customers=300, days=4, seed=9)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_same_seed_and_config_give_byte_identical_files(tmp_path: Path, suffix: str) -> None:
    first, second, other = (tmp_path / f"{n}{suffix}" for n in ("a", "b", "c"))
    write_file(SMALL, first)
    write_file(SMALL, second)
    write_file(SimulationConfig(customers=300, days=4, seed=10), other)
    assert _digest(first) == _digest(second)
    assert _digest(first) != _digest(other)


def test_files_read_back_to_the_same_transactions(tmp_path: Path) -> None:
    expected = list(simulate(SMALL))
    for suffix in (".parquet", ".csv", ".jsonl"):
        path = tmp_path / f"world{suffix}"
        write_file(SMALL, path)
        assert list(read_file(path)) == expected, suffix


def test_stream_is_lazy_and_in_time_order() -> None:
    big = SimulationConfig(customers=100_000, days=365, seed=1)
    first = list(itertools.islice(simulate(big), 50))  # would take minutes if eager
    times = [labelled.transaction.occurred_at for labelled in first]
    assert times == sorted(times)


def test_api_json_parses_back_to_the_same_transaction() -> None:
    for labelled in itertools.islice(simulate(SMALL), 200):
        body = orjson.dumps(to_api_json(labelled.transaction))
        assert parse_json_transaction(body) == labelled.transaction


def test_labels_are_consistent(busy_rows: list[dict[str, Any]]) -> None:
    typology_of: dict[str, set[str]] = defaultdict(set)
    for row in busy_rows:
        if row["is_fraud"]:
            assert row["typology"] in TYPOLOGIES
            typology_of[row["scenario_id"]].add(row["typology"])
        else:
            assert row["typology"] is None
            assert row["scenario_id"] is None
    assert all(len(kinds) == 1 for kinds in typology_of.values())
    assert {kind for kinds in typology_of.values() for kind in kinds} == set(TYPOLOGIES)


def test_balances_follow_the_amounts_and_never_go_negative(busy_rows: list[dict[str, Any]]) -> None:
    for row in busy_rows:
        credit = row["type"] in ("cash_in", "refund")
        change = row["amount_minor"] if credit else -row["amount_minor"]
        assert row["balance_after_minor"] == row["balance_before_minor"] + change
        assert row["balance_after_minor"] >= 0
        assert row["amount_minor"] > 0


def test_running_balance_of_an_account_is_continuous(busy_rows: list[dict[str, Any]]) -> None:
    """Between two of its own transactions an account changes only by incoming transfers."""
    last_after: dict[str, int] = {}
    received: dict[str, int] = defaultdict(int)
    for row in busy_rows:
        account = row["account_id"]
        if account in last_after:
            assert row["balance_before_minor"] >= last_after[account]
            assert row["balance_before_minor"] - last_after[account] <= received[account] + 1
        last_after[account], received[account] = row["balance_after_minor"], 0
        if row["type"] == "p2p_transfer" and row["payee_id"] and row["payee_id"].startswith("A"):
            received[row["payee_id"]] += row["amount_minor"] * 10  # currencies differ, bound only


def test_default_fraud_rate_is_between_a_tenth_and_half_a_percent(default_table: pa.Table) -> None:
    rate = pc.sum(default_table["is_fraud"]).as_py() / default_table.num_rows
    assert 0.001 <= rate <= 0.005


def test_world_has_every_operation_channel_and_some_foreign_currency(
    default_table: pa.Table,
) -> None:
    types = set(default_table["type"].to_pylist())
    assert types == {
        "payment",
        "p2p_transfer",
        "cash_in",
        "cash_out",
        "top_up",
        "refund",
        "bill_pay",
    }
    assert {"qr", "nfc", "in_app", "web", "agent"} <= set(default_table["channel"].to_pylist())
    assert {"CNY", "HKD", "USD"} <= set(default_table["currency"].to_pylist())


def test_activity_follows_the_day(default_table: pa.Table) -> None:
    hours = pc.hour(default_table["occurred_at"]).to_pylist()
    assert sum(9 <= h <= 21 for h in hours) > 3 * sum(h <= 5 for h in hours)


def test_side_data_for_other_modules(busy_simulation: Any) -> None:
    kyc = busy_simulation.world.kyc_records()
    assert len(kyc) == busy_simulation.config.customers
    assert {record["kyc_tier"] for record in kyc} <= {1, 2, 3}
    names = [entry.name for entry in busy_simulation.world.watchlist_entries()]
    aliases = [a for e in busy_simulation.world.watchlist_entries() for a in e.aliases]
    assert any("\u4e00" <= ch <= "\u9fff" for alias in aliases for ch in alias)  # Chinese script
    assert len(set(names)) == len(names)
    complaints = busy_simulation.complaints
    assert complaints
    assert all(c["text_zh"] and c["text_en"] for c in complaints)


def test_transactions_are_valid_engine_transactions(busy_rows: list[dict[str, Any]]) -> None:
    from paytrust.simulator.api import labelled_from_row

    assert all(
        isinstance(labelled_from_row(row).transaction, Transaction) for row in busy_rows[:500]
    )
