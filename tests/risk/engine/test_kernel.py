"""The compiled features equal the reference ``compute_features``, transaction by transaction.

Streams reach each entity in time order with distinct times (see kernel.py: late
transactions and same-instant evictions are where the two may differ by design).
"""

from __future__ import annotations

import random
from datetime import timedelta
from math import isclose

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from paytrust.risk.engine.config import DEFAULT_CONFIG, EngineConfig
from paytrust.risk.engine.features import (
    FEATURE_NAMES,
    STATE_FEATURE_NAMES,
    compute_features,
    kernel,
)
from paytrust.risk.engine.features.compute import transaction_features
from paytrust.risk.engine.features.geo import decode_point, encode_point, stored_point
from paytrust.risk.engine.features.tables import FeatureTables, feature_dicts
from paytrust.risk.engine.model import InputAssembler, feature_matrix
from paytrust.risk.engine.row import ROW_INDEX, FeatureRow
from paytrust.risk.engine.state import (
    SET_CAPACITY,
    STATE_HORIZON_S,
    EntityKey,
    EntityKind,
    EntityState,
    apply_update,
)
from paytrust.risk.engine.transaction import AuthMethod, Channel, Transaction, TransactionType
from tests.risk.engine.factories import T0, make_txn, random_stream


def varied_stream(seed: int, count: int) -> list[Transaction]:
    """Every optional field present or absent, amounts small to near the threshold, sets
    pushed past capacity, gaps past the state horizon, credential and SIM changes."""
    rng = random.Random(seed)
    at = T0
    txns = []
    for _ in range(count):
        gap = rng.choice([rng.uniform(0.001, 30), rng.uniform(30, 4_000),
                          rng.uniform(4_000, 200_000)])
        if rng.random() < 0.01:
            gap += STATE_HORIZON_S
        at += timedelta(seconds=gap)
        customer = rng.randrange(6)
        is_payment = rng.random() < 0.5
        payee = rng.choice([None, f"a{rng.randrange(8)}", f"a{customer}", f"p{rng.randrange(90)}"])
        txns.append(make_txn(
            at,
            type=rng.choice(list(TransactionType)),
            amount_minor=rng.choice([300, 1_000, 4_700_000, 4_990_000, rng.randrange(1, 10**8)]),
            currency=rng.choice(["CNY", "HKD", "USD", "JPY"]),
            customer_id=f"c{customer}",
            account_id=f"a{customer}",
            channel=rng.choice(list(Channel)),
            auth_method=rng.choice(list(AuthMethod)),
            payee_id=None if is_payment else payee,
            merchant_id=f"m{rng.randrange(3)}" if is_payment and rng.random() < 0.9 else None,
            device_id=rng.choice([None, "", f"d{rng.randrange(50)}"]),
            ip=rng.choice([None, f"10.0.{rng.randrange(3)}.{rng.randrange(90)}"]),
            country=rng.choice([None, "CN", "HK", "US", *(f"X{i}" for i in range(20))]),
            latitude=rng.choice([None, rng.uniform(-60, 60)]),
            longitude=rng.uniform(-170, 170),
            balance_before_minor=rng.choice([None, 0, 10**7]),
            credential_changed_at=rng.choice(
                [None, None, at - timedelta(hours=rng.uniform(0, 90))]),
            sim_swapped_at=rng.choice(
                [None, None, None, at - timedelta(hours=rng.uniform(0, 9))]),
        ))
    return txns


def assert_kernel_matches_reference(txns: list[Transaction], batch: int,
                                    config: EngineConfig = DEFAULT_CONFIG,
                                    tables: FeatureTables | None = None) -> None:
    tables = tables or FeatureTables()
    states: dict[EntityKey, EntityState] = {}
    for start in range(0, len(txns), batch):
        chunk = txns[start:start + batch]
        for txn, compiled in zip(chunk, tables.features(chunk, config), strict=True):
            expected, update = compute_features(txn, states, config)
            for entity_update in update:
                apply_update(states.setdefault(entity_update.key, EntityState()), entity_update)
            assert_same_features(compiled, expected, txn.transaction_id)


