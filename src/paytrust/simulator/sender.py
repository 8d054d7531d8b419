"""Feed a running PayTrust: simulated transactions over HTTP or onto the JetStream stream.

Traffic is re-timed to "now" so the service sees live payments; ids carry a run tag, so
restarting a feed never replays ids the service has already decided.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from paytrust.risk.engine.transaction import Transaction
from paytrust.simulator.api import simulate, to_api_json
from paytrust.simulator.config import SimulationConfig

STREAM = "PAYTRUST_TRANSACTIONS"
SUBJECT = "paytrust.transactions"


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    seconds: float
    decisions: dict[str, int]

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def render(self) -> str:
        mix = ", ".join(f"{k} {v}" for k, v in sorted(self.decisions.items())) or "none"
        return (
            f"sent {self.sent} ({self.failed} failed) in {self.seconds:.1f} s = "
            f"{self.rate:,.0f} tx/s; decisions: {mix}"
        )


def live_transactions(config: SimulationConfig) -> Iterator[Transaction]:
    """The simulation re-timed so its first transaction happens now."""
    tag = secrets.token_hex(3)
    shift: timedelta | None = None
    for labelled in simulate(config):
        txn = labelled.transaction
        shift = shift or (datetime.now(UTC) - txn.occurred_at)
        moved: dict[str, Any] = {
            name: getattr(txn, name) + shift
            for name in ("occurred_at", "credential_changed_at", "sim_swapped_at")
            if getattr(txn, name) is not None
        }
        original: dict[str, Any] = (
            {"original_transaction_id": f"{tag}-{txn.original_transaction_id}"}
            if txn.original_transaction_id
            else {}
        )
        yield replace(txn, transaction_id=f"{tag}-{txn.transaction_id}", **moved, **original)


async def post_transactions(
    base_url: str,
    transactions: Iterator[Transaction],
    *,
    api_key: str,
    rate: float,
    limit: int | None = None,
    concurrency: int = 16,
    stop: threading.Event | None = None,
) -> SendReport:
    """POST each transaction at ``rate`` per second (0: as fast as possible)."""
    decisions: Counter[str] = Counter()
    sent = failed = 0
    started = time.perf_counter()
    gate = asyncio.Semaphore(concurrency)
    url = base_url.rstrip("/") + "/api/v1/transactions"

    async def post(client: httpx.AsyncClient, txn: Transaction) -> None:
        nonlocal sent, failed
        async with gate:
            try:
                response = await client.post(
                    url,
                    content=orjson.dumps(to_api_json(txn)),
                    headers={"content-type": "application/json"},
                )
                decisions[str(response.json().get("decision", f"http {response.status_code}"))] += 1
                sent += 1
            except (httpx.HTTPError, ValueError):
                failed += 1

    async with httpx.AsyncClient(headers={"x-api-key": api_key}, timeout=10) as client:
        tasks: set[asyncio.Task[None]] = set()
        for number, txn in enumerate(transactions):
            if (limit is not None and number >= limit) or (stop is not None and stop.is_set()):
                break
            if rate > 0:
                await asyncio.sleep(max(0.0, started + number / rate - time.perf_counter()))
            task = asyncio.create_task(post(client, txn))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
    return SendReport(sent, failed, time.perf_counter() - started, dict(decisions))


def send_simulated_traffic(
    base_url: str,
    *,
    api_key: str,
    rate: float,
    customers: int,
    seed: int,
    stop: threading.Event | None = None,
    limit: int | None = None,
    days: int = 365,
) -> SendReport:
    """Blocking: simulated live traffic into a running service (the demo's feed)."""
    config = SimulationConfig(customers=customers, days=days, seed=seed)
    return asyncio.run(
        post_transactions(
            base_url, live_transactions(config), api_key=api_key, rate=rate, limit=limit, stop=stop
        )
    )


async def publish_transactions(
    nats_url: str,
    transactions: Iterator[Transaction],
    *,
    limit: int | None = None,
    subject: str = SUBJECT,
    stream: str = STREAM,
) -> SendReport:
    """Publish PayTrust JSON onto JetStream (the stream is created if missing)."""
    import nats
    from nats.js.errors import NotFoundError

    started = time.perf_counter()
    connection = await nats.connect(nats_url)
    sent = 0
    try:
        jetstream = connection.jetstream()
        try:
            await jetstream.stream_info(stream)
        except NotFoundError:
            await jetstream.add_stream(name=stream, subjects=[subject])
        for number, txn in enumerate(transactions):
            if limit is not None and number >= limit:
                break
            await jetstream.publish(
                subject,
                orjson.dumps(to_api_json(txn)),
                headers={"Nats-Msg-Id": txn.transaction_id, "Content-Type": "application/json"},
            )
            sent += 1
    finally:
        await connection.close()
    return SendReport(sent, 0, time.perf_counter() - started, {})
