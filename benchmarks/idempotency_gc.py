"""What the idempotency cache costs the garbage collector: a full collection's pause with the
cache full of answers, as the serving process holds it, against the same answers kept as
objects (a settled future holding the answer's dict, as the cache did before).

A scoring process remembers its last 200,000 answers. CPython's full collections walk every
object the collector tracks, and they come round every few tens of thousands of scored
payments: a pause of that length stalls every request in flight, which is what a p99
measures over a long run.

    PYTHONPATH=src python benchmarks/idempotency_gc.py [--answers 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
from collections import OrderedDict
from dataclasses import replace
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

from paytrust.risk.adapters.idempotency import RecentDecisions, payload_fingerprint
from paytrust.risk.engine.transaction import Channel, Transaction, TransactionType


def _answer(transaction_id: str) -> dict[str, Any]:
    """An answer of the usual shape: a review with one rule's reason."""
    return {
        "transaction_id": transaction_id, "decision": "review", "score": 0.62,
        "reasons": [{"code": "rule:new_device_large_transfer",
                     "message": "Large transfer from a device first seen today",
                     "contribution": 0.62}],
        "rules_hit": ["new_device_large_transfer"], "model_version": None,
        "ruleset_version": "default@1", "latency_ms": 0.041,
    }


def _transactions(count: int) -> list[Transaction]:
    first = Transaction(
        transaction_id="t", occurred_at=datetime(2026, 12, 7, tzinfo=UTC),
        type=TransactionType.P2P_TRANSFER, amount_minor=12_850, currency="CNY",
        customer_id="C0000001", account_id="A0000001", channel=Channel.IN_APP,
        payee_id="A0000002", device_id="D0000001", ip="203.0.113.7", country="CN",
    )
    return [replace(first, transaction_id=f"t{index:08d}") for index in range(count)]


async def _current(txns: list[Transaction]) -> RecentDecisions:
    """The cache as the scoring runtime fills it: claim, score, settle."""
    recent = RecentDecisions(capacity=len(txns))
    for txn in txns:
        recent.settle(recent.claim(txn), _answer(txn.transaction_id))
    return recent


async def _as_objects(txns: list[Transaction]) -> OrderedDict[str, tuple[int, Any]]:
    """The baseline: each id keeps its payload hash and the settled future of its answer."""
    loop = asyncio.get_running_loop()
    entries: OrderedDict[str, tuple[int, Any]] = OrderedDict()
    for txn in txns:
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        future.set_result(_answer(txn.transaction_id))
        entries[txn.transaction_id] = (payload_fingerprint(txn), future)
    return entries


def _full_collection_ms(repeat: int) -> float:
    pauses = []
    for _ in range(repeat):
        started = perf_counter()
        gc.collect()
        pauses.append((perf_counter() - started) * 1000)
    return statistics.median(pauses)


async def _measure(label: str, build: Any, txns: list[Transaction], repeat: int
                   ) -> tuple[str, int, float]:
    gc.collect()
    before = len(gc.get_objects())
    cache = await build(txns)
    gc.collect()  # the collector stops tracking tuples of plain values on its first pass
    tracked = len(gc.get_objects()) - before
    pause = _full_collection_ms(repeat)
    del cache
    return label, tracked, pause


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5, help="full collections timed per row")
    args = parser.parse_args()
    txns = _transactions(args.answers)
    gc.freeze()  # what start-up built is out of the collector's sight, as in the server
    rows = [await _measure("baseline: answers as futures and dicts", _as_objects, txns,
                           args.repeat),
            await _measure("RecentDecisions: answers as JSON bytes", _current, txns,
                           args.repeat)]
    baseline_ms = rows[0][2]
    print(f"| idempotency cache of {args.answers:,} answers | tracked objects | "
          "full collection ms (median) | times shorter than baseline |")
    print("|---|---:|---:|---:|")
    for label, tracked, pause in rows:
        print(f"| {label} | {tracked:,} | {pause:.1f} | {baseline_ms / pause:.1f}x |")


if __name__ == "__main__":
    asyncio.run(main())