def assert_same_features(compiled: dict[str, object], expected: dict[str, object],
                         where: str) -> None:
    """Equal names, nulls, booleans and strings; equal numbers, but geo distances may
    differ in the last bit (the compiled sin and cos)."""
    assert compiled.keys() == expected.keys()
    for name, value in expected.items():
        actual = compiled[name]
        if isinstance(value, bool) or value is None or isinstance(value, str):
            assert actual == value, (where, name, actual, value)
            assert type(actual) is type(value), (where, name, actual, value)
        else:
            assert isinstance(actual, int | float), (where, name, actual)
            assert isinstance(value, int | float)
            assert isclose(actual, value, rel_tol=1e-12), (where, name, actual, value)


def test_the_kernel_computes_every_state_feature_and_nothing_else() -> None:
    names = set(kernel.FEATURES) | set(transaction_features(make_txn(), DEFAULT_CONFIG))
    assert names == set(STATE_FEATURE_NAMES)
    assert len(kernel.FEATURES) == len(set(kernel.FEATURES))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), batch=st.sampled_from([1, 7, 64]))
def test_compiled_features_equal_the_reference_on_varied_streams(seed: int, batch: int) -> None:
    assert_kernel_matches_reference(varied_stream(seed, 400), batch)


@settings(max_examples=500, deadline=None)
@given(coordinate=st.floats(-180.0, 180.0))
def test_a_point_is_remembered_to_the_decimal_the_reference_keeps(coordinate: float) -> None:
    latitude, longitude = decode_point(encode_point(coordinate, -coordinate))
    assert (stored_point(coordinate), stored_point(-coordinate)) == (latitude, longitude)
    assert str(stored_point(coordinate)) == str(latitude)  # the sign of a zero too


def test_compiled_features_equal_the_reference_on_a_long_mixed_stream() -> None:
    assert_kernel_matches_reference(random_stream(3, 3_000, customers=40), 256)


def test_compiled_features_follow_the_engine_config() -> None:
    config = EngineConfig(small_amount_cny=50.0, reporting_threshold_cny=20_000.0,
                          near_threshold_band=0.3, min_history_for_zscore=2,
                          min_geo_interval_s=600.0)
    assert_kernel_matches_reference(varied_stream(9, 300), 16, config)


def test_full_member_sets_evict_their_oldest_member() -> None:
    capacity = SET_CAPACITY["devices"]
    txns = [make_txn(at=i * 10.5, device_id=f"d{i}") for i in range(capacity + 3)]
    # d0..d2 were evicted; paying again from d0 is a new device, from the newest is not
    txns += [make_txn(at=1_000, device_id="d0"), make_txn(at=1_010,
                                                          device_id=f"d{capacity + 2}")]
    tables = FeatureTables()
    features = tables.features(txns, DEFAULT_CONFIG)
    assert features[-2]["customer.new_device"] is True
    assert features[-1]["customer.new_device"] is False
    assert_kernel_matches_reference(txns, 5)


def test_reading_the_inbound_view_of_an_account_creates_no_entity() -> None:
    tables = FeatureTables()
    tables.features([make_txn(payee_id="p1")], DEFAULT_CONFIG)
    assert tables.payee.find("a1") == -1
    assert tables.payee.find("p1") >= 0


def test_tables_grow_and_keep_every_entity() -> None:
    txns = [make_txn(at=i, customer_id=f"c{i}", account_id=f"a{i}", payee_id=f"a{i + 1}")
            for i in range(700)]
    tables = FeatureTables()
    tables.features(txns, DEFAULT_CONFIG)
    assert tables.customer.capacity >= 700
    assert len(tables.customer) == 700
    assert_kernel_matches_reference(txns + txns[:50], 100)


def _new_customers(tables: FeatureTables, first: int, count: int) -> list[Transaction]:
    """Transactions of ``count`` customers never seen, scored on ``tables``."""
    txns = [make_txn(at=i, customer_id=f"c{i}", account_id=f"a{i}")
            for i in range(first, first + count)]
    tables.features(txns, DEFAULT_CONFIG)
    return txns


