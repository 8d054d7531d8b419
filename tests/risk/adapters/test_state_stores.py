"""The state stores: memory (the compiled features' tables) and Redis (records of the same
rows, updated by a Lua script) must score alike, and Redis's records must hold what the
memory tables hold after the same transactions."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pytest
from redis import Redis
from redis.connection import Connection

from paytrust.risk.adapters import state_redis
from paytrust.risk.adapters.scorer import Scorer
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.adapters.state_redis import RedisStateStore
from paytrust.risk.adapters.state_store import StateStore, StateStoreUnavailable
from paytrust.risk.engine.config import DEFAULT_CONFIG
from paytrust.risk.engine.engine import Engine
from paytrust.risk.engine.features import kernel, state_keys
from paytrust.risk.engine.features.tables import (
    EVICTION_SLICE_ROWS,
    FeatureTables,
    KindTable,
    member_hash,
    record_layout,
)
from paytrust.risk.engine.lists import ListSnapshot
from paytrust.risk.engine.state import SET_CAPACITY, STATE_HORIZON_S, EntityKey, EntityKind
from paytrust.risk.engine.transaction import Transaction
from tests.risk.adapters.conftest import REDIS_URL
from tests.risk.engine.factories import make_txn, random_stream, replay

pytestmark = pytest.mark.anyio

NOW = datetime(2024, 6, 1, tzinfo=UTC)
_KINDS = [EntityKind(name) for name in kernel.KINDS]


def _scorer(store: StateStore) -> Scorer:
    return Scorer(Engine(None, ListSnapshot()), store, clock=lambda: NOW)


def _memory_tables_after(txns: Sequence[Transaction]) -> FeatureTables:
    """The in-memory tables after ``txns``, members named as a shared store names them."""
    tables = FeatureTables(member_hash)
    tables.compute(txns, DEFAULT_CONFIG)
    return tables


def _keys(txns: Sequence[Transaction]) -> list[EntityKey]:
    return list(dict.fromkeys(key for txn in txns for key in state_keys(txn)))


def _row(table: KindTable, slot: int) -> tuple[object, ...]:
    """An entity's state as comparable values: ring buckets and scalars as stored, member sets
    as {hash: last seen} (the columns past a set's count are leftovers)."""
    buckets, scalars, hashes, times, counts = (array[slot] for array in table.arrays)
    sets = []
    first = 0
    for which, (_, capacity) in enumerate(kernel.SETS[table.kind]):
        used = range(first, first + int(counts[which]))
        sets.append({int(hashes[c]): float(times[c]) for c in used})
        first += capacity
    return buckets.tolist(), scalars.tolist(), sets


def _assert_same_state(actual: FeatureTables, expected: FeatureTables, *,
                       exact: bool = True) -> None:
    for kind, (got, want) in enumerate(zip(actual.tables, expected.tables, strict=True)):
        assert got.slots.keys() == want.slots.keys(), kernel.KINDS[kind]
        for entity_id, slot in want.slots.items():
            got_row, want_row = _row(got, got.slots[entity_id]), _row(want, slot)
            if exact:
                assert got_row == want_row, (kernel.KINDS[kind], entity_id)
            else:  # sums added in another order differ in the last bits
                for got_numbers, want_numbers in zip(got_row[:2], want_row[:2], strict=True):
                    np.testing.assert_allclose(got_numbers, want_numbers, rtol=1e-12,
                                               err_msg=f"{kernel.KINDS[kind]} {entity_id}")
                assert got_row[2] == want_row[2], (kernel.KINDS[kind], entity_id)


# --- every store ----------------------------------------------------------------------------
async def test_scoring_through_the_store_gives_the_reference_features(store: StateStore) -> None:
    scorer = _scorer(store)
    txns = random_stream(5, 150, customers=6)
    for position, txn in enumerate(txns):
        expected, _ = replay(txns[: position + 1])
        result = await scorer.score(txn)
        assert {name: result.features[name] for name in expected} == pytest.approx(
            expected, nan_ok=True)


async def test_batch_scoring_equals_one_by_one_scoring(store: StateStore) -> None:
    txns = random_stream(11, 80, customers=4)
    single = _scorer(MemoryStateStore())
    batched = _scorer(store)
    one_by_one = [await single.score(txn) for txn in txns]
    in_batches = [result for start in range(0, len(txns), 25)
                  for result in await batched.score_batch(txns[start:start + 25])]
    for expected, actual in zip(one_by_one, in_batches, strict=True):
        assert actual.transaction_id == expected.transaction_id
        assert actual.decision == expected.decision
        assert dict(actual.features) == pytest.approx(dict(expected.features), nan_ok=True)


# --- Redis: its records hold the memory tables' rows -----------------------------------------
async def test_unknown_entities_are_absent(shared_store: RedisStateStore) -> None:
    assert len(await shared_store.tables([(EntityKind.CUSTOMER, "nobody")])) == 0


async def test_records_hold_what_the_memory_tables_hold(shared_store: RedisStateStore) -> None:
    txns = random_stream(7, 400, customers=6)
    scorer = _scorer(shared_store)
    for start in range(0, len(txns), 9):
        await scorer.score_batch(txns[start:start + 9])
    _assert_same_state(await shared_store.tables(_keys(txns)), _memory_tables_after(txns))


async def test_a_record_is_the_row_of_the_kernel_table(shared_store: RedisStateStore) -> None:
    txns = random_stream(3, 60, customers=2)
    batches = [txns[:30], txns[30:]]
    for batch in batches:
        await _scorer(shared_store).score_batch(batch)
    expected = _memory_tables_after(txns)
    for kind, table in zip(_KINDS, expected.tables, strict=True):
        for entity_id, slot in table.slots.items():
            value = await shared_store.client.get(shared_store.key((kind, entity_id)))
            assert value is not None
            stored = value[state_redis.VERSION_BYTES:]
            assert stored == table.record(slot)
            reloaded = KindTable(table.kind)
            reloaded.load([entity_id], [stored])
            assert _row(reloaded, 0) == _row(table, slot)


async def test_every_record_expires_after_the_state_horizon(
    shared_store: RedisStateStore,
) -> None:
    txn = make_txn(device_id="d1", ip="10.0.0.1", merchant_id="m1")
    await _scorer(shared_store).score(txn)
    keys = [shared_store.key(key) for key in state_keys(txn)]
    ttls = [await shared_store.client.ttl(key) for key in keys]
    # the paying account's inbound view is read, never written
    assert ttls[2] == -2
    assert all(0 < ttl <= STATE_HORIZON_S for position, ttl in enumerate(ttls) if position != 2)


async def test_a_batch_that_fails_to_score_writes_nothing(shared_store: RedisStateStore) -> None:
    def fail(tables: FeatureTables) -> None:
        raise RuntimeError("scoring failed")

    with pytest.raises(RuntimeError, match="scoring failed"):
        await shared_store.score_with([make_txn()], DEFAULT_CONFIG, fail)
    assert len(await shared_store.tables(state_keys(make_txn()))) == 0


async def test_a_batch_that_cannot_write_fails_whole(
    shared_store: RedisStateStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(state_redis, "MAX_ATTEMPTS", 1)
    txn = make_txn(device_id="d1", merchant_id="m1")
    customer = shared_store.key((EntityKind.CUSTOMER, txn.customer_id))
    with Redis.from_url(REDIS_URL) as interloper:
        def score_while_another_scorer_writes(tables: FeatureTables) -> None:
            interloper.set(customer, b"another scorer's record")

        with pytest.raises(state_redis.StateConflict, match="nothing was written"):
            await shared_store.score_with([txn], DEFAULT_CONFIG, score_while_another_scorer_writes)
    assert await shared_store.client.get(customer) == b"another scorer's record"
    others = [shared_store.key(key) for key in state_keys(txn)[1:]]
    assert await shared_store.client.exists(*others) == 0


async def test_a_record_written_meanwhile_gets_the_batch_applied_to_it_again(
    shared_store: RedisStateStore,
) -> None:
    """Another scorer writes a record between this batch's read and its write: the write is
    refused whole, and the batch's updates are applied again, to that scorer's record."""
    earlier, txn = make_txn(at=0, amount_minor=1_000), make_txn(at=1, amount_minor=2_000)
    customer = shared_store.key((EntityKind.CUSTOMER, txn.customer_id))
    theirs = _memory_tables_after([earlier]).customer
    their_value = b"theirs-1" + theirs.record(theirs.slots[txn.customer_id])
    with Redis.from_url(REDIS_URL) as interloper:
        def score_while_another_scorer_writes(tables: FeatureTables) -> None:
            tables.compute([txn], DEFAULT_CONFIG)
            interloper.set(customer, their_value)

        await shared_store.score_with([txn], DEFAULT_CONFIG, score_while_another_scorer_writes)
    assert shared_store.conflicts == 1
    value = await shared_store.client.get(customer)
    assert value is not None
    assert value[:state_redis.VERSION_BYTES] != b"theirs-1"
    stored = await shared_store.tables([(EntityKind.CUSTOMER, txn.customer_id)])
    both = _memory_tables_after([earlier, txn]).customer
    assert _row(stored.customer, 0) == _row(both, both.slots[txn.customer_id])


async def test_a_record_that_expires_meanwhile_gets_the_batch_applied_to_a_new_entity(
    shared_store: RedisStateStore,
) -> None:
    earlier, txn = make_txn(at=0), make_txn(at=1)
    await _scorer(shared_store).score(earlier)
    customer = shared_store.key((EntityKind.CUSTOMER, txn.customer_id))
    with Redis.from_url(REDIS_URL) as interloper:
        def score_while_the_record_expires(tables: FeatureTables) -> None:
            tables.compute([txn], DEFAULT_CONFIG)
            interloper.delete(customer)

        await shared_store.score_with([txn], DEFAULT_CONFIG, score_while_the_record_expires)
    assert shared_store.conflicts == 1
    stored = await shared_store.tables([(EntityKind.CUSTOMER, txn.customer_id)])
    alone = _memory_tables_after([txn]).customer
    assert _row(stored.customer, 0) == _row(alone, alone.slots[txn.customer_id])


async def test_every_write_stores_a_new_version(shared_store: RedisStateStore) -> None:
    customer = shared_store.key((EntityKind.CUSTOMER, "c1"))
    versions = []
    for at in range(3):
        await _scorer(shared_store).score(make_txn(at=at))
        value = await shared_store.client.get(customer)
        assert value is not None
        versions.append(value[:state_redis.VERSION_BYTES])
    assert len(set(versions)) == 3
    assert all(len(v) == state_redis.VERSION_BYTES for v in versions)


async def test_a_record_it_cannot_read_is_scored_as_new_and_mended(
    shared_store: RedisStateStore, caplog: pytest.LogCaptureFixture,
) -> None:
    history = random_stream(5, 40, customers=1)
    await _scorer(shared_store).score_batch(history)
    customer = (EntityKind.CUSTOMER, history[0].customer_id)
    await shared_store.client.set(shared_store.key(customer), b"not a record")
    txn = make_txn(history[-1].occurred_at, customer_id=history[0].customer_id)

    result = await _scorer(shared_store).score(txn)

    assert result.features["customer.history_count"] == 0  # scored as a customer never seen
    assert "not one this version reads" in caplog.text
    mended = await shared_store.tables([customer])
    assert _row(mended.customer, mended.customer.slots[customer[1]]) == _row(
        *_only(_memory_tables_after([txn]).customer))


async def test_a_key_holding_another_type_is_scored_as_new_and_replaced(
    shared_store: RedisStateStore,
) -> None:
    txn = make_txn()
    customer = shared_store.key((EntityKind.CUSTOMER, txn.customer_id))
    await shared_store.client.hset(customer, "field", "another program's hash")

    result = await _scorer(shared_store).score(txn)

    assert result.features["customer.history_count"] == 0
    assert await shared_store.client.type(customer) == b"string"
    stored = await shared_store.tables([(EntityKind.CUSTOMER, txn.customer_id)])
    assert _row(stored.customer, 0) == _row(*_only(_memory_tables_after([txn]).customer))


def _only(table: KindTable) -> tuple[KindTable, int]:
    (slot,) = table.slots.values()
    return table, slot


async def test_an_unreachable_redis_is_reported_as_unavailable() -> None:
    nobody = RedisStateStore.from_url("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        with pytest.raises(StateStoreUnavailable, match="Redis cannot be reached"):
            await nobody.score_with([make_txn()], DEFAULT_CONFIG, lambda tables: None)
    finally:
        await nobody.close()


async def test_updates_commute_so_concurrent_scorers_lose_nothing(
    shared_store: RedisStateStore,
) -> None:
    """Two processes' scorers on one Redis, each given a shuffled share of one stream: the
    state ends as if one scorer had seen the stream in order. Within 50 seconds no ring
    bucket is reused, so every update commutes."""
    rng = random.Random(4)
    txns = [make_txn(at=rng.uniform(0, 50), customer_id=f"c{rng.randrange(3)}",
                     account_id=f"a{rng.randrange(3)}", device_id=f"d{rng.randrange(4)}",
                     ip=f"10.0.0.{rng.randrange(3)}", merchant_id=f"m{rng.randrange(2)}",
                     amount_minor=rng.randrange(100, 900_000), country=rng.choice(["CN", "HK"]))
            for _ in range(120)]
    shuffled = txns[:]
    rng.shuffle(shuffled)
    other = RedisStateStore.from_url(REDIS_URL, prefix=shared_store.prefix)
    try:
        await asyncio.gather(*(
            _scorer(store).score_batch(shuffled[start:start + 5])
            for start in range(0, len(shuffled), 5)
            for store in [shared_store if start % 10 else other]))
    finally:
        await other.close()
    assert shared_store.conflicts + other.conflicts > 0  # the retry was exercised
    in_order = sorted(txns, key=lambda txn: txn.occurred_at)
    _assert_same_state(await shared_store.tables(_keys(txns)), _memory_tables_after(in_order),
                       exact=False)


async def test_member_sets_keep_only_their_most_recent_members(
    shared_store: RedisStateStore,
) -> None:
    capacity = SET_CAPACITY["devices"]
    txns = [make_txn(at=i, device_id=f"d{i:03d}") for i in range(capacity + 5)]
    await _scorer(shared_store).score_batch(txns)
    tables = await shared_store.tables([(EntityKind.CUSTOMER, "c1")])
    devices = _row(tables.customer, tables.customer.slots["c1"])[2][0]
    assert devices == {member_hash(f"d{i:03d}"): float(txns[i].occurred_at.timestamp())
                       for i in range(5, capacity + 5)}


async def test_members_older_than_the_horizon_are_forgotten(
    shared_store: RedisStateStore,
) -> None:
    later = STATE_HORIZON_S + 10.0
    txns = [make_txn(at=0, customer_id="old", ip="10.1.1.1"),
            make_txn(at=later, customer_id="new", ip="10.1.1.1")]
    for txn in txns:
        await _scorer(shared_store).score(txn)
    tables = await shared_store.tables([(EntityKind.IP, "10.1.1.1")])
    customers = _row(tables.ip, tables.ip.slots["10.1.1.1"])[2][0]
    assert customers == {member_hash("new"): txns[1].occurred_at.timestamp()}


def test_records_are_keyed_by_their_layout() -> None:
    store = RedisStateStore.from_url(REDIS_URL, prefix="p:")
    assert store.key((EntityKind.CUSTOMER, "c1")) == f"p:{record_layout()}v:customer:c1"
    assert record_layout() == record_layout()


def test_member_hashes_are_stable_and_exact_in_a_double() -> None:
    assert member_hash("device-1") == member_hash("device-1") != member_hash("device-2")
    assert member_hash(None) == 0
    assert all(0 <= member_hash(f"m{i}") < 2**53 for i in range(1000))
    assert float(member_hash("device-1")) == member_hash("device-1")


async def test_the_memory_store_lets_the_loop_run_between_slices_of_eviction() -> None:
    """Eviction sweeps the tables a slice at a time: scoring waits for one slice, not for
    every entity (a million IPs in one sweep held the event loop about 75 ms)."""
    store = MemoryStateStore()
    count = EVICTION_SLICE_ROWS * 2 + 1  # three slices of customers
    store.tables.compute([make_txn(at=0, transaction_id=f"t{i}", customer_id=f"c{i}",
                                   account_id="a1") for i in range(count)], DEFAULT_CONFIG)
    turns = 0

    async def count_turns() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    counting = asyncio.create_task(count_turns())
    await asyncio.sleep(0)
    started = turns
    evicted = await store.evict_idle(NOW.timestamp() + STATE_HORIZON_S)
    counting.cancel()
    assert evicted == count + 1  # every customer and their one account
    assert turns - started >= 3  # the other task ran between the slices
    assert len(store) == 0


@pytest.mark.parametrize("lengths", [(0,), (1, 4095), (4096, 4097), (70_000, 3, 0)])
def test_commands_go_out_as_redis_py_encodes_them(lengths: tuple[int, ...]) -> None:
    """The store writes RESP itself: byte for byte what redis-py sends, for arguments on both
    sides of the precomputed length headers and holding CRLF."""
    generator = random.Random(sum(lengths))
    arguments = [bytes(generator.choice(b"ab\r\n\x00") for _ in range(length))
                 for length in lengths]
    commands = [(b"MSET", *arguments), (b"EXEC",)]
    packed = Connection().pack_command
    assert state_redis._wire(commands) == b"".join(
        chunk for command in commands for chunk in packed(*command))
