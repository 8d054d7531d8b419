"""One suite for every state store: memory and Redis must behave the same."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from paytrust.risk.adapters.scorer import Scorer
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.adapters.state_store import StateStore
from paytrust.risk.engine.config import DEFAULT_CONFIG
from paytrust.risk.engine.engine import Engine
from paytrust.risk.engine.features import compute_features, state_keys
from paytrust.risk.engine.lists import ListSnapshot
from paytrust.risk.engine.state import (
    SET_CAPACITY,
    STATE_HORIZON_S,
    EntityKind,
    EntityState,
    EntityUpdate,
    apply_update,
)
from tests.risk.engine.factories import make_txn, random_stream

pytestmark = pytest.mark.anyio

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _reference(updates: list[EntityUpdate]) -> dict[object, EntityState]:
    states: dict[object, EntityState] = {}
    for update in updates:
        apply_update(states.setdefault(update.key, EntityState()), update)
    return states


def _same(actual: EntityState, expected: EntityState) -> None:
    assert actual.buckets.keys() == expected.buckets.keys()
    for resolution, buckets in expected.buckets.items():
        assert actual.buckets[resolution].keys() == buckets.keys()
        for index, values in buckets.items():
            assert actual.buckets[resolution][index] == pytest.approx(values)
    assert actual.totals == pytest.approx(expected.totals)
    assert actual.maxima == pytest.approx(expected.maxima)
    assert actual.members.keys() == expected.members.keys()
    for name, members in expected.members.items():
        assert actual.members[name] == members


async def test_unknown_entities_are_absent_from_the_snapshot(store: StateStore) -> None:
    assert await store.read([(EntityKind.CUSTOMER, "nobody")]) == {}


async def test_applied_updates_read_back_as_the_reference_state(store: StateStore) -> None:
    updates: list[EntityUpdate] = []
    states: dict[object, EntityState] = {}
    for txn in random_stream(7, 120, customers=5):
        snapshot = await store.read(state_keys(txn))
        features, update = compute_features(txn, snapshot, DEFAULT_CONFIG)
        await store.apply(update)
        updates.extend(update)
        expected_features, _ = compute_features(txn, states, DEFAULT_CONFIG)  # type: ignore[arg-type]
        assert features == pytest.approx(expected_features, nan_ok=True)
        for entity_update in update:
            apply_update(states.setdefault(entity_update.key, EntityState()), entity_update)
    expected = _reference(updates)
    snapshot = await store.read(expected)  # type: ignore[arg-type]
    assert snapshot.keys() == expected.keys()
    for key, state in expected.items():
        _same(snapshot[key], state)  # type: ignore[index]


async def test_updates_commute_so_concurrent_scorers_lose_nothing(store: StateStore) -> None:
    updates = [entity_update for txn in random_stream(3, 60, customers=3)
               for entity_update in compute_features(txn, {}, DEFAULT_CONFIG)[1]]
    random.Random(1).shuffle(updates)
    for start in range(0, len(updates), 7):  # interleaved small writes, in shuffled order
        await store.apply(tuple(updates[start:start + 7]))
    expected = _reference(sorted(updates, key=lambda update: update.at))
    snapshot = await store.read(expected)  # type: ignore[arg-type]
    for key, state in expected.items():
        assert snapshot[key].totals == pytest.approx(state.totals)  # type: ignore[index]
        assert snapshot[key].maxima == pytest.approx(state.maxima)  # type: ignore[index]
        assert snapshot[key].members == state.members  # type: ignore[index]


async def test_member_sets_keep_only_their_most_recent_members(store: StateStore) -> None:
    capacity = SET_CAPACITY["devices"]
    txns = [make_txn(at=i, device_id=f"d{i:03d}") for i in range(capacity + 5)]
    for txn in txns:
        await store.apply(compute_features(txn, {}, DEFAULT_CONFIG)[1])
    state = (await store.read([(EntityKind.CUSTOMER, "c1")]))[(EntityKind.CUSTOMER, "c1")]
    assert sorted(state.members["devices"]) == [f"d{i:03d}" for i in range(5, capacity + 5)]


async def test_expired_buckets_are_removed(store: StateStore) -> None:
    key = (EntityKind.DEVICE, "d")
    await store.apply((EntityUpdate(key, 0.0, (1.0,) * 6),))
    await store.apply((EntityUpdate(key, 100 * 86_400.0, (1.0,) * 6,
                                    expired=((10, 0), (300, 0), (3_600, 0), (86_400, 0))),))
    state = (await store.read([key]))[key]
    assert all(0 not in buckets for buckets in state.buckets.values())
    assert all(len(buckets) == 1 for buckets in state.buckets.values())


async def test_members_older_than_the_horizon_are_forgotten(store: StateStore) -> None:
    key = (EntityKind.IP, "1.1.1.1")
    await store.apply((EntityUpdate(key, 0.0, (1.0,) * 6, members=(("customers", "old"),)),))
    later = STATE_HORIZON_S + 10.0
    await store.apply((EntityUpdate(key, later, (1.0,) * 6, members=(("customers", "new"),)),))
    state = (await store.read([key]))[key]
    assert state.members["customers"] == {"new": later}


async def test_batch_scoring_equals_one_by_one_scoring(store: StateStore) -> None:
    txns = random_stream(11, 80, customers=4)
    single = Scorer(Engine(None, ListSnapshot()), MemoryStateStore(), clock=lambda: NOW)
    batched = Scorer(Engine(None, ListSnapshot()), store, clock=lambda: NOW)
    one_by_one = [await single.score(txn) for txn in txns]
    in_batches = [result for start in range(0, len(txns), 25)
                  for result in await batched.score_batch(txns[start:start + 25])]
    for expected, actual in zip(one_by_one, in_batches, strict=True):
        assert actual.transaction_id == expected.transaction_id
        assert actual.decision == expected.decision
        assert dict(actual.features) == pytest.approx(dict(expected.features), nan_ok=True)
