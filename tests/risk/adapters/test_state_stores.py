"""The state stores: memory (the compiled features' tables) and Redis (shared snapshots)
must score alike; Redis's own state must read back as the reference state."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from paytrust.risk.adapters.scorer import Scorer
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.adapters.state_store import SharedStateStore, StateStore
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
from tests.risk.engine.factories import make_txn, random_stream, replay

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


# --- every store ----------------------------------------------------------------------------
async def test_scoring_through_the_store_gives_the_reference_features(store: StateStore) -> None:
    scorer = Scorer(Engine(None, ListSnapshot()), store, clock=lambda: NOW)
    txns = random_stream(5, 150, customers=6)
    for position, txn in enumerate(txns):
        expected, _ = replay(txns[: position + 1])
        result = await scorer.score(txn)
        assert {name: result.features[name] for name in expected} == pytest.approx(
            expected, nan_ok=True)


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


# --- shared stores: their state is the reference's --------------------------------------------
async def test_unknown_entities_are_absent_from_the_snapshot(
    shared_store: SharedStateStore,
) -> None:
    assert await shared_store.read([(EntityKind.CUSTOMER, "nobody")]) == {}


async def test_applied_updates_read_back_as_the_reference_state(
    shared_store: SharedStateStore,
) -> None:
    updates: list[EntityUpdate] = []
    for txn in random_stream(7, 120, customers=5):
        snapshot = await shared_store.read(state_keys(txn))
        _, update = compute_features(txn, snapshot, DEFAULT_CONFIG)
        await shared_store.apply(update)
        updates.extend(update)
    expected = _reference(updates)
    snapshot = await shared_store.read(expected)  # type: ignore[arg-type]
    assert snapshot.keys() == expected.keys()
    for key, state in expected.items():
        _same(snapshot[key], state)  # type: ignore[index]


async def test_updates_commute_so_concurrent_scorers_lose_nothing(
    shared_store: SharedStateStore,
) -> None:
    updates = [entity_update for txn in random_stream(3, 60, customers=3)
               for entity_update in compute_features(txn, {}, DEFAULT_CONFIG)[1]]
    random.Random(1).shuffle(updates)
    for start in range(0, len(updates), 7):  # interleaved small writes, in shuffled order
        await shared_store.apply(tuple(updates[start:start + 7]))
    expected = _reference(sorted(updates, key=lambda update: update.at))
    snapshot = await shared_store.read(expected)  # type: ignore[arg-type]
    for key, state in expected.items():
        assert snapshot[key].totals == pytest.approx(state.totals)  # type: ignore[index]
        assert snapshot[key].maxima == pytest.approx(state.maxima)  # type: ignore[index]
        assert snapshot[key].members == state.members  # type: ignore[index]


async def test_member_sets_keep_only_their_most_recent_members(
    shared_store: SharedStateStore,
) -> None:
    capacity = SET_CAPACITY["devices"]
    txns = [make_txn(at=i, device_id=f"d{i:03d}") for i in range(capacity + 5)]
    for txn in txns:
        await shared_store.apply(compute_features(txn, {}, DEFAULT_CONFIG)[1])
    state = (await shared_store.read([(EntityKind.CUSTOMER, "c1")]))[(EntityKind.CUSTOMER, "c1")]
    assert sorted(state.members["devices"]) == [f"d{i:03d}" for i in range(5, capacity + 5)]


async def test_expired_buckets_are_removed(shared_store: SharedStateStore) -> None:
    key = (EntityKind.DEVICE, "d")
    await shared_store.apply((EntityUpdate(key, 0.0, (1.0,) * 6),))
    await shared_store.apply((EntityUpdate(key, 100 * 86_400.0, (1.0,) * 6,
                                           expired=((300, 0), (3_600, 0))),))
    state = (await shared_store.read([key]))[key]
    assert sorted(state.buckets) == [300, 3_600]  # a device keeps the 1 h and 24 h windows
    assert all(0 not in buckets for buckets in state.buckets.values())
    assert all(len(buckets) == 1 for buckets in state.buckets.values())


async def test_members_older_than_the_horizon_are_forgotten(
    shared_store: SharedStateStore,
) -> None:
    key = (EntityKind.IP, "1.1.1.1")
    await shared_store.apply((EntityUpdate(key, 0.0, (1.0,) * 6,
                                           members=(("customers", "old"),)),))
    later = STATE_HORIZON_S + 10.0
    await shared_store.apply((EntityUpdate(key, later, (1.0,) * 6,
                                           members=(("customers", "new"),)),))
    state = (await shared_store.read([key]))[key]
    assert state.members["customers"] == {"new": later}
