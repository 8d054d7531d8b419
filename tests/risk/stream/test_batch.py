"""Scoring a fetched batch with the real runtime and database, without NATS: answers are
recorded before the batch is settled, conflicts refuse only themselves, failures retry."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import orjson
import pytest
from sqlalchemy import func, select

from paytrust.config import RiskSettings
from paytrust.platform.db import Database
from paytrust.risk.adapters.runtime import RiskRuntime
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.adapters.state_store import StateStore
from paytrust.risk.engine.config import EngineConfig
from paytrust.risk.engine.features.tables import FeatureTables
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.models import RiskDecision, RiskTransaction
from paytrust.risk.stream import BatchScorer, Settle, StreamTopology

from .factories import json_delivery

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 4, 13, 3, tzinfo=UTC)
MAX_DELIVER = 3
_T = TypeVar("_T")


class UnreachableStore:
    """A shared state store whose server is down."""

    async def score_with(self, txns: Sequence[Transaction], config: EngineConfig,
                         score: Callable[[FeatureTables], _T]) -> _T:
        raise ConnectionError("state store unreachable")

    async def close(self) -> None:
        pass


async def started(database: Database, store: StateStore | None = None) -> RiskRuntime:
    # A flush interval far longer than any test: only a drain writes the batch.
    runtime = RiskRuntime(database,
                          RiskSettings(recorder_flush_ms=60_000, recorder_writer="thread"),
                          MemoryStateStore() if store is None else store)
    await runtime.start()
    return runtime


def batch_scorer(runtime: RiskRuntime) -> BatchScorer:
    return BatchScorer(runtime, StreamTopology("ns"), card_token_key=b"k" * 32,
                       clock=lambda: NOW, max_deliver=MAX_DELIVER)


@pytest.fixture
async def runtime(database: Database) -> AsyncIterator[RiskRuntime]:
    risk_runtime = await started(database)
    yield risk_runtime
    await risk_runtime.stop()


def recorded_ids(database: Database) -> list[str]:
    with database.read_session() as session:
        return sorted(session.scalars(select(RiskTransaction.id)))


async def test_a_scored_batch_is_recorded_before_it_is_handed_back(
    runtime: RiskRuntime, database: Database,
) -> None:
    settlements = await batch_scorer(runtime).score(
        [json_delivery("s1"), json_delivery("s2"), json_delivery("s3", amount="oops")])
    assert [s.settle for s in settlements] == [Settle.ACK, Settle.ACK, Settle.TERM]
    assert recorded_ids(database) == ["s1", "s2"]


async def test_the_published_decision_is_the_recorded_one(
    runtime: RiskRuntime, database: Database,
) -> None:
    [settlement] = await batch_scorer(runtime).score([json_delivery("s1")])
    published = orjson.loads(settlement.publications[0].payload)
    with database.read_session() as session:
        recorded = session.execute(select(RiskDecision.decision, RiskDecision.score)).one()
    assert (published["decision"], published["score"]) == tuple(recorded)
    assert settlement.publications[0].subject == f"ns.decisions.{recorded.decision}"


async def test_a_conflict_with_an_earlier_answer_refuses_only_that_transaction(
    runtime: RiskRuntime, database: Database,
) -> None:
    scorer = batch_scorer(runtime)
    await scorer.score([json_delivery("s1")])
    fresh, conflicting = await scorer.score(
        [json_delivery("s2"), json_delivery("s1", amount="1.00")])
    assert fresh.settle is Settle.ACK
    assert conflicting.settle is Settle.TERM
    assert orjson.loads(conflicting.publications[0].payload)["type"] == "/problems/conflict"
    assert recorded_ids(database) == ["s1", "s2"]


async def test_duplicates_in_one_batch_are_recorded_once_and_answered_alike(
    runtime: RiskRuntime, database: Database,
) -> None:
    first, again = await batch_scorer(runtime).score([json_delivery("s1"), json_delivery("s1")])
    assert first.answers == again.answers
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(RiskDecision)) == 1


async def test_a_redelivered_message_gets_the_answer_another_worker_recorded(
    database: Database,
) -> None:
    survivor = await started(database)  # running before the other worker recorded anything
    died = await started(database)
    [recorded] = await batch_scorer(died).score([json_delivery("s1")])
    await died.stop()
    [redelivered] = await batch_scorer(survivor).score([json_delivery("s1", num_delivered=2)])
    await survivor.stop()
    assert redelivered.answers == recorded.answers
    assert survivor.recorder.recorded == 0


async def test_a_batch_the_state_store_cannot_score_is_retried_then_rejected(
    database: Database,
) -> None:
    runtime = await started(database, UnreachableStore())
    scorer = batch_scorer(runtime)
    retried = await scorer.score([json_delivery("s1")])
    last = await scorer.score([json_delivery("s1", num_delivered=MAX_DELIVER)])
    await runtime.stop()
    assert [s.settle for s in retried] == [Settle.NAK]
    assert [s.settle for s in last] == [Settle.TERM]
    assert "state store unreachable" in orjson.loads(last[0].publications[0].payload)["detail"]
    assert recorded_ids(database) == []
