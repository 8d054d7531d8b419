"""The batched recorder: scored transactions, decisions and alerts written off the hot path.

The scoring route hands its scored transactions to ``submit`` and answers at once; a
background task takes them every ``batch_size`` items or ``flush_ms`` milliseconds and
writes the batch in ONE unit of work (Core ``executemany`` inserts) through its writer: a
process of its own by default, or a worker thread (``record_writer.py``); the event loop
never blocks. ``transaction.scored`` and ``alert.created`` go out after that unit commits.
Nothing is dropped: what waits is bounded and ``submit`` waits while it is full; a failed
write is retried with back-off; ``stop`` drains everything before returning. Ids already in
the database (a retry this process forgot, another process's record) are skipped, so
nothing is recorded twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

from sqlalchemy.orm import Session

from paytrust.platform.db import Database, new_id
from paytrust.platform.events import DomainEvent, bus
from paytrust.risk.adapters.record_writer import (
    TRANSACTION_FIELD_COLUMNS,
    RecordRows,
    Row,
    WriterKind,
    open_writer,
    write_rows,
)
from paytrust.risk.engine.engine import ScoreResult
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.engine.verdict import Decision
from paytrust.risk.enums import AlertSeverity, AlertStatus
from paytrust.risk.events import AlertCreated, TransactionScored

log = logging.getLogger(__name__)

_ALERT_SEVERITY = {Decision.REVIEW: AlertSeverity.MEDIUM, Decision.BLOCK: AlertSeverity.HIGH}
_MAX_RETRY_DELAY_S = 5.0


class ScoredTransaction(NamedTuple):
    """A scored transaction for the recorder (a named tuple: made for every payment, at half
    a frozen dataclass's cost)."""

    transaction: Transaction
    result: ScoreResult
    scored_at: datetime


# A transaction row: these fields of the Transaction (every one, in order), then the time it
# was scored; the writer adds the payload hash (``TRANSACTION_COLUMNS``). Read in one C call.
_transaction_fields = attrgetter("transaction_id", *TRANSACTION_FIELD_COLUMNS)
_reason_fields = attrgetter("code", "message", "contribution")


def record_rows(batch: Sequence[ScoredTransaction]) -> RecordRows:
    """The batch as table rows; a transaction id given twice keeps its first.

    This runs on the event loop, so it only gathers values: the writer converts them (enum
    values, reason objects) and draws the decision ids. Alert ids are drawn here, as the
    ``alert.created`` events sent from this process carry them."""
    transactions: list[Row] = []
    decisions: list[Row] = []
    alerts: list[Row] = []
    seen: set[str] = set()
    for item in batch:
        txn, result = item.transaction, item.result
        if txn.transaction_id in seen:
            continue
        seen.add(txn.transaction_id)
        transactions.append((*_transaction_fields(txn), item.scored_at))
        transaction_id = result.transaction_id
        decisions.append((
            transaction_id, result.decision, result.score,
            tuple(map(_reason_fields, result.reasons)), result.rules_hit,
            result.shadow_rules_hit, result.model_version, result.challenger_score,
            result.ruleset_version or None, result.latency_ms, item.scored_at,
        ))
        severity = _ALERT_SEVERITY.get(result.decision)
        if severity is not None:
            alerts.append((new_id(), transaction_id, result.decision, severity, AlertStatus.OPEN,
                           result.score, result.rules_hit, item.scored_at))
    return RecordRows(transactions, decisions, alerts)


def write_batch(session: Session, batch: Sequence[ScoredTransaction]) -> int:
    """Insert the batch's new transactions with their decisions and alerts in the caller's
    unit of work, and queue their events for after its commit. Returns how many were new."""
    rows = record_rows(batch)
    written = write_rows(session, rows)
    for event in _events(batch, rows, written):
        bus.publish(session, event)
    return len(written)


def _events(batch: Sequence[ScoredTransaction], rows: RecordRows,
            written: Collection[str]) -> list[DomainEvent]:
    """``transaction.scored`` for each transaction written, ``alert.created`` for its alert."""
    scored = {item.transaction.transaction_id: item for item in batch}
    published: list[DomainEvent] = [
        TransactionScored(
            transaction_id=transaction_id, decision=scored[transaction_id].result.decision.value,
            score=scored[transaction_id].result.score,
            rules_hit=tuple(scored[transaction_id].result.rules_hit),
        )
        for transaction_id in written
    ]
    written = set(written)
    published.extend(
        AlertCreated(
            alert_id=alert_id, transaction_id=transaction_id, decision=decision.value,
            severity=severity.value,
            customer_id=scored[transaction_id].transaction.customer_id,
        )
        for alert_id, transaction_id, decision, severity, *_ in rows.alerts
        if transaction_id in written
    )
    return published


def _deliver(batch: Sequence[ScoredTransaction], rows: RecordRows,
             written: Collection[str]) -> None:
    """Build the batch's events and deliver them: in a worker thread, off the event loop."""
    for event in _events(batch, rows, written):
        bus.deliver(event)


class Recorder:
    """Scored transactions wait in a plain list until the writer takes them as a batch.

    The scoring path hands over a whole scoring batch with one ``submit`` (a list extend);
    an ``asyncio.Queue`` cost a put, a get and a ``task_done`` per transaction and a timed
    wait per scoring batch, several microseconds of the event loop a transaction."""

    def __init__(
        self, database: Database, *, batch_size: int, flush_ms: int,
        max_pending: int | None = None, writer: WriterKind = "process",
    ) -> None:
        if batch_size < 1 or flush_ms < 1:
            raise ValueError("batch_size and flush_ms must be positive")
        self.database = database
        self.batch_size = batch_size
        self.flush_s = flush_ms / 1000
        self.max_pending = max_pending or batch_size * 20
        self.recorded = 0  # new transactions written since start
        self._pending: list[ScoredTransaction] = []
        self._first_at = 0.0  # loop time the oldest pending item arrived
        self._accepted = 0  # items ever submitted
        self._finished = 0  # items ever taken by the writer and committed
        self._flush_until = 0  # drain asked for everything up to this many accepted items
        self._drains: list[tuple[int, asyncio.Future[None]]] = []
        self._arrived = asyncio.Event()  # the list went from empty to not, or a drain asks
        self._batch_ready = asyncio.Event()  # a full batch is waiting, or a drain asks
        self._room = asyncio.Event()  # the list has room again
        self._task: asyncio.Task[None] | None = None
        self._writer = open_writer(writer, database)

    @property
    def pending(self) -> int:
        """Items submitted and not yet taken by the writer."""
        return len(self._pending)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="risk-recorder")

    async def submit(self, items: Iterable[ScoredTransaction]) -> None:
        """Hand scored transactions over for recording; waits while ``max_pending`` items
        are already waiting for the writer."""
        waiting = items if isinstance(items, list) else list(items)
        while waiting:
            room = self.max_pending - len(self._pending)
            if room <= 0:
                self._room.clear()
                await self._room.wait()
                continue
            taken, waiting = waiting[:room], waiting[room:]
            self._accept(taken)

    def _accept(self, items: list[ScoredTransaction]) -> None:
        pending = self._pending
        if not pending:
            self._first_at = asyncio.get_running_loop().time()
            self._arrived.set()
        pending.extend(items)
        self._accepted += len(items)
        if len(pending) >= self.batch_size:
            self._batch_ready.set()

    async def drain(self) -> None:
        """Wait until everything submitted so far is committed, writing a partial batch
        now rather than after ``flush_ms``."""
        if self._finished >= self._accepted:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._drains.append((self._accepted, done))
        self._flush_until = max(self._flush_until, self._accepted)
        self._arrived.set()
        self._batch_ready.set()
        await done

    async def stop(self) -> None:
        """Write everything still waiting, then stop the background task."""
        if self._task is None:
            return
        await self.drain()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        await self._writer.close()

    async def _run(self) -> None:
        while True:
            batch = await self._next_batch()
            await self._write_until_done(batch)
            self._finished += len(batch)
            self._settle_drains()

    async def _next_batch(self) -> list[ScoredTransaction]:
        """The next batch, once one is full, ``flush_ms`` after its first item arrived, or
        at once when a drain waits for its items."""
        while not self._pending:
            self._arrived.clear()
            await self._arrived.wait()
        if not self._batch_is_due():
            self._batch_ready.clear()
            remaining = self._first_at + self.flush_s - asyncio.get_running_loop().time()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._batch_ready.wait(), max(remaining, 0.0))
        pending = self._pending
        batch = pending[:self.batch_size]
        del pending[:len(batch)]
        self._first_at = asyncio.get_running_loop().time()  # the rest waits a fresh interval
        self._room.set()
        return batch

    def _batch_is_due(self) -> bool:
        return (len(self._pending) >= self.batch_size
                or self._flush_until > self._finished)

    def _settle_drains(self) -> None:
        finished = self._finished
        still = []
        for upto, done in self._drains:
            if upto <= finished:
                if not done.done():
                    done.set_result(None)
            else:
                still.append((upto, done))
        self._drains = still

    async def _write_until_done(self, batch: list[ScoredTransaction]) -> None:
        rows = record_rows(batch)
        delay = 0.05
        while True:
            try:
                written = await self._writer.write(rows)
                break
            except Exception:  # the database is down or busy: keep the batch, try again
                log.exception("recording %d scored transactions failed; retrying", len(batch))
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_RETRY_DELAY_S)
        self.recorded += len(written)
        # Committed: their events go out, off the event loop. Building them costs a few
        # microseconds a transaction of the GIL the event loop needs: only for a listener.
        if written and (bus.wants(TransactionScored.name) or bus.wants(AlertCreated.name)):
            await asyncio.to_thread(_deliver, batch, rows, written)
