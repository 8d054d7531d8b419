"""Stream-mode throughput: N simulated transactions through the JetStream scoring worker.

Prints one table. Both rows consume the same N pre-published PayTrust JSON messages from a
fresh stream through a durable pull consumer in batches, publish one outcome per message
with a Nats-Msg-Id onto an outcome stream, wait for the stream's acknowledgements, then ack:

- baseline: that messaging alone (the message body is echoed as its outcome);
- scoring worker: ``ScoringWorker`` parsing, scoring (default rule pack, in-memory state)
  and recording every decision on SQLite before acking.

The clock runs from the consumer's start until the N-th outcome is stored. Needs NATS
with JetStream on 127.0.0.1:4222; every stream it makes is deleted afterwards.

    PYTHONPATH=src python benchmarks/stream_scoring.py [--count 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import nats
import orjson
from nats.aio.client import Client as NATS

from paytrust.config import RiskSettings
from paytrust.platform import migrate
from paytrust.platform.db import Database
from paytrust.risk.adapters.runtime import RiskRuntime
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.stream import StreamTopology
from paytrust.risk.stream.messages import MSG_ID_HEADER
from paytrust.risk.stream.worker import (
    DEFAULT_NATS_URL,
    ScoringWorker,
    WorkerOptions,
    ensure_topology,
)
from paytrust.simulator.api import to_api_json
from paytrust.simulator.config import SimulationConfig
from paytrust.simulator.sender import live_transactions

OPTIONS = WorkerOptions(batch=500, max_wait_s=0.05)


def simulated_bodies(count: int) -> list[tuple[str, bytes]]:
    config = SimulationConfig(customers=max(200, count // 20), days=30, seed=7)
    bodies = []
    for txn in live_transactions(config):
        bodies.append((txn.transaction_id, orjson.dumps(to_api_json(txn))))
        if len(bodies) == count:
            return bodies
    raise SystemExit(f"the simulation made only {len(bodies)} transactions")


async def prepared(connection: NATS, bodies: list[tuple[str, bytes]]) -> StreamTopology:
    """A fresh topology with every body already on its stream."""
    topology = StreamTopology(f"bench{uuid.uuid4().hex[:8]}")
    js = connection.jetstream()
    await ensure_topology(js, topology, OPTIONS)
    acks = [await js.publish_async(topology.subject, body, headers={
        MSG_ID_HEADER: tid, "Content-Type": "application/json"}) for tid, body in bodies]
    await asyncio.gather(*acks)
    return topology


async def outcomes_stored(connection: NATS, topology: StreamTopology, count: int) -> None:
    js = connection.jetstream()
    while (await js.stream_info(topology.outcome_stream)).state.messages < count:
        await asyncio.sleep(0.005)


async def echo_consumer(connection: NATS, topology: StreamTopology) -> None:
    """The baseline: the worker's messaging without parsing, scoring or recording."""
    js = connection.jetstream()
    subscription = await js.pull_subscribe_bind(durable=topology.consumer,
                                                stream=topology.stream)
    while True:
        try:
            msgs = await subscription.fetch(OPTIONS.batch, timeout=OPTIONS.max_wait_s)
        except TimeoutError:
            continue
        acks = [await js.publish_async(topology.decision_subject("echo"), msg.data, headers={
            MSG_ID_HEADER: f"echo:{msg.metadata.sequence.stream}"}) for msg in msgs]
        await asyncio.gather(*acks)
        for msg in msgs:
            await msg.ack()


async def timed(
    connection: NATS, topology: StreamTopology, count: int,
    consume: Callable[[], Coroutine[Any, Any, None]],
) -> float:
    started = time.perf_counter()
    consumer = asyncio.create_task(consume())
    await outcomes_stored(connection, topology, count)
    seconds = time.perf_counter() - started
    consumer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await consumer
    return seconds


async def scoring_run(connection: NATS, topology: StreamTopology, count: int,
                      database: Database) -> tuple[float, int]:
    runtime = RiskRuntime(database, RiskSettings(), MemoryStateStore())
    await runtime.start()
    worker = ScoringWorker(connection, runtime, topology, OPTIONS, card_token_key=b"k" * 32)
    seconds = await timed(connection, topology, count, worker.run)
    await runtime.stop()
    return seconds, worker.stats.decided


async def main(count: int, nats_url: str) -> None:
    bodies = simulated_bodies(count)
    connection = await nats.connect(nats_url, connect_timeout=2, max_reconnect_attempts=0)
    made: list[StreamTopology] = []
    try:
        made.append(baseline_topology := await prepared(connection, bodies))
        baseline_s = await timed(connection, baseline_topology, count,
                                 lambda: echo_consumer(connection, baseline_topology))
        made.append(scoring_topology := await prepared(connection, bodies))
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            migrate.upgrade(url)
            database = Database(url)
            scoring_s, decided = await scoring_run(connection, scoring_topology, count, database)
            database.dispose()
    finally:
        for topology in made:
            for stream in (topology.stream, topology.outcome_stream):
                await connection.jetstream().delete_stream(stream)
        await connection.close()
    print(f"stream scoring, {count:,} messages, batches of {OPTIONS.batch}, "
          f"{OPTIONS.max_in_flight} in flight, SQLite recorder")
    print(f"{'path':<44}{'seconds':>9}{'msg/s':>10}{'ratio':>8}")
    for name, seconds in (("baseline: JetStream consume, publish, ack", baseline_s),
                          (f"scoring worker ({decided:,} decided, recorded)", scoring_s)):
        print(f"{name:<44}{seconds:>9.2f}{count / seconds:>10,.0f}{seconds / baseline_s:>7.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--nats-url", default=DEFAULT_NATS_URL)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.count, arguments.nats_url))
