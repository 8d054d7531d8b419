from __future__ import annotations

from datetime import timedelta
from math import log1p, sqrt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paytrust.risk.engine.config import DEFAULT_CONFIG
from paytrust.risk.engine.features import STATE_FEATURE_NAMES, compute_features
from paytrust.risk.engine.features.windows import WINDOWS
from paytrust.risk.engine.state import (
    RESOLUTIONS,
    SET_CAPACITY,
    EntityKey,
    EntityKind,
    EntityState,
    apply_update,
)
from paytrust.risk.engine.transaction import TransactionType
from tests.risk.engine.factories import T0, features_after, make_txn, random_stream


def test_every_state_feature_is_computed_and_nothing_else() -> None:
    features, _ = compute_features(make_txn(), {}, DEFAULT_CONFIG)
    assert set(features) == set(STATE_FEATURE_NAMES)


def test_features_without_optional_entities_are_still_complete() -> None:
    txn = make_txn(payee_id="p1", device_id="d1", ip="1.1.1.1", merchant_id="m1")
    full, _ = compute_features(txn, {}, DEFAULT_CONFIG)
    bare, _ = compute_features(make_txn(), {}, DEFAULT_CONFIG)
    assert set(full) == set(bare)


def test_window_counts_the_history_before_the_transaction() -> None:
    history = [make_txn(at=0), make_txn(at=5)]
    features = features_after(history, make_txn(at=8))
    assert features["customer.count_1m"] == 2
    assert features["customer.count_1h"] == 2


def test_one_minute_window_slides_out_bucket_by_bucket() -> None:
    history = [make_txn(at=0)]  # bucket [0, 10)
    assert features_after(history, make_txn(at=59))["customer.count_1m"] == 1
    # At 60 s the window is buckets [10, 70): the first transaction has slid out.
    assert features_after(history, make_txn(at=60))["customer.count_1m"] == 0
    assert features_after(history, make_txn(at=60))["customer.count_1h"] == 1


def test_day_and_month_windows_slide_out() -> None:
    history = [make_txn(at=0, amount_minor=30_000)]
    day = 86_400
    assert features_after(history, make_txn(at=day - 1))["customer.amount_24h"] == 300.0
    assert features_after(history, make_txn(at=day))["customer.amount_24h"] == 0.0
    assert features_after(history, make_txn(at=6 * day))["customer.amount_7d"] == 300.0
    assert features_after(history, make_txn(at=7 * day))["customer.amount_7d"] == 0.0
    assert features_after(history, make_txn(at=29 * day))["customer.count_30d"] == 1
    assert features_after(history, make_txn(at=30 * day))["customer.count_30d"] == 0


def test_sums_are_converted_to_cny_with_the_fx_table() -> None:
    history = [make_txn(at=0, currency="USD", amount_minor=10_000)]  # USD 100
    features = features_after(history, make_txn(at=10, currency="JPY", amount_minor=1_000))
    rate = DEFAULT_CONFIG.cny_per_major_unit
    assert features["customer.amount_1h"] == pytest.approx(100 * rate["USD"])
    assert features["txn.amount"] == pytest.approx(1_000 * rate["JPY"])  # JPY has no minor unit


def test_amount_zscore_compares_with_the_customers_own_log_amounts() -> None:
    amounts = [10_000, 20_000, 10_000, 20_000, 10_000, 20_000]
    history = [make_txn(at=i * 100, amount_minor=a) for i, a in enumerate(amounts)]
    features = features_after(history, make_txn(at=1_000, amount_minor=500_000))
    logs = [log1p(a / 100) for a in amounts]
    mean = sum(logs) / len(logs)
    std = sqrt(sum(x * x for x in logs) / len(logs) - mean * mean)
    assert features["customer.amount_zscore"] == pytest.approx((log1p(5_000) - mean) / std)


def test_amount_zscore_needs_some_history() -> None:
    history = [make_txn(at=i) for i in range(DEFAULT_CONFIG.min_history_for_zscore - 1)]
    assert features_after(history, make_txn(at=100))["customer.amount_zscore"] is None


def test_geo_velocity_between_consecutive_points() -> None:
    shanghai = {"latitude": 31.2304, "longitude": 121.4737}
    beijing = {"latitude": 39.9042, "longitude": 116.4074}
    history = [make_txn(at=0, **shanghai)]
    features = features_after(history, make_txn(at=3_600, **beijing))
    assert features["txn.distance_from_last_km"] == pytest.approx(1_068, abs=5)
    assert features["txn.geo_velocity_kmh"] == pytest.approx(1_068, abs=5)