def _assert_scores_like_fresh_tables(tables: FeatureTables, txns: list[Transaction],
                                     customer: str) -> None:
    """The next payment of ``customer`` sees what tables that only ever scored ``txns``
    would show: growing lost nothing."""
    later = make_txn(at=10_000, customer_id=customer, account_id=customer.replace("c", "a"))
    expected = FeatureTables()
    expected.features(txns, DEFAULT_CONFIG)
    assert tables.features([later], DEFAULT_CONFIG) == expected.features([later], DEFAULT_CONFIG)


def test_a_table_grows_in_place_and_keeps_every_row() -> None:
    tables = FeatureTables()
    maps = list(tables.customer._maps)
    first = tables.customer.capacity
    txns = _new_customers(tables, 0, first * 4 + 1)
    assert tables.customer.capacity == first * 8
    assert tables.customer._maps == maps  # the same maps, remapped larger: nothing copied
    assert_kernel_matches_reference(txns + txns[:20], 100)
    _assert_scores_like_fresh_tables(tables, txns, "c0")


def test_a_table_viewed_from_outside_grows_by_copying_and_the_view_stays_valid() -> None:
    tables = FeatureTables()
    txns = _new_customers(tables, 0, 10)
    held = tables.customer.arrays[1]  # pins its map: it cannot be remapped
    seen = held[:10].copy()
    txns += _new_customers(tables, 10, tables.customer.capacity)
    assert held.shape[0] < tables.customer.capacity
    np.testing.assert_array_equal(held[:10], seen)  # the old rows, still readable
    np.testing.assert_array_equal(tables.customer.arrays[1][:10], seen)
    _assert_scores_like_fresh_tables(tables, txns, "c3")


def test_new_entities_start_empty_whatever_the_memory_held() -> None:
    """Tables are allocated uninitialised; a slot is emptied when handed out."""
    tables = FeatureTables()
    for table in tables.tables:
        for array in table.arrays:
            array[...] = 7  # as if the memory still held someone's state
    assert_kernel_matches_reference(random_stream(3, 600, customers=300), 13, tables=tables)


def test_idle_entities_are_evicted_and_their_slots_come_back_empty() -> None:
    tables = FeatureTables()
    old = make_txn(at=0, device_id="d-old", payee_id="p-old")
    tables.features([old], DEFAULT_CONFIG)
    later = T0.timestamp() + STATE_HORIZON_S + 1
    assert tables.evict_idle(later) == len(compute_features(old, {}, DEFAULT_CONFIG)[1])
    assert len(tables) == 0
    # Someone new takes the freed slots and starts from nothing.
    fresh = make_txn(at=STATE_HORIZON_S + 2, customer_id="c-new", account_id="a-new",
                     device_id="d-new", payee_id="p-new")
    features = tables.features([fresh], DEFAULT_CONFIG)[0]
    expected, _ = compute_features(fresh, {}, DEFAULT_CONFIG)
    assert_same_features(features, expected, fresh.transaction_id)
    assert tables.customer.find("c-new") >= 0


def test_recently_active_entities_survive_eviction() -> None:
    tables = FeatureTables()
    tables.features([make_txn(at=0, customer_id="c-old"),
                     make_txn(at=STATE_HORIZON_S, customer_id="c-recent")], DEFAULT_CONFIG)
    tables.evict_idle(T0.timestamp() + STATE_HORIZON_S + 1)
    assert tables.customer.find("c-old") == -1
    assert tables.customer.find("c-recent") >= 0
    assert tables.account.find("a1") >= 0  # the account paid recently, with c-recent


