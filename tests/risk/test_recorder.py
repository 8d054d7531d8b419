"""The batched recorder: writes off the hot path, in batches, never dropping or doubling."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from paytrust.platform.db import Database
from paytrust.platform.events import bus
from paytrust.risk.adapters import recorder as recorder_module
from paytrust.risk.adapters.idempotency import payload_hash
from paytrust.risk.adapters.record_writer import ProcessWriter, RecordRows, WriterKind
from paytrust.risk.adapters.recorder import Recorder, ScoredTransaction, write_batch
from paytrust.risk.engine.transaction import AuthMethod, Channel, Transaction, TransactionType
from paytrust.risk.engine.verdict import Decision, Reason
from paytrust.risk.models import RiskAlert, RiskDecision, RiskTransaction

from .engine.factories import make_txn
from .factories import make_result, make_scored

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


async def test_drain_writes_a_partial_batch_at_once_and_later_items_batch_as_usual(
    database: Database, writer: WriterKind,
) -> None:
    recorder = Recorder(database, batch_size=3, flush_ms=3_600_000, writer=writer)
    recorder.start()
    await recorder.submit([make_scored(), make_scored()])
    await asyncio.wait_for(recorder.drain(), HANG_GUARD_S)
    assert _count(database, RiskTransaction) == 2
    await recorder.submit([make_scored() for _ in range(3)])  # a full batch: no flush needed
    await asyncio.wait_for(_recorded(recorder, 5), HANG_GUARD_S)
    assert recorder.pending == 0
    await recorder.stop()


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


async def test_events_are_built_only_when_something_listens(
    database: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[int] = []
    build = recorder_module._events

    def counted(*args: Any) -> Any:
        built.append(1)
        return build(*args)

    monkeypatch.setattr(recorder_module, "_events", counted)

    async def record_one() -> None:
        recorder = Recorder(database, batch_size=10, flush_ms=5, writer="thread")
        recorder.start()
        await recorder.submit([make_scored(Decision.REVIEW)])
        await recorder.stop()

    await record_one()
    assert built == []
    delivered: list[Any] = []
    bus.subscribe("alert.created", delivered.append)
    await record_one()
    assert built == [1]
    assert [event.name for event in delivered] == ["alert.created"]


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


# --- what the writer stores ---------------------------------------------------------------

CST = timezone(timedelta(hours=8))


def _fully_filled() -> ScoredTransaction:
    """A block on a transaction with every optional field set, times not in UTC."""
    txn = make_txn(
        at=datetime(2026, 4, 13, 10, 30, 0, 123456, tzinfo=CST), type=TransactionType.REFUND,
        amount_minor=10**15 - 1, currency="HKD", channel=Channel.CARD,
        auth_method=AuthMethod.BIOMETRIC, payee_id="acc-9", payee_name="陳大文 & Sons",
        payee_country="HK", merchant_id="m-1", merchant_category="5411",
        merchant_country="MO", agent_id="ag-1", device_id="dev-1", ip="2001:db8::7",
        country="CN", latitude=22.123456789, longitude=-114.000001, card_bin="41234567",
        balance_before_minor=-5, balance_after_minor=0,
        credential_changed_at=datetime(2026, 4, 12, 1, 2, 3, tzinfo=CST),
        sim_swapped_at=datetime(2026, 4, 11, 23, 59, 59, 999999, tzinfo=UTC),
        original_transaction_id="t-original",
    )
    result = make_result(
        txn, Decision.BLOCK, score=0.975, rules_hit=("r1", "r2"), shadow_rules_hit=("s1",),
        reasons=(Reason("rule:r1", "新设备「大额」转出", 0.75), Reason("model:amount", "a", 0.25)),
        model_version="lgbm-7", challenger_score=0.5, ruleset_version="default@3",
        latency_ms=1.25,
    )
    scored_at = datetime(2026, 4, 13, 10, 30, 1, 7, tzinfo=CST)
    return ScoredTransaction(txn, result, scored_at)


def _columns(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def test_every_column_round_trips_through_the_writer(database: Database) -> None:
    full, bare = _fully_filled(), make_scored(Decision.APPROVE)
    with database.session_scope() as session:
        assert write_batch(session, [full, bare]) == 2
    with database.read_session() as session:
        for item in (full, bare):
            txn, result = item.transaction, item.result
            transaction_id = txn.transaction_id
            stored = _columns(session.get_one(RiskTransaction, transaction_id))
            expected = {field.name: getattr(txn, field.name) for field in fields(Transaction)}
            expected["id"] = expected.pop("transaction_id")
            expected |= {"payload_hash": payload_hash(txn), "received_at": item.scored_at}
            assert stored == expected
            decision = _columns(session.scalars(select(RiskDecision).filter_by(
                transaction_id=transaction_id)).one())
            assert re.fullmatch("[0-9a-f]{32}", decision.pop("id"))
            assert decision == {
                "transaction_id": transaction_id, "decision": result.decision.value,
                "score": result.score,
                "reasons": [{"code": r.code, "message": r.message,
                             "contribution": r.contribution} for r in result.reasons],
                "rules_hit": list(result.rules_hit),
                "shadow_rules_hit": list(result.shadow_rules_hit),
                "model_version": result.model_version,
                "challenger_score": result.challenger_score,
                "ruleset_version": result.ruleset_version, "latency_ms": result.latency_ms,
                "scored_at": item.scored_at,
            }
            times = [value for value in (*stored.values(), *decision.values())
                     if isinstance(value, datetime)]
            assert {value.utcoffset() for value in times} == {timedelta(0)}
        alerts = [_columns(alert) for alert in session.scalars(select(RiskAlert))]
    assert len(alerts) == 1
    assert re.fullmatch("[0-9a-f]{32}", alerts[0].pop("id"))
    assert alerts[0] == {
        "transaction_id": full.transaction.transaction_id, "decision": "block",
        "severity": "high", "status": "open", "score": 0.975, "rules_hit": ["r1", "r2"],
        "assigned_to": None, "acknowledged_at": None, "created_at": full.scored_at,
    }


def _orm_rows(item: ScoredTransaction, transaction_id: str) -> dict[Any, dict[str, Any]]:
    """The item's rows as plain values, under another id: what ``insert(Model)`` is given."""
    txn, result = item.transaction, item.result

    def plain(value: Any) -> Any:
        return value.value if isinstance(value, Enum) else value

    transaction = {field.name: plain(getattr(txn, field.name)) for field in fields(Transaction)}
    del transaction["transaction_id"]
    transaction |= {"id": transaction_id, "payload_hash": payload_hash(txn),
                    "received_at": item.scored_at}
    decision = {
        "transaction_id": transaction_id, "decision": result.decision.value,
        "score": result.score, "reasons": [asdict(reason) for reason in result.reasons],
        "rules_hit": list(result.rules_hit), "shadow_rules_hit": list(result.shadow_rules_hit),
        "model_version": result.model_version, "challenger_score": result.challenger_score,
        "ruleset_version": result.ruleset_version, "latency_ms": result.latency_ms,
        "scored_at": item.scored_at,
    }
    alert = {
        "transaction_id": transaction_id, "decision": result.decision.value,
        "severity": "high", "status": "open", "score": result.score,
        "rules_hit": list(result.rules_hit), "created_at": item.scored_at,
    }
    return {RiskTransaction: transaction, RiskDecision: decision, RiskAlert: alert}