def test_geo_velocity_uses_a_minimum_interval_for_near_simultaneous_points() -> None:
    history = [make_txn(at=0, latitude=0.0, longitude=0.0)]
    features = features_after(history, make_txn(at=1, latitude=0.0, longitude=1.0))
    minimum_hours = DEFAULT_CONFIG.min_geo_interval_s / 3_600
    assert features["txn.geo_velocity_kmh"] == pytest.approx(111.19 / minimum_hours, rel=1e-3)


def test_geo_features_are_null_without_a_previous_point() -> None:
    features = features_after([make_txn(at=0)], make_txn(at=10, latitude=1.0, longitude=1.0))
    assert features["txn.geo_velocity_kmh"] is None


def test_fan_in_counts_distinct_senders_into_a_payee() -> None:
    history = [make_txn(at=i * 60, account_id=f"a{i % 4}", customer_id=f"c{i}", payee_id="mule")
               for i in range(10)]
    features = features_after(history, make_txn(at=1_000, account_id="a9", payee_id="mule"))
    assert features["payee.distinct_senders_24h"] == 4
    assert features["payee.count_24h"] == 10


def test_fan_out_counts_distinct_payees_of_an_account() -> None:
    history = [make_txn(at=i * 60, payee_id=f"p{i % 3}") for i in range(6)]
    features = features_after(history, make_txn(at=1_000, payee_id="p9"))
    assert features["account.distinct_payees_1h"] == 3
    assert features["customer.new_payee"] is True


def test_cash_out_after_fan_in_sees_what_the_account_received() -> None:
    inflows = [make_txn(at=i * 60, customer_id=f"s{i}", account_id=f"s{i}", payee_id="mule",
                        amount_minor=100_000) for i in range(5)]
    cash_out = make_txn(at=3_600, customer_id="m", account_id="mule",
                        type=TransactionType.CASH_OUT, amount_minor=450_000)
    features = features_after(inflows, cash_out)
    assert features["account.inbound_distinct_senders_24h"] == 5
    assert features["account.inbound_amount_24h"] == 5_000.0
    assert features["txn.outflow_to_inflow_24h"] == pytest.approx(0.9)
    assert features["account.hours_since_last_inbound"] == pytest.approx((3_600 - 240) / 3_600)


def test_new_device_payee_and_country_are_relative_to_the_customer() -> None:
    history = [make_txn(at=0, device_id="d1", payee_id="p1", country="CN")]
    known = features_after(history, make_txn(at=60, device_id="d1", payee_id="p1", country="CN"))
    new = features_after(history, make_txn(at=60, device_id="d2", payee_id="p2", country="TH"))
    assert (known["customer.new_device"], known["customer.new_payee"],
            known["customer.new_country"]) == (False, False, False)
    assert (new["customer.new_device"], new["customer.new_payee"],
            new["customer.new_country"]) == (True, True, True)


def test_dormancy_is_days_since_the_previous_payment() -> None:
    history = [make_txn(at=0)]
    features = features_after(history, make_txn(at=120 * 86_400))
    assert features["account.days_since_last"] == pytest.approx(120)
    assert features["customer.days_since_first"] == pytest.approx(120)


def test_near_threshold_amounts_are_counted_for_structuring() -> None:
    history = [make_txn(at=i * 3_600, amount_minor=amount)
               for i, amount in enumerate([4_900_000, 4_600_000, 5_000_000, 4_400_000])]
    features = features_after(history, make_txn(at=86_000, amount_minor=4_950_000))
    assert features["customer.near_threshold_count_24h"] == 2  # 49,000 and 46,000 only
    assert features["txn.is_near_threshold"] is True


def test_small_amount_bursts_are_counted_per_device_and_merchant() -> None:
    history = [make_txn(at=i * 5, amount_minor=100, device_id="d", merchant_id="m",
                        customer_id=f"c{i}", account_id=f"a{i}") for i in range(8)]
    features = features_after(history, make_txn(at=60, amount_minor=100, device_id="d",
                                                merchant_id="m"))
    assert features["device.small_count_1h"] == 8
    assert features["merchant.small_count_1h"] == 8
    assert features["device.distinct_customers_24h"] == 8


def test_security_changes_are_remembered_after_the_payment_that_reported_them() -> None:
    history = [make_txn(at=0, sim_swapped_at=T0 - timedelta(hours=2))]
    features = features_after(history, make_txn(at=3_600))
    assert features["customer.hours_since_sim_swap"] == pytest.approx(3)
    assert features["customer.hours_since_credential_change"] is None


