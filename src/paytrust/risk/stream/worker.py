"""The JetStream scoring worker: fetch a batch, score it, publish the answers, then ack.

Every worker binds the same durable pull consumer, so JetStream spreads the messages over
however many run; each batch is acknowledged only after ``BatchScorer`` has seen its answers
committed by the recorder and the decisions are stored on the outcome stream. A worker that
dies before acknowledging leaves its messages to be redelivered after ``ack_wait``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from paytrust.config import Settings
from paytrust.platform.db import Database
from paytrust.risk.adapters.runtime import RiskRuntime, card_token_key
from paytrust.risk.stream.batch import BatchScorer
from paytrust.risk.stream.messages import (
    MSG_ID_HEADER,
    Delivery,
    Settle,
    Settlement,
    StreamTopology,
)
from paytrust.risk.stream.stats import WorkerStats

__all__ = ["ScoringWorker", "WorkerOptions", "ensure_topology", "run_scoring_worker"]

log = logging.getLogger(__name__)

DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
RETENTION_S = 7 * 86_400  # long enough to replay a week, or fetch a rejected original
MAX_STREAM_BYTES = 2**30  # reserved on the server: about two million messages
DUPLICATE_WINDOW_S = 120.0
MAX_ACK_PENDING = 20_000  # several workers, each with a batch or two in flight
PUBLISH_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    batch: int = 500
    max_wait_s: float = 0.05  # how long a fetch waits for its first message
    ack_wait_s: float = 30.0  # redelivery after a worker goes silent
    max_deliver: int = 10     # the last delivery that fails is rejected, not retried
    retry_delay_s: float = 2.0
    max_in_flight: int = 4    # batches scored while earlier ones wait for their commit
    locale: str = "en"


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    """Create the stream when it is missing. An existing stream keeps its configuration:
    its limits are the operator's to change (``nats stream edit``), not each worker's."""
    try:
        await js.stream_info(config.name or "")
    except NotFoundError:
        await js.add_stream(config)


def _bounded_stream(name: str, subjects: list[str]) -> StreamConfig:
    """A file-stored stream kept for ``RETENTION_S`` or ``MAX_STREAM_BYTES`` (oldest
    dropped first), whatever has been consumed: replays and audits read it too."""
    return StreamConfig(
        name=name, subjects=subjects, retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE, discard=DiscardPolicy.OLD, max_age=RETENTION_S,
        max_bytes=MAX_STREAM_BYTES, duplicate_window=DUPLICATE_WINDOW_S,
    )


async def ensure_topology(
    js: JetStreamContext, topology: StreamTopology, options: WorkerOptions,
) -> None:
    """The transaction stream, the outcome stream and the shared durable consumer."""
    await _ensure_stream(js, _bounded_stream(topology.stream, [topology.subject]))
    await _ensure_stream(js, _bounded_stream(
        topology.outcome_stream, [topology.decision_subjects, topology.rejected_subject]))
    await js.add_consumer(topology.stream, ConsumerConfig(
        durable_name=topology.consumer, ack_policy=AckPolicy.EXPLICIT,
        ack_wait=options.ack_wait_s, max_deliver=options.max_deliver,
        filter_subject=topology.subject, max_ack_pending=MAX_ACK_PENDING,
    ))


def delivery_of(msg: Msg) -> Delivery:
    metadata = msg.metadata
    return Delivery.from_headers(msg.data, msg.headers, stream_sequence=metadata.sequence.stream,
                                 num_delivered=metadata.num_delivered)


class ScoringWorker:
    def __init__(
        self, connection: NATS, runtime: RiskRuntime, topology: StreamTopology,
        options: WorkerOptions, *, card_token_key: bytes,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.connection = connection
        self.js = connection.jetstream()
        self.topology = topology
        self.options = options
        self.scorer = BatchScorer(runtime, topology, card_token_key=card_token_key,
                                  clock=clock, max_deliver=options.max_deliver,
                                  locale=options.locale)
        self.stats = WorkerStats()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Stop fetching; the batches in hand are still scored, recorded, published, acked."""
        self._stopping.set()

    async def run(self) -> None:
        """Score batches until ``stop``. Up to ``max_in_flight`` batches overlap, so the
        next batch is fetched and scored while the last one waits for its commit."""
        await ensure_topology(self.js, self.topology, self.options)
        subscription = await self.js.pull_subscribe_bind(
            durable=self.topology.consumer, stream=self.topology.stream)
        slots = asyncio.Semaphore(self.options.max_in_flight)
        in_flight: set[asyncio.Task[None]] = set()

        def finished(task: asyncio.Task[None]) -> None:
            in_flight.discard(task)
            slots.release()
            if not task.cancelled() and task.exception() is not None:
                log.error("a batch failed; its messages will be redelivered",
                          exc_info=task.exception())

        try:
            while not self._stopping.is_set():
                await slots.acquire()
                msgs = await self._fetch(subscription)
                if not msgs:
                    slots.release()
                    continue
                task = asyncio.create_task(self.handle(msgs), name="stream-batch")
                in_flight.add(task)
                task.add_done_callback(finished)
        except asyncio.CancelledError:  # killed, not stopped: leave the rest unacknowledged
            for task in in_flight:
                task.cancel()
            raise
        finally:
            await asyncio.gather(*in_flight, return_exceptions=True)
            await subscription.unsubscribe()

    async def _fetch(self, subscription: JetStreamContext.PullSubscription) -> list[Msg]:
        """Up to ``batch`` messages: those waiting at once, else the first to arrive
        within ``max_wait_s`` (none when idle)."""
        try:
            return await subscription.fetch(self.options.batch, timeout=self.options.max_wait_s)
        except TimeoutError:
            return []

    async def handle(self, msgs: Sequence[Msg]) -> None:
        """Score, record, publish, settle: in that order, so an ack always means done."""
        async with self._kept_in_progress(msgs):
            settlements = await self.scorer.score([delivery_of(msg) for msg in msgs])
            published = await self._publish(settlements)
        if not published:
            settlements = [Settlement(Settle.NAK) for _ in msgs]
        await self.settle(msgs, settlements)
        self.stats.count(settlements)

    async def _publish(self, settlements: Sequence[Settlement]) -> bool:
        """Publish every answer and rejection and wait for the stream to store them; False
        when it did not (the messages are then delivered again, and answered the same)."""
        try:
            acks = [
                await self.js.publish_async(publication.subject, publication.payload,
                                            headers={MSG_ID_HEADER: publication.msg_id})
                for settlement in settlements for publication in settlement.publications
            ]
            await asyncio.wait_for(asyncio.gather(*acks), PUBLISH_TIMEOUT_S)
        except (nats.errors.Error, TimeoutError):
            log.exception("publishing the outcomes of %d messages failed", len(settlements))
            return False
        return True

    async def settle(self, msgs: Sequence[Msg], settlements: Sequence[Settlement]) -> None:
        """Acks go out with the connection's next write; no flush (a PING round trip) per
        batch: nats-py's read loop dies on the PONG of a flush that timed out or was
        cancelled, and an ack lost with a dying worker only means one idempotent redelivery.
        ``run_scoring_worker`` drains the connection on the way out."""
        for msg, settlement in zip(msgs, settlements, strict=True):
            if settlement.settle is Settle.ACK:
                await msg.ack()
            elif settlement.settle is Settle.TERM:
                await msg.term()
            else:
                await msg.nak(delay=self.options.retry_delay_s)

    @contextlib.asynccontextmanager
    async def _kept_in_progress(self, msgs: Sequence[Msg]) -> AsyncIterator[None]:
        """While the batch waits (a slow database), tell JetStream it is being worked on,
        so it is not handed to another worker while this one is alive."""
        async def mark() -> None:
            while True:
                await asyncio.sleep(self.options.ack_wait_s / 3)
                for msg in msgs:
                    await msg.in_progress()

        marker = asyncio.create_task(mark(), name="stream-in-progress")
        try:
            yield
        finally:
            marker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await marker


async def _report_periodically(
    stats: WorkerStats, report: Callable[[str], None], every_s: float,
) -> None:
    loop = asyncio.get_running_loop()
    since = loop.time()
    while True:
        await asyncio.sleep(every_s)
        now = loop.time()
        report(stats.report_line(now - since))
        since = now


async def run_scoring_worker(
    settings: Settings, database: Database, *, nats_url: str, options: WorkerOptions,
    topology: StreamTopology | None = None, report: Callable[[str], None] = print,
    report_every_s: float = 10.0,
) -> WorkerStats:
    """Run one worker until SIGINT or SIGTERM, then finish the batch in hand, drain the
    recorder, and close. Returns the final counters."""
    connection = await nats.connect(nats_url, name="paytrust-scorer")
    runtime = RiskRuntime(database, settings.risk)
    await runtime.start()
    worker = ScoringWorker(connection, runtime, topology or StreamTopology(), options,
                           card_token_key=card_token_key(settings))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, worker.stop)
    reporter = asyncio.create_task(_report_periodically(worker.stats, report, report_every_s))
    try:
        await worker.run()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter
        await runtime.stop()
        await connection.drain()
    return worker.stats