def test_the_writer_stores_exactly_what_sqlalchemy_stores(database: Database) -> None:
    """Byte for byte on SQLite (datetime and JSON text), value for value on PostgreSQL."""
    items = [_fully_filled(), make_scored(Decision.BLOCK), make_scored(Decision.APPROVE)]
    with database.session_scope() as session:
        write_batch(session, items)
        for item in items:
            rows = _orm_rows(item, f"orm-{item.transaction.transaction_id}")
            for model in (RiskTransaction, RiskDecision):
                session.execute(insert(model), [rows[model]])
            if item.result.decision == Decision.BLOCK:
                session.execute(insert(RiskAlert), [rows[RiskAlert]])
    with database.engine.connect() as connection:
        for table, key in (("risk_transaction", "id"), ("risk_decision", "transaction_id"),
                           ("risk_alert", "transaction_id")):
            raw = connection.exec_driver_sql(f"SELECT * FROM {table}").mappings().all()
            by_key = {row[key]: dict(row) for row in raw}
            for item in items:
                transaction_id = item.transaction.transaction_id
                if table == "risk_alert" and item.result.decision != Decision.BLOCK:
                    assert transaction_id not in by_key
                    continue
                ours, theirs = by_key[transaction_id], by_key[f"orm-{transaction_id}"]
                for row in (ours, theirs):
                    row.pop(key)
                    if key != "id":
                        row.pop("id")
                assert ours == theirs, table
