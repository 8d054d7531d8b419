"""Each typology produces the signal it claims, on every one of its scenarios."""

from __future__ import annotations

import difflib
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest

from paytrust.simulator import Simulation

from .conftest import BUSY

Row = dict[str, Any]


def _similarity(a: str, b: str) -> float:
    """Spelling similarity, blind to word order (names are often swapped)."""

    def words(name: str) -> str:
        return " ".join(sorted(name.lower().replace("-", " ").split()))

    return max(
        difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio(),
        difflib.SequenceMatcher(None, words(a), words(b)).ratio(),
    )


@pytest.fixture(scope="module")
def scenarios(busy_rows: list[Row]) -> dict[str, list[list[Row]]]:
    by_id: dict[str, list[Row]] = defaultdict(list)
    for row in busy_rows:
        if row["scenario_id"]:
            by_id[row["scenario_id"]].append(row)
    by_typology: dict[str, list[list[Row]]] = defaultdict(list)
    for rows in by_id.values():
        by_typology[rows[0]["typology"]].append(rows)
    return by_typology


@pytest.fixture(scope="module")
def history(busy_rows: list[Row]) -> dict[str, list[Row]]:
    """Every customer's transactions in time order."""
    by_customer: dict[str, list[Row]] = defaultdict(list)
    for row in busy_rows:
        by_customer[row["customer_id"]].append(row)
    return by_customer


def _earlier(history: dict[str, list[Row]], row: Row) -> list[Row]:
    return [r for r in history[row["customer_id"]] if r["occurred_at"] < row["occurred_at"]]


def test_money_mules_receive_from_many_then_cash_out_within_the_window(
    scenarios: dict[str, list[list[Row]]],
) -> None:
    window = timedelta(hours=BUSY.mule_cash_out_window_hours)
    assert scenarios["money_mule"]
    for rows in scenarios["money_mule"]:
        inflows = [r for r in rows if r["type"] == "p2p_transfer"]
        cash_outs = [r for r in rows if r["type"] == "cash_out"]
        assert len(cash_outs) == 1
        mule_account = cash_outs[0]["account_id"]
        assert {r["payee_id"] for r in inflows} == {mule_account}
        assert len({r["customer_id"] for r in inflows}) >= min(3, len(inflows))
        first_in, last_in = (
            min(r["occurred_at"] for r in inflows),
            max(r["occurred_at"] for r in inflows),
        )
        assert last_in < cash_outs[0]["occurred_at"] <= first_in + window


def test_card_testing_is_a_burst_of_tiny_web_payments_from_a_new_device(
    scenarios: dict[str, list[list[Row]]], history: dict[str, list[Row]]
) -> None:
    assert scenarios["card_testing"]
    for rows in scenarios["card_testing"]:
        assert len(rows) >= 10
        assert all(r["channel"] == "web" and r["card_bin"] for r in rows)
        in_cny = [r["amount_minor"] for r in rows if r["currency"] == "CNY"]
        assert max(in_cny, default=0) <= 1_000  # at most CNY 10.00
        span = max(r["occurred_at"] for r in rows) - min(r["occurred_at"] for r in rows)
        assert span <= timedelta(minutes=20)
        known = {r["device_id"] for r in _earlier(history, rows[0])}
        assert rows[0]["device_id"] not in known


def test_structuring_deposits_sit_just_below_the_reporting_threshold(
    scenarios: dict[str, list[list[Row]]],
) -> None:
    threshold = BUSY.reporting_threshold_minor
    assert scenarios["structuring"]
    for rows in scenarios["structuring"]:
        assert len(rows) >= 3
        for row in rows:
            assert row["type"] == "cash_in"
            if row["currency"] == "CNY":
                assert 0.9 * threshold <= row["amount_minor"] < threshold


@pytest.mark.parametrize(
    ("typology", "context"),
    [("account_takeover", "credential_changed_at"), ("sim_swap", "sim_swapped_at")],
)
def test_takeovers_follow_a_credential_change_on_a_new_device_and_drain(
    typology: str,
    context: str,
    scenarios: dict[str, list[list[Row]]],
    history: dict[str, list[Row]],
) -> None:
    assert scenarios[typology]
    for rows in scenarios[typology]:
        first = rows[0]
        assert all(r[context] is not None and r[context] <= r["occurred_at"] for r in rows)
        assert first["device_id"] not in {r["device_id"] for r in _earlier(history, first)}
        assert sum(r["amount_minor"] for r in rows) >= 0.5 * first["balance_before_minor"]
        assert len({r["payee_id"] for r in rows}) == 1


def test_app_scam_pays_a_payee_never_paid_before_from_the_usual_device(
    scenarios: dict[str, list[list[Row]]],
    history: dict[str, list[Row]],
) -> None:
    assert scenarios["app_scam"]
    for rows in scenarios["app_scam"]:
        earlier = _earlier(history, rows[0])
        assert rows[0]["payee_id"] not in {r["payee_id"] for r in earlier}
        assert rows[0]["auth_method"] == "biometric"


def test_dormant_accounts_wake_after_a_long_silence(
    scenarios: dict[str, list[list[Row]]],
    history: dict[str, list[Row]],
) -> None:
    assert scenarios["dormant_reactivation"]
    for rows in scenarios["dormant_reactivation"]:
        earlier = _earlier(history, rows[0])
        assert earlier, "a dormant account was used once before it slept"
        assert rows[0]["occurred_at"] - earlier[-1]["occurred_at"] >= timedelta(days=5)


def test_refund_abuse_refunds_its_own_payments(scenarios: dict[str, list[list[Row]]]) -> None:
    assert scenarios["refund_abuse"]
    for rows in scenarios["refund_abuse"]:
        payments = {r["transaction_id"]: r for r in rows if r["type"] == "payment"}
        refunds = [r for r in rows if r["type"] == "refund"]
        assert len(refunds) >= 3
        for refund in refunds:
            original = payments[refund["original_transaction_id"]]
            assert refund["amount_minor"] == original["amount_minor"]
            assert refund["merchant_id"] == original["merchant_id"]


def test_merchant_collusion_is_round_night_sales_from_one_shared_device(
    scenarios: dict[str, list[list[Row]]],
) -> None:
    assert scenarios["merchant_collusion"]
    for rows in scenarios["merchant_collusion"]:
        assert len({r["merchant_id"] for r in rows}) == 1
        assert len({r["device_id"] for r in rows}) == 1
        assert all(r["occurred_at"].hour < 6 for r in rows)


def test_high_risk_jurisdiction_payees_are_in_call_for_action_countries(
    scenarios: dict[str, list[list[Row]]],
) -> None:
    assert scenarios["high_risk_jurisdiction"]
    for rows in scenarios["high_risk_jurisdiction"]:
        assert all(r["payee_country"] in ("KP", "IR", "MM") for r in rows)


def test_sanctioned_name_payees_are_near_misses_of_watchlist_names(
    scenarios: dict[str, list[list[Row]]],
    busy_simulation: Simulation,
) -> None:
    listed = [n for e in busy_simulation.world.watchlist for n in (e.name, *e.aliases)]
    assert scenarios["sanctioned_name_payee"]
    for rows in scenarios["sanctioned_name_payee"]:
        name = rows[0]["payee_name"]
        best = max(_similarity(name, listed_name) for listed_name in listed)
        assert best >= 0.7, name