def _customers_seen(tables: FeatureTables, count: int, *, idle_every: int) -> list[str]:
    """``count`` customers, every ``idle_every``-th last seen a horizon before the rest:
    the ids of the idle ones."""
    txns = [make_txn(transaction_id=f"t{i}", customer_id=f"c{i}", account_id=f"a{i}",
                     device_id=None, payee_id=None,
                     at=0 if i % idle_every == 0 else STATE_HORIZON_S)
            for i in range(count)]
    tables.features(sorted(txns, key=lambda txn: txn.occurred_at), DEFAULT_CONFIG)
    return [f"c{i}" for i in range(0, count, idle_every)]


def test_eviction_in_slices_forgets_what_one_sweep_forgets() -> None:
    now = T0.timestamp() + STATE_HORIZON_S + 1
    whole, sliced = FeatureTables(), FeatureTables()
    idle = _customers_seen(whole, 300, idle_every=7)
    _customers_seen(sliced, 300, idle_every=7)
    counts = list(sliced.evict_idle_in_slices(now, rows=16))
    assert len(counts) > len(sliced.tables)  # more than one slice a table
    assert sum(counts) == whole.evict_idle(now) == 2 * len(idle)  # customers and accounts
    assert sorted(sliced.customer.slots) == sorted(whole.customer.slots)
    assert all(sliced.customer.find(customer) == -1 for customer in idle)


def test_a_freed_slot_is_never_freed_again() -> None:
    """An emptied row reads as never seen, the idlest of all: sweeping it again must not
    hand the slot out twice."""
    tables = FeatureTables()
    _customers_seen(tables, 20, idle_every=2)
    now = T0.timestamp() + STATE_HORIZON_S + 1
    assert tables.evict_idle(now) == 20
    assert tables.evict_idle(now) == 0
    newcomers = [make_txn(transaction_id=f"n{i}", customer_id=f"n{i}", account_id=f"na{i}",
                          device_id=None, payee_id=None, at=STATE_HORIZON_S + 2)
                 for i in range(10)]
    tables.features(newcomers, DEFAULT_CONFIG)
    slots = [tables.customer.find(f"n{i}") for i in range(10)] + [
        tables.customer.find(f"c{i}") for i in range(1, 20, 2)]
    assert -1 not in slots
    assert len(set(slots)) == 20  # each its own slot


def test_an_entity_seen_between_slices_survives_the_sweep() -> None:
    tables = FeatureTables()
    idle = _customers_seen(tables, 100, idle_every=1)  # everyone idle
    sweep = tables.evict_idle_in_slices(T0.timestamp() + STATE_HORIZON_S + 1, rows=10)
    assert next(sweep) == 10  # the first ten customers are gone
    late = idle[-1]  # not yet swept: seen again now, it is no longer idle
    tables.features([make_txn(transaction_id="back", customer_id=late, account_id="a-back",
                              device_id=None, payee_id=None, at=STATE_HORIZON_S + 2)],
                    DEFAULT_CONFIG)
    list(sweep)
    assert tables.customer.find(late) >= 0
    assert len(tables.customer) == 1


def test_memory_per_entity_is_fixed_by_its_kind() -> None:
    tables = FeatureTables()
    assert tables.customer.memory_per_entity() < 8_192
    assert tables.ip.memory_per_entity() < tables.customer.memory_per_entity()
    assert EntityKind.CUSTOMER.value == kernel.KINDS[0]


def test_model_inputs_gathered_from_the_compiled_features_equal_those_read_from_dicts() -> None:
    names = (*FEATURE_NAMES, "txn.type", "txn.channel", "txn.merchant_category")
    categories = {"txn.type": {"payment": 0.0, "refund": 1.0},
                  "txn.channel": {"qr": 0.0, "in_app": 1.0},
                  "txn.merchant_category": {"5812": 0.0}}
    txns = varied_stream(21, 300)
    tables = FeatureTables()
    state = tables.compute(txns, DEFAULT_CONFIG)
    dicts = feature_dicts(txns, state, DEFAULT_CONFIG)
    rows = [FeatureRow.of(features).row for features in dicts]
    gathered = InputAssembler(names, categories, kernel.FEATURES, ROW_INDEX).matrix(state, rows)
    expected = feature_matrix(names, categories, dicts)
    assert np.array_equal(gathered, expected, equal_nan=True)
