"""The batched recorder: writes off the hot path, in batches, never dropping or doubling."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import pytest
from sqlalchemy import func, select

from paytrust.platform.db import Database
from paytrust.platform.events import bus
from paytrust.risk.adapters.record_writer import ProcessWriter, RecordRows, WriterKind
from paytrust.risk.adapters.recorder import Recorder
from paytrust.risk.engine.verdict import Decision
from paytrust.risk.models import RiskAlert, RiskDecision, RiskTransaction

from .factories import make_scored

pytestmark = pytest.mark.anyio

HANG_GUARD_S = 30  # a broken recorder would hang; this turns the hang into a failure


@pytest.fixture(params=["thread", "process"])
def writer(request: pytest.FixtureRequest) -> WriterKind:
    kind: WriterKind = request.param
    return kind


def _count(database: Database, model: Any) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


async def _recorded(recorder: Recorder, count: int) -> None:
    """Waits (without asking for a flush) until ``count`` transactions are committed."""
    while recorder.recorded < count:
        await asyncio.sleep(0.005)


async def test_a_full_batch_is_written_without_waiting_for_the_flush_interval(
    database: Database, writer: WriterKind,
) -> None:
    recorder = Recorder(database, batch_size=3, flush_ms=3_600_000, writer=writer)
    recorder.start()
    await recorder.submit([make_scored() for _ in range(3)])
    await asyncio.wait_for(_recorded(recorder, 3), HANG_GUARD_S)
    assert _count(database, RiskTransaction) == 3
    assert _count(database, RiskDecision) == 3
    await recorder.stop()


async def test_a_partial_batch_is_written_after_the_flush_interval(
    database: Database, writer: WriterKind,
) -> None:
    recorder = Recorder(database, batch_size=1000, flush_ms=10, writer=writer)
    recorder.start()
    await recorder.submit([make_scored(), make_scored()])
    await asyncio.wait_for(_recorded(recorder, 2), HANG_GUARD_S)
    assert _count(database, RiskDecision) == 2
    await recorder.stop()


async def test_stop_writes_everything_still_queued(
    database: Database, writer: WriterKind,
) -> None:
    recorder = Recorder(database, batch_size=1000, flush_ms=3_600_000, writer=writer)
    recorder.start()
    await recorder.submit([make_scored() for _ in range(5)])
    assert _count(database, RiskTransaction) == 0
    await asyncio.wait_for(recorder.stop(), HANG_GUARD_S)
    assert _count(database, RiskTransaction) == 5


async def test_review_and_block_decisions_raise_alerts_and_events_after_commit(
    database: Database, writer: WriterKind,
) -> None:
    delivered: list[Any] = []
    bus.subscribe("alert.created", delivered.append)
    bus.subscribe("transaction.scored", delivered.append)
    review, block = make_scored(Decision.REVIEW), make_scored(Decision.BLOCK)
    recorder = Recorder(database, batch_size=10, flush_ms=5, writer=writer)
    recorder.start()
    await recorder.submit([make_scored(Decision.APPROVE), make_scored(Decision.CHALLENGE),
                           review, block])
    await recorder.stop()
    with database.read_session() as session:
        alerts = {a.transaction_id: a for a in session.scalars(select(RiskAlert)).all()}
        session.expunge_all()
    assert set(alerts) == {review.transaction.transaction_id, block.transaction.transaction_id}
    assert alerts[review.transaction.transaction_id].severity == "medium"
    assert alerts[block.transaction.transaction_id].severity == "high"
    assert {a.status for a in alerts.values()} == {"open"}
    created = [e for e in delivered if e.name == "alert.created"]
    assert {e.alert_id for e in created} == {a.id for a in alerts.values()}
    assert len([e for e in delivered if e.name == "transaction.scored"]) == 4


async def test_a_transaction_already_recorded_is_not_recorded_again(
    database: Database, writer: WriterKind,
) -> None:
    item = make_scored(Decision.REVIEW)
    recorder = Recorder(database, batch_size=10, flush_ms=5, writer=writer)
    recorder.start()
    await recorder.submit([item, item])  # twice in one batch
    await recorder.drain()
    await recorder.submit([item])  # and again in a later batch
    await recorder.stop()
    assert _count(database, RiskTransaction) == 1
    assert _count(database, RiskDecision) == 1
    assert _count(database, RiskAlert) == 1
    assert recorder.recorded == 1


async def test_a_full_queue_makes_submit_wait_instead_of_dropping(
    database: Database, writer: WriterKind,
) -> None:
    recorder = Recorder(database, batch_size=2, flush_ms=5, max_pending=2, writer=writer)
    items = [make_scored() for _ in range(5)]
    submitting: asyncio.Task[None] = asyncio.create_task(recorder.submit(items))
    for _ in range(10):
        await asyncio.sleep(0)
    assert not submitting.done()
    assert recorder.pending == 2
    recorder.start()
    await asyncio.wait_for(submitting, HANG_GUARD_S)
    await recorder.stop()
    assert _count(database, RiskTransaction) == 5


async def test_a_failed_write_is_retried_with_the_same_batch(
    database: Database, monkeypatch: pytest.MonkeyPatch, writer: WriterKind,
) -> None:
    recorder = Recorder(database, batch_size=10, flush_ms=5, writer=writer)
    original = recorder._writer.write
    failures = [RuntimeError("database unavailable")]

    async def flaky_write(rows: RecordRows) -> list[str]:
        if failures:
            raise failures.pop()
        return await original(rows)

    monkeypatch.setattr(recorder._writer, "write", flaky_write)
    recorder.start()
    await recorder.submit([make_scored(), make_scored()])
    await asyncio.wait_for(recorder.stop(), HANG_GUARD_S)
    assert not failures
    assert _count(database, RiskTransaction) == 2


async def test_a_writer_process_that_dies_is_replaced_and_loses_nothing(
    database: Database,
) -> None:
    recorder = Recorder(database, batch_size=3, flush_ms=5, writer="process")
    recorder.start()
    await recorder.submit([make_scored() for _ in range(3)])
    await asyncio.wait_for(_recorded(recorder, 3), HANG_GUARD_S)
    assert isinstance(recorder._writer, ProcessWriter)
    first = recorder._writer.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    await recorder.submit([make_scored() for _ in range(4)])
    await asyncio.wait_for(recorder.stop(), HANG_GUARD_S)
    assert _count(database, RiskTransaction) == 7
    assert recorder.recorded == 7
