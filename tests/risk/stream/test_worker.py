"""The JetStream worker against a real NATS server on loopback: decisions out and
recorded, malformed messages rejected once, a worker dying before its ack, duplicates.

Each test gets its own streams, subjects and consumer (a random namespace), deleted after.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from sqlalchemy import func, select

from paytrust.config import RiskSettings
from paytrust.platform.db import Database
from paytrust.risk.adapters.runtime import RiskRuntime
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.models import RiskDecision, RiskTransaction
from paytrust.risk.stream import Settlement, StreamTopology
from paytrust.risk.stream.worker import ScoringWorker, WorkerOptions, ensure_topology

from .factories import json_body

NATS_HOST, NATS_PORT = "127.0.0.1", 4222
HANG_GUARD_S = 30
ACK_WAIT_S = 1.0  # short, so a dead worker's messages come back within the test


def _nats_answers() -> bool:
    try:
        with socket.create_connection((NATS_HOST, NATS_PORT), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.anyio,
    pytest.mark.integration,
    pytest.mark.skipif(not _nats_answers(),
                       reason=f"no NATS server answers on {NATS_HOST}:{NATS_PORT}"),
]


@pytest.fixture
async def connection() -> AsyncIterator[NATS]:
    client = NATS()
    await client.connect(f"nats://{NATS_HOST}:{NATS_PORT}", connect_timeout=2,
                         max_reconnect_attempts=0)
    yield client
    await client.close()


OPTIONS = WorkerOptions(batch=50, ack_wait_s=ACK_WAIT_S)


@pytest.fixture
async def topology(connection: NATS) -> AsyncIterator[StreamTopology]:
    """A fresh set of streams and consumer, there before any worker (each worker's own
    ``ensure_topology`` then finds them as it left them)."""
    names = StreamTopology(f"t{uuid.uuid4().hex[:12]}")
    await ensure_topology(connection.jetstream(), names, OPTIONS)
    yield names
    for stream in (names.stream, names.outcome_stream):
        await connection.jetstream().delete_stream(stream)


async def started_runtime(database: Database) -> RiskRuntime:
    runtime = RiskRuntime(database, RiskSettings(recorder_flush_ms=5, recorder_writer="thread"),
                          MemoryStateStore())
    await runtime.start()
    return runtime


class Workers:
    """Workers running as tasks on one topology; stopped (gracefully) at the end."""

    def __init__(self, connection: NATS, database: Database, topology: StreamTopology) -> None:
        self.connection, self.database, self.topology = connection, database, topology
        self.running: list[tuple[ScoringWorker, asyncio.Task[None], RiskRuntime]] = []

    async def start(
        self, kind: type[ScoringWorker] = ScoringWorker, runtime: RiskRuntime | None = None,
    ) -> ScoringWorker:
        runtime = runtime or await started_runtime(self.database)
        worker = kind(self.connection, runtime, self.topology, OPTIONS,
                      card_token_key=b"k" * 32)
        self.running.append((worker, asyncio.create_task(worker.run()), runtime))
        return worker

    @property
    def js(self) -> JetStreamContext:
        return self.connection.jetstream()

    async def until(self, condition: Callable[[], Awaitable[bool]]) -> None:
        async def poll() -> None:
            while not await condition():
                await asyncio.sleep(0.02)

        await asyncio.wait_for(poll(), HANG_GUARD_S)

    async def stop_all(self) -> None:
        for worker, task, runtime in self.running:
            worker.stop()
            if not task.done():
                await asyncio.wait_for(task, HANG_GUARD_S)
            await runtime.stop()


@pytest.fixture
async def workers(
    connection: NATS, database: Database, topology: StreamTopology,
) -> AsyncIterator[Workers]:
    pool = Workers(connection, database, topology)
    yield pool
    await pool.stop_all()


async def publish(js: JetStreamContext, topology: StreamTopology, body: bytes,
                  **headers: str) -> None:
    await js.publish(topology.subject, body, headers=headers or None)


async def outcomes(js: JetStreamContext, topology: StreamTopology) -> list[RawStreamMsg]:
    """Every message on the outcome stream, in order."""
    info = await js.stream_info(topology.outcome_stream)
    return [await js.get_msg(topology.outcome_stream, seq)
            for seq in range(info.state.first_seq, info.state.last_seq + 1)
            if info.state.messages]


def payload(msg: RawStreamMsg) -> Any:
    assert msg.data is not None
    return orjson.loads(msg.data)


async def count_outcomes(js: JetStreamContext, topology: StreamTopology) -> int:
    return (await js.stream_info(topology.outcome_stream)).state.messages


async def settled(js: JetStreamContext, topology: StreamTopology) -> bool:
    info = await js.consumer_info(topology.stream, topology.consumer)
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


def recorded(database: Database, model: type[RiskTransaction] | type[RiskDecision]) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


async def test_published_transactions_are_decided_published_and_recorded(
    workers: Workers, topology: StreamTopology, database: Database,
) -> None:
    await workers.start()
    for tid in ("w1", "w2", "w3"):
        await publish(workers.js, topology, json_body(tid), **{"Content-Type": "application/json"})
    await workers.until(lambda: settled(workers.js, topology))
    published = await outcomes(workers.js, topology)
    answers = [payload(msg) for msg in published]
    assert sorted(answer["transaction_id"] for answer in answers) == ["w1", "w2", "w3"]
    for msg, answer in zip(published, answers, strict=True):
        assert msg.subject == topology.decision_subject(answer["decision"])
        assert msg.headers is not None
        assert msg.headers["Nats-Msg-Id"] == f"decision:{answer['transaction_id']}"
        assert {"score", "reasons"} <= answer.keys()
    assert recorded(database, RiskTransaction) == 3


async def test_a_malformed_message_is_rejected_once_and_never_redelivered(
    workers: Workers, topology: StreamTopology,
) -> None:
    worker = await workers.start()
    await publish(workers.js, topology, json_body("w1", amount="-5"))
    await workers.until(lambda: settled(workers.js, topology))
    await asyncio.sleep(ACK_WAIT_S * 2)  # a redelivery, were there one, would be due by now
    [rejected] = await outcomes(workers.js, topology)
    problem = payload(rejected)
    assert rejected.subject == topology.rejected_subject
    assert problem["field"] == "amount"
    assert problem["detail"]
    info = await workers.js.consumer_info(topology.stream, topology.consumer)
    assert (info.num_redelivered, info.num_ack_pending) == (0, 0)
    assert worker.stats.messages == 1


class DiesBeforeAcking(ScoringWorker):
    """Scores, records and publishes, then hangs where it would acknowledge: killed there."""

    reached_ack = asyncio.Event()

    async def settle(self, msgs: Sequence[Msg], settlements: Sequence[Settlement]) -> None:
        type(self).reached_ack.set()
        await asyncio.Event().wait()


async def test_a_worker_killed_before_its_ack_is_replaced_and_the_decision_recorded_once(
    workers: Workers, topology: StreamTopology, database: Database,
) -> None:
    DiesBeforeAcking.reached_ack = asyncio.Event()
    # The replacement's process runs from before the record, so only a look-up of the
    # redelivered id (not its start-up cache) can find the first worker's answer.
    replacement_runtime = await started_runtime(database)
    doomed = await workers.start(DiesBeforeAcking)
    await publish(workers.js, topology, json_body("w1"))
    await asyncio.wait_for(DiesBeforeAcking.reached_ack.wait(), HANG_GUARD_S)
    workers.running[0][1].cancel()
    [first] = await outcomes(workers.js, topology)
    replacement = await workers.start(runtime=replacement_runtime)
    await workers.until(lambda: settled(workers.js, topology))
    assert doomed.stats.messages == 0
    assert replacement.stats.messages == 1
    assert replacement.stats.decided == 1
    assert await count_outcomes(workers.js, topology) == 1  # the re-publish was de-duplicated
    assert payload(first)["transaction_id"] == "w1"
    assert recorded(database, RiskTransaction) == 1
    assert recorded(database, RiskDecision) == 1


async def test_one_transaction_id_in_several_messages_is_recorded_once(
    workers: Workers, topology: StreamTopology, database: Database,
) -> None:
    for _ in range(2):  # both before any worker runs: one batch
        await publish(workers.js, topology, json_body("w1"))
    await workers.start()
    await workers.until(lambda: settled(workers.js, topology))
    await publish(workers.js, topology, json_body("w1"))  # a later batch
    await workers.until(lambda: settled(workers.js, topology))
    answers = [payload(msg) for msg in await outcomes(workers.js, topology)]
    assert [answer["transaction_id"] for answer in answers] == ["w1"]  # de-duplicated
    assert recorded(database, RiskTransaction) == 1
    assert recorded(database, RiskDecision) == 1


async def test_two_workers_share_the_consumer_and_each_message_is_decided_once(
    workers: Workers, topology: StreamTopology, database: Database,
) -> None:
    first, second = await workers.start(), await workers.start()
    for number in range(200):
        await publish(workers.js, topology, json_body(f"w{number}"))
    await workers.until(lambda: settled(workers.js, topology))
    assert first.stats.messages + second.stats.messages == 200
    assert recorded(database, RiskTransaction) == 200
    assert await count_outcomes(workers.js, topology) == 200


async def test_paytrust_stream_scores_until_sigterm_then_stops_cleanly(
    connection: NATS, topology: StreamTopology, database: Database,
) -> None:
    js = connection.jetstream()
    for number in range(5):
        await publish(js, topology, json_body(f"w{number}"))
    source = Path(__file__).resolve().parents[3] / "src"
    environment = {**os.environ, "PAYTRUST_DATABASE_URL": database.url,
                   "PAYTRUST_ENVIRONMENT": "test", "PYTHONPATH": str(source)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "paytrust", "stream", "--namespace", topology.namespace,
        env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        await Workers(connection, database, topology).until(lambda: settled(js, topology))
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), HANG_GUARD_S)
    text = output.decode()
    assert process.returncode == 0, text
    assert "stream worker stopped: 5 messages, 5 decided, 0 rejected" in text
    assert recorded(database, RiskTransaction) == 5
