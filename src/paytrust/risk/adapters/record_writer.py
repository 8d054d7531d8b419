"""Where the recorder's batches are written: a worker thread, or a process of their own.

Writing a scored transaction costs more CPU than scoring it (about 80 µs: building the
statement parameters, SQLite's inserts and index updates), and in a worker thread of the
serving process most of it holds the interpreter lock the event loop needs. The process
writer moves all of it out: the serving process only pickles the rows down a pipe. Both
writers run ``write_rows`` — one unit of work per batch — and answer the ids they inserted.

The child process is started with ``spawn`` (the server has threads and an event loop; a
``fork`` would copy their locks mid-use), opens its own connection pool on the same
database, and exits when its parent does. If it dies, the batch it held fails, the recorder
retries it after a pause, and the next write starts a new child; ids already written are
skipped, so nothing is written twice.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Literal, Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from paytrust.platform.db import Database
from paytrust.risk.models import RiskAlert, RiskDecision, RiskTransaction

log = logging.getLogger(__name__)

WriterKind = Literal["process", "thread"]
_STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class RecordRows:
    """A batch as table rows, one transaction row and one decision row per transaction id."""

    transactions: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    alerts: list[dict[str, Any]] = field(default_factory=list)


def write_rows(session: Session, rows: RecordRows) -> list[str]:
    """Insert the rows of transactions not yet recorded, in the caller's unit of work;
    returns those transaction ids."""
    fresh = {row["id"]: row for row in rows.transactions}
    known = session.scalars(select(RiskTransaction.id).where(RiskTransaction.id.in_(fresh)))
    for transaction_id in known:
        del fresh[transaction_id]
    if not fresh:
        return []
    decisions = [row for row in rows.decisions if row["transaction_id"] in fresh]
    alerts = [row for row in rows.alerts if row["transaction_id"] in fresh]
    session.execute(insert(RiskTransaction), list(fresh.values()))
    session.execute(insert(RiskDecision), decisions)
    if alerts:
        session.execute(insert(RiskAlert), alerts)
    return list(fresh)


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
