"""Where the recorder's batches are written: a worker thread, or a process of their own.

Writing a scored transaction costs more CPU than scoring it (30-40 µs: the column types'
bind processors, the database's inserts and index updates), and in a worker thread of the
serving process most of it holds the interpreter lock the event loop needs. The process
writer moves all of it out: the serving process only pickles the rows down a pipe. Both
writers run ``write_rows`` — one unit of work per batch — and answer the ids they inserted.

The rows are tuples of the values as the engine gave them, which the event loop gathers in
about 1.5 µs a transaction; the writer converts them and inserts each table with a single
``executemany`` of its Core insert, compiled once per dialect (``_insert``). The ORM's bulk
insert cost 25-45 µs a transaction more; Core's execution of the same insert, 8 (PostgreSQL)
to 18 (SQLite) µs more, mostly building each row's parameters.

The child process is started with ``spawn`` (the server has threads and an event loop; a
``fork`` would copy their locks mid-use), opens its own connection pool on the same
database, and exits when its parent does. If it dies, the batch it held fails, the recorder
retries it after a pause, and the next write starts a new child; ids already written are
skipped, so nothing is written twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from multiprocessing.connection import Connection
from operator import attrgetter
from typing import Any, Literal, Protocol

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection as DbConnection
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from paytrust.platform.db import Base, Database, new_id
from paytrust.risk.adapters.idempotency import payload_hash_of
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.models import RiskAlert, RiskDecision, RiskTransaction

log = logging.getLogger(__name__)

WriterKind = Literal["process", "thread"]
_STOP_TIMEOUT_S = 10.0
# The writer process yields the CPU to scoring: its batches can wait milliseconds, a
# payment's answer cannot. On a busy machine the scheduler then runs the event loop (and
# the integrator's next request) first; the recorder's bounded list keeps the writer from
# falling behind for long, as ``submit`` waits when it is full.
_WRITER_NICENESS = 10

Row = tuple[Any, ...]

# Rows are tuples: the value at position i goes to column i of these layouts. Tuples cost
# the event loop less to build than dicts and pickle smaller. Every field of the engine's
# ``Transaction`` has a column of the same name (``transaction_id`` is ``id``), in the
# field order: a transaction row's values up to ``received_at`` are the transaction's
# fields, from which the writer computes its payload hash.
TRANSACTION_FIELD_COLUMNS = (
    "occurred_at", "type", "amount_minor", "currency", "customer_id", "account_id", "channel",
    "auth_method", "payee_id", "payee_name", "payee_country", "merchant_id",
    "merchant_category", "merchant_country", "agent_id", "device_id", "ip", "country",
    "latitude", "longitude", "card_bin", "balance_before_minor", "balance_after_minor",
    "credential_changed_at", "sim_swapped_at", "original_transaction_id",
)
TRANSACTION_COLUMNS = ("id", *TRANSACTION_FIELD_COLUMNS, "payload_hash", "received_at")
# The decision's own ``id`` is not in the row: the writer draws it, off the event loop.
DECISION_COLUMNS = (
    "transaction_id", "decision", "score", "reasons", "rules_hit", "shadow_rules_hit",
    "model_version", "challenger_score", "ruleset_version", "latency_ms", "scored_at",
)
ALERT_COLUMNS = (
    "id", "transaction_id", "decision", "severity", "status", "score", "rules_hit", "created_at",
)


if ("transaction_id", *TRANSACTION_FIELD_COLUMNS) != tuple(f.name for f in fields(Transaction)):
    raise RuntimeError("TRANSACTION_FIELD_COLUMNS must name Transaction's fields in order")


@dataclass(frozen=True, slots=True)
class RecordRows:
    """A batch as table rows (``*_COLUMNS``), one transaction row and one decision row per
    transaction id; a transaction row leaves out ``payload_hash``, which the writer computes.
    Values are as the engine gives them: enum members in the text columns, reasons as
    ``(code, message, contribution)`` triples, tuples in the JSON list columns; the writer
    turns them into what the columns store."""

    transactions: list[Row]
    decisions: list[Row]
    alerts: list[Row] = field(default_factory=list)


_enum_value = attrgetter("value")


def _reason_dicts(reasons: Sequence[tuple[str, str, float]]) -> list[dict[str, Any]]:
    return [{"code": code, "message": message, "contribution": contribution}
            for code, message, contribution in reasons]


@dataclass(frozen=True, slots=True)
class _Layout:
    table: Table
    columns: tuple[str, ...]
    # Engine value -> column value, applied before the column type's own bind processor.
    # (A JSON list column takes the engine's tuple as is: both serialise as a JSON array.)
    stored: Mapping[str, Callable[[Any], Any]]


def _table(model: type[Base]) -> Table:
    return model.metadata.tables[model.__tablename__]


_TRANSACTIONS = _Layout(
    _table(RiskTransaction), TRANSACTION_COLUMNS,
    {"type": _enum_value, "channel": _enum_value, "auth_method": _enum_value},
)
_DECISIONS = _Layout(
    _table(RiskDecision), ("id", *DECISION_COLUMNS),
    {"decision": _enum_value, "reasons": _reason_dicts},
)
_ALERTS = _Layout(
    _table(RiskAlert), ALERT_COLUMNS,
    {"decision": _enum_value, "severity": _enum_value, "status": _enum_value},
)


def write_rows(session: Session, rows: RecordRows) -> list[str]:
    """Insert the rows of transactions not yet recorded, in the caller's unit of work;
    returns those transaction ids."""
    fresh = {row[0]: row for row in rows.transactions}
    known = session.scalars(select(RiskTransaction.id).where(RiskTransaction.id.in_(fresh)))
    for transaction_id in known:
        del fresh[transaction_id]
    if not fresh:
        return []
    for transaction_id, row in fresh.items():  # the fields, then received_at
        fields_of_row = row[:-1]
        fresh[transaction_id] = (*fields_of_row, payload_hash_of(fields_of_row), row[-1])
    decisions = [(new_id(), *row) for row in rows.decisions if row[0] in fresh]
    alerts = [row for row in rows.alerts if row[1] in fresh]
    connection = session.connection()
    _insert(connection, _TRANSACTIONS, list(fresh.values()))
    _insert(connection, _DECISIONS, decisions)
    if alerts:
        _insert(connection, _ALERTS, alerts)
    return list(fresh)


def _insert(connection: DbConnection, layout: _Layout, rows: Collection[Row]) -> None:
    """One ``executemany`` of ``rows``, each value through its column type's bind processor
    as Core would, but without Core's per-row parameter building (most of its cost)."""
    if not rows:
        return
    statement = _compiled_insert(connection.dialect, layout.table, layout.columns)
    by_column: dict[str, Iterable[Any]] = dict(zip(layout.columns, zip(*rows, strict=True),
                                                   strict=True))
    for name, convert in layout.stored.items():
        by_column[name] = map(convert, by_column[name])
    for name, process in statement.processors:
        by_column[name] = map(process, by_column[name])
    ordered = zip(*(by_column[name] for name in statement.names), strict=True)
    if statement.positional:
        connection.exec_driver_sql(statement.sql, list(ordered))
    else:
        names = statement.names
        connection.exec_driver_sql(statement.sql,
                                   [dict(zip(names, row, strict=True)) for row in ordered])


