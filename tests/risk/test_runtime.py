"""The scoring runtime: idempotency under concurrency and catching up with other processes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from paytrust.config import RiskSettings
from paytrust.platform.db import Database, utcnow
from paytrust.platform.errors import Conflict
from paytrust.platform.events import bus
from paytrust.risk import service as risk_service
from paytrust.risk.adapters import runtime as runtime_module
from paytrust.risk.adapters.runtime import RiskRuntime
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.adapters.state_redis import RedisStateStore
from paytrust.risk.engine.engine import ScoreResult
from paytrust.risk.engine.features import kernel
from paytrust.risk.engine.lists import ListAction, ListKind
from paytrust.risk.engine.state import STATE_HORIZON_S, EntityKind
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.schemas import ListEntryCreate

from .adapters.conftest import REDIS_URL
from .engine.factories import T0, make_txn

pytestmark = pytest.mark.anyio
HANG_GUARD_S = 30


@pytest.fixture
async def runtime(database: Database) -> AsyncIterator[RiskRuntime]:
    risk_runtime = RiskRuntime(
        database, RiskSettings(recorder_flush_ms=5, recorder_writer="thread"),
        MemoryStateStore(), reload_check_s=0.01)
    await risk_runtime.start()
    yield risk_runtime
    await risk_runtime.stop()


async def test_concurrent_retries_of_one_transaction_are_scored_once(
    runtime: RiskRuntime,
) -> None:
    txn = make_txn()
    answers = await asyncio.gather(*(runtime.score([txn]) for _ in range(5)))
    assert all(answer == answers[0] for answer in answers)
    await runtime.recorder.drain()
    assert runtime.recorder.recorded == 1


async def test_conflicting_payload_in_a_batch_scores_none_of_it(runtime: RiskRuntime) -> None:
    first = make_txn()
    await runtime.score([first])
    changed = make_txn(transaction_id=first.transaction_id, amount_minor=1)
    fresh = make_txn()
    with pytest.raises(Conflict):
        await runtime.score([fresh, changed])
    await runtime.recorder.drain()
    assert runtime.recorder.recorded == 1
    assert (await runtime.score([fresh]))[0]["transaction_id"] == fresh.transaction_id


async def test_a_change_committed_by_another_process_is_picked_up(
    runtime: RiskRuntime, database: Database,
) -> None:
    bus.unsubscribe_all()  # as in another process: no event reaches this runtime
    before = runtime.stamp
    with database.session_scope() as session:
        risk_service.add_list_entry(
            session, actor="user:ana", now=utcnow(),
            entry=ListEntryCreate(kind=ListKind.DEVICE, action=ListAction.BLOCK, value="d9"))

    async def reloaded() -> None:
        while runtime.stamp == before:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(reloaded(), HANG_GUARD_S)
    answer = (await runtime.score([make_txn(device_id="d9")]))[0]
    assert answer["decision"] == "block"


async def test_answers_survive_a_restart_through_the_recorded_decisions(
    database: Database,
) -> None:
    txn = make_txn()
    first = RiskRuntime(database, RiskSettings(recorder_writer="thread"), MemoryStateStore())
    await first.start()
    answer = (await first.score([txn]))[0]
    await first.stop()
    second = RiskRuntime(database, RiskSettings(recorder_writer="thread"), MemoryStateStore())
    await second.start()
    assert (await second.score([txn]))[0] == answer
    with pytest.raises(Conflict):
        await second.score([make_txn(transaction_id=txn.transaction_id, amount_minor=7)])
    await second.stop()


async def test_a_recalled_transaction_gets_the_answer_another_process_recorded(
    database: Database,
) -> None:
    txn = make_txn()
    later = RiskRuntime(database, RiskSettings(recorder_writer="thread"), MemoryStateStore())
    await later.start()  # started before the answer exists: its warm cache cannot know it
    first = RiskRuntime(database, RiskSettings(recorder_writer="thread"), MemoryStateStore())
    await first.start()
    recorded = (await first.score([txn]))[0]
    await first.stop()
    await later.recall([txn.transaction_id, "never-scored"])
    assert (await later.score([txn]))[0] == recorded
    await later.recorder.drain()
    assert later.recorder.recorded == 0
    await later.stop()


async def test_recall_keeps_the_answers_this_process_already_holds(
    runtime: RiskRuntime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    txn = make_txn()
    answer = (await runtime.score([txn]))[0]
    await runtime.recorder.drain()
    looked_up: list[list[str]] = []
    monkeypatch.setattr(runtime, "_answers_recorded_for",
                        lambda ids: looked_up.append(ids) or [])
    await runtime.recall([txn.transaction_id, "unknown"])
    assert looked_up == [["unknown"]]
    assert (await runtime.score([txn]))[0] == answer


def test_the_state_store_given_is_used_even_while_it_is_empty(database: Database) -> None:
    store = MemoryStateStore()  # empty, so falsy: it must still not be swapped for another
    assert RiskRuntime(database, RiskSettings(redis_url="redis://127.0.0.1:1"),
                       store).scorer.store is store


async def test_concurrent_requests_are_scored_as_one_batch_in_arrival_order(
    runtime: RiskRuntime,
) -> None:
    batches = _count_batches(runtime)
    # The same customer five times: each payment must see the ones before it.
    txns = [make_txn(at=i, amount_minor=1_000) for i in range(5)]
    answers = await asyncio.gather(*(runtime.score([txn]) for txn in txns))
    assert batches == [5]
    assert [answer[0]["transaction_id"] for answer in answers] == [
        txn.transaction_id for txn in txns]
    alone = RiskRuntime(runtime.database, RiskSettings(recorder_writer="thread"),
                        MemoryStateStore())
    await alone.start()
    try:
        one_by_one = [(await alone.score([txn]))[0] for txn in txns]
    finally:
        await alone.stop()
    assert [a[0]["score"] for a in answers] == pytest.approx([a["score"] for a in one_by_one])


def _count_batches(runtime: RiskRuntime) -> list[int]:
    """The size of each batch ``runtime`` scores from now on."""
    batches: list[int] = []
    score_batch = runtime.scorer.score_batch

    async def counting(txns: Sequence[Transaction], locale: str = "en") -> list[ScoreResult]:
        batches.append(len(txns))
        return await score_batch(txns, locale)

    runtime.scorer.score_batch = counting  # type: ignore[method-assign]
    return batches


async def _score_after_turns(runtime: RiskRuntime, txn: Transaction, turns: int
                             ) -> list[dict[str, object]]:
    """Score ``txn`` as a request whose bytes arrive ``turns`` turns of the loop from now."""
    for _ in range(turns):
        await asyncio.sleep(0)
    return await runtime.score([txn])


async def test_requests_arriving_over_a_few_turns_of_the_loop_are_scored_together(
    runtime: RiskRuntime,
) -> None:
    batches = _count_batches(runtime)
    txns = [make_txn(at=i) for i in range(3)]
    await asyncio.gather(*(_score_after_turns(runtime, txn, turns)
                           for turns, txn in enumerate(txns)))
    assert batches == [3]


async def test_a_batch_waits_only_a_few_turns_for_requests_still_arriving(
    runtime: RiskRuntime,
) -> None:
    batches = _count_batches(runtime)
    txns = [make_txn(at=i) for i in range(3 * runtime_module.GATHER_TURNS)]
    answers = await asyncio.gather(*(_score_after_turns(runtime, txn, turns)
                                     for turns, txn in enumerate(txns)))
    assert 1 < batches[0] <= runtime_module.GATHER_TURNS + 2  # one request a turn joined
    assert sum(batches) == len(txns)
    assert [answer[0]["transaction_id"] for answer in answers] == [
        txn.transaction_id for txn in txns]


async def test_a_request_that_fails_in_a_batch_fails_alone(runtime: RiskRuntime) -> None:
    score_batch = runtime.scorer.score_batch

    async def failing_on_poison(txns: Sequence[Transaction],
                                locale: str = "en") -> list[ScoreResult]:
        if any(txn.customer_id == "poison" for txn in txns):
            raise RuntimeError("the state store lost this one")
        return await score_batch(txns, locale)

    runtime.scorer.score_batch = failing_on_poison  # type: ignore[method-assign]
    good, bad = make_txn(), make_txn(customer_id="poison")
    answers = await asyncio.gather(runtime.score([good]), runtime.score([bad]),
                                   return_exceptions=True)
    assert isinstance(answers[0], list)
    assert answers[0][0]["transaction_id"] == good.transaction_id
    assert isinstance(answers[1], RuntimeError)
    await runtime.recorder.drain()
    assert runtime.recorder.recorded == 1
    runtime.scorer.score_batch = score_batch  # type: ignore[method-assign]
    assert (await runtime.score([bad]))[0]["transaction_id"] == bad.transaction_id  # retry


async def test_a_cancelled_batch_leaves_no_request_waiting(runtime: RiskRuntime) -> None:
    scoring = asyncio.Event()

    async def never_finishing(txns: Sequence[Transaction],
                              locale: str = "en") -> list[ScoreResult]:
        scoring.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    runtime.scorer.score_batch = never_finishing  # type: ignore[method-assign]
    english = asyncio.ensure_future(runtime.score([make_txn()], "en"))
    chinese = asyncio.ensure_future(runtime.score([make_txn()], "zh"))  # the next group
    await asyncio.wait_for(scoring.wait(), HANG_GUARD_S)
    assert runtime._flushing is not None
    runtime._flushing.cancel()
    answers = await asyncio.wait_for(asyncio.gather(english, chinese, return_exceptions=True),
                                     HANG_GUARD_S)
    assert all(isinstance(answer, asyncio.CancelledError) for answer in answers)


@pytest.mark.integration
async def test_two_runtimes_sharing_redis_build_one_history(database: Database) -> None:
    """Two scoring processes behind a load balancer, one customer paying through both: the
    shared state holds every payment, whichever process scored it, and each is recorded once."""
    prefix = f"paytrust-test:{uuid.uuid4().hex}:"
    stores = [RedisStateStore.from_url(REDIS_URL, prefix=prefix) for _ in range(2)]
    try:
        await stores[0].client.ping()
    except (RedisConnectionError, OSError) as error:
        for store in stores:
            await store.close()
        pytest.skip(f"Redis does not answer on {REDIS_URL}: {error}")
    runtimes = [RiskRuntime(database, RiskSettings(recorder_writer="thread"), store)
                for store in stores]
    inspector = RedisStateStore.from_url(REDIS_URL, prefix=prefix)
    try:
        for runtime in runtimes:
            await runtime.start()
        txns = [make_txn(at=i, amount_minor=1_000 + i, device_id=f"d{i % 3}") for i in range(8)]
        await asyncio.gather(*(runtimes[position % 2].score([txn])
                               for position, txn in enumerate(txns)))
        for runtime in runtimes:
            await runtime.recorder.drain()
        assert sum(runtime.recorder.recorded for runtime in runtimes) == len(txns)
        tables = await inspector.tables([(EntityKind.CUSTOMER, "c1"), (EntityKind.DEVICE, "d0")])
        customer = tables.customer
        history = customer.arrays[1][customer.slots["c1"], kernel.SCALARS.index("n")]
        assert history == len(txns)
        assert tables.device.find("d0") >= 0
    finally:
        for runtime in runtimes:
            await runtime.stop()
        keys = [key async for key in inspector.client.scan_iter(f"{prefix}*")]
        if keys:
            await inspector.client.delete(*keys)
        await inspector.close()


async def test_the_runtime_forgets_entities_idle_past_the_horizon(
    database: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runtime_module, "EVICT_IDLE_EVERY_S", 0.0)  # at every check
    store = MemoryStateStore()
    a_horizon_later = T0 + timedelta(seconds=STATE_HORIZON_S + 60)
    risk_runtime = RiskRuntime(
        database, RiskSettings(recorder_flush_ms=5, recorder_writer="thread"), store,
        clock=lambda: a_horizon_later, reload_check_s=0.01)
    await risk_runtime.start()
    try:
        await risk_runtime.score([make_txn(at=0)])  # its entities were last seen at T0
        async with asyncio.timeout(HANG_GUARD_S):
            while len(store):
                await asyncio.sleep(0.01)
        assert store.tables.customer.find("c1") == -1
    finally:
        await risk_runtime.stop()