def test_refund_ratio_is_refunds_per_payment() -> None:
    history = [make_txn(at=i, merchant_id="m", type=TransactionType.PAYMENT) for i in range(4)]
    history += [make_txn(at=10 + i, merchant_id="m", type=TransactionType.REFUND)
                for i in range(2)]
    features = features_after(history, make_txn(at=100, merchant_id="m"))
    assert features["customer.refund_ratio_30d"] == 0.5
    assert features["merchant.refund_ratio_30d"] == 0.5


def test_merchant_self_dealing_signals() -> None:
    history = [make_txn(at=i * 60, merchant_id="m", device_id="d1",
                        type=TransactionType.PAYMENT) for i in range(6)]
    features = features_after(history, make_txn(at=1_000, merchant_id="m", device_id="d1"))
    assert features["merchant.payments_per_device_24h"] == 6
    assert features["merchant.device_repeat_24h"] is True
    assert features["merchant.customer_repeat_24h"] is True


def test_balance_drain_ratio() -> None:
    features = features_after([], make_txn(amount_minor=90_000, balance_before_minor=100_000))
    assert features["txn.balance_drain_ratio"] == 0.9
    assert features_after([], make_txn())["txn.balance_drain_ratio"] is None


def _brute_force_window(history: list[tuple[float, float]], at: float, window: str) -> tuple[
        int, float]:
    """Count and CNY sum of the history in ``window``, by its bucket definition."""
    resolution, buckets = WINDOWS[window]
    first_bucket = int(at // resolution) - buckets + 1
    inside = [amount for when, amount in history if int(when // resolution) >= first_bucket]
    return len(inside), sum(inside)


_offsets = st.lists(st.integers(min_value=0, max_value=40 * 86_400), min_size=1, max_size=40)
_amounts = st.integers(min_value=1, max_value=10**8)


@settings(max_examples=60, deadline=None)
@given(offsets=_offsets, amounts=st.lists(_amounts, min_size=40, max_size=40))
def test_windows_equal_brute_force_recomputation_over_the_history(
    offsets: list[int], amounts: list[int]
) -> None:
    times = sorted(offsets)
    txns = [make_txn(at=t, amount_minor=a) for t, a in zip(times, amounts, strict=False)]
    features = features_after(txns[:-1], txns[-1])
    history = [(t, a / 100) for t, a in zip(times[:-1], amounts, strict=False)]
    for window in ("1m", "1h", "24h", "7d", "30d"):
        count, total = _brute_force_window(history, times[-1], window)
        assert features[f"customer.count_{window}"] == count
        if window != "1m":
            assert features[f"customer.amount_{window}"] == pytest.approx(total)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_state_stays_bounded_and_counts_never_go_negative(seed: int) -> None:
    states: dict[EntityKey, EntityState] = {}
    for txn in random_stream(seed, 150, customers=4):
        features, update = compute_features(txn, states, DEFAULT_CONFIG)
        assert all(value >= 0 for name, value in features.items()
                   if isinstance(value, int | float) and "zscore" not in name
                   and ("count" in name or "amount" in name))
        for entity_update in update:
            apply_update(states.setdefault(entity_update.key, EntityState()), entity_update)
    for state in states.values():
        for resolution, kept in RESOLUTIONS.items():
            assert len(state.buckets.get(resolution, {})) <= kept + 1
        for name, members in state.members.items():
            assert len(members) <= SET_CAPACITY[name]


def test_inbound_view_of_the_paying_account_is_read_not_written() -> None:
    _, update = compute_features(make_txn(payee_id="p1"), {}, DEFAULT_CONFIG)
    keys = [entity_update.key for entity_update in update]
    assert (EntityKind.PAYEE, "a1") not in keys
    assert (EntityKind.PAYEE, "p1") in keys


def test_recent_refunds_are_counted_per_window() -> None:
    pay = [make_txn(at=i * 2_400, type=TransactionType.PAYMENT, merchant_id="m1")
           for i in range(3)]
    refunds = [make_txn(at=i * 2_400 + 1_200, type=TransactionType.REFUND, merchant_id="m1",
                        amount_minor=10_000) for i in range(3)]
    history = sorted(pay + refunds, key=lambda txn: txn.occurred_at)
    features = features_after(history, make_txn(at=7_300, type=TransactionType.REFUND))
    assert features["customer.refund_count_24h"] == 3
    assert features["customer.refund_amount_24h"] == pytest.approx(300.0)
    assert features["customer.refund_count_1h"] == 1  # the one at 6,000 s, in the same hour