@dataclass(frozen=True, slots=True)
class _CompiledInsert:
    sql: str
    positional: bool
    names: tuple[str, ...]  # the bind parameters, in the statement's order
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]


@functools.lru_cache(maxsize=16)
def _compiled_insert(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> _CompiledInsert:
    """``table.insert()`` for these columns, compiled for the dialect, with each column's
    bind processor (``UTCDateTime``'s UTC check and conversion, JSON serialisation...)."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    names = tuple(compiled.positiontup or ()) if compiled.positional else columns
    # Anything else bound (a column default) or renamed would need Core's execution path.
    if (set(compiled.binds) != set(columns) or sorted(names) != sorted(columns)
            or compiled.escaped_bind_names):
        raise RuntimeError(f"{table.name}: the insert binds {sorted(compiled.binds)}")
    processors: list[tuple[str, Callable[[Any], Any]]] = []
    for name in names:
        column_type = compiled.binds[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    return _CompiledInsert(compiled.string, compiled.positional, names, tuple(processors))


class RecordWriter(Protocol):
    async def write(self, rows: RecordRows) -> list[str]: ...

    async def close(self) -> None: ...


def open_writer(kind: WriterKind, database: Database) -> RecordWriter:
    return ProcessWriter(database.url) if kind == "process" else ThreadWriter(database)


class ThreadWriter:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def write(self, rows: RecordRows) -> list[str]:
        return await asyncio.to_thread(self._write, rows)

    def _write(self, rows: RecordRows) -> list[str]:
        with self._database.session_scope() as session:
            return write_rows(session, rows)

    async def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class _Failed:
    """The child's answer when a write raised: the parent raises it again."""

    message: str


class WriterProcessError(RuntimeError):
    """The writer process failed the batch or is gone."""


class ProcessWriter:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        self._lock = threading.Lock()  # one batch in the pipe at a time

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def write(self, rows: RecordRows) -> list[str]:
        return await asyncio.to_thread(self._write, rows)

    def _write(self, rows: RecordRows) -> list[str]:
        with self._lock:
            connection = self._connection
            if connection is None or not self._alive():
                connection = self._start()
            try:
                connection.send(rows)
                answer = connection.recv()
            except (EOFError, OSError) as error:
                self._discard()
                raise WriterProcessError(f"the writer process is gone: {error!r}") from error
        if isinstance(answer, _Failed):
            raise WriterProcessError(answer.message)
        written: list[str] = answer
        return written

    def _alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _start(self) -> Connection:
        self._discard()
        context = multiprocessing.get_context("spawn")
        connection, child_end = context.Pipe()
        process = context.Process(target=serve_writes, args=(self._database_url, child_end),
                                  name="paytrust-recorder", daemon=True)
        process.start()
        child_end.close()
        self._process, self._connection = process, connection
        return connection

    def _discard(self) -> None:
        if self._connection is not None:
            self._connection.close()
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        self._process = self._connection = None

    async def close(self) -> None:
        await asyncio.to_thread(self._stop)

    def _stop(self) -> None:
        with self._lock:
            if self._alive() and self._connection is not None and self._process is not None:
                try:
                    self._connection.send(None)
                    self._process.join(_STOP_TIMEOUT_S)
                except OSError:
                    pass
            self._discard()


def serve_writes(database_url: str, connection: Connection) -> None:
    """The writer process: write each batch it receives, answer the ids written."""
    if hasattr(os, "nice"):  # POSIX
        os.nice(_WRITER_NICENESS)
    database = Database(database_url)
    try:
        while True:
            try:
                rows = connection.recv()
            except EOFError:  # the parent is gone
                return
            if rows is None:
                return
            try:
                with database.session_scope() as session:
                    answer: list[str] | _Failed = write_rows(session, rows)
            except Exception as error:  # reported to the parent, which retries the batch
                log.exception("writing %d scored transactions failed", len(rows.transactions))
                answer = _Failed(repr(error))
            connection.send(answer)
    finally:
        database.dispose()
