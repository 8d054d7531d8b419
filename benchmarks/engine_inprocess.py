"""In-process scoring throughput: features + lists + the default rule pack + policy.

Prints one table. Baseline (same run): features alone on the in-memory store. Rows:
the full engine one call per transaction and in batches of 100 on the in-memory store, the
async scorer, and the Redis store when it answers on 127.0.0.1:6379.

    PYTHONPATH=src python benchmarks/engine_inprocess.py [--count 20000]

Until the rule compiler is on main, the default pack's expressions are turned into Python
lambdas by a naive text translation (a stand-in of similar cost to compiled closures);
the table says which was used. No model is wired yet (the LightGBM model lands later).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from time import perf_counter_ns
from typing import Any

import yaml

from paytrust.risk.adapters.scorer import Scorer
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.engine.config import DEFAULT_CONFIG
from paytrust.risk.engine.engine import Engine
from paytrust.risk.engine.features import VOCABULARY, compute_features, state_keys
from paytrust.risk.engine.lists import load_high_risk_countries, load_lists
from paytrust.risk.engine.transaction import Channel, Transaction, TransactionType
from paytrust.risk.engine.verdict import Decision

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def transactions(count: int, seed: int = 1) -> list[Transaction]:
    rng = random.Random(seed)
    at = NOW - timedelta(days=3)
    out = []
    for i in range(count):
        at += timedelta(seconds=rng.expovariate(count / (3 * 86_400)))
        customer = rng.randrange(2_000)
        payment = rng.random() < 0.6
        out.append(Transaction(
            transaction_id=f"t{i}", occurred_at=at,
            type=TransactionType.PAYMENT if payment else TransactionType.P2P_TRANSFER,
            amount_minor=int(rng.lognormvariate(9, 1.5)) + 1, currency="CNY",
            customer_id=f"c{customer}", account_id=f"a{customer}", channel=Channel.IN_APP,
            payee_id=None if payment else f"a{rng.randrange(2_000)}",
            payee_name=None if payment else f"Payee {rng.randrange(500)}",
            merchant_id=f"m{rng.randrange(200)}" if payment else None,
            device_id=f"d{customer if rng.random() < 0.95 else rng.randrange(3_000)}",
            ip=f"10.{customer % 200}.{rng.randrange(4)}.1", country="CN",
            latitude=31 + rng.random(), longitude=121 + rng.random(),
            balance_before_minor=rng.randrange(10**5, 10**8),
        ))
    return out


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    description_en: str
    description_zh: str
    action: Decision | None
    score: float | None
    enabled: bool
    shadow: bool


class _EvalRules:
    """Stand-in for the rule compiler: each expression becomes one Python lambda."""

    def __init__(self, text: str) -> None:
        pack = yaml.safe_load(text)
        self.rules = [
            _Rule(r["id"], r["description"]["en"], r["description"]["zh"],
                  Decision(r["action"]) if r.get("action") else None, r.get("score"),
                  r.get("enabled", True), r.get("shadow", False))
            for r in pack["rules"]
        ]
        self._predicates: list[Callable[[Mapping[str, object]], bool]] = [
            eval(f"lambda c: {_to_python(r['when'])}", {"max": max, "min": min})
            for r in pack["rules"]
        ]

    def evaluate(self, ctx: Mapping[str, object]) -> tuple[int, ...]:
        hits = []
        for index, predicate in enumerate(self._predicates):
            try:
                if predicate(ctx):
                    hits.append(index)
            except TypeError:  # a null in a comparison: false, as the rule language intends
                continue
        return tuple(hits)


def _to_python(expression: str) -> str:
    expression = re.sub(r"\bis null\b", "is None", expression)
    expression = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", expression))
    return re.sub(r"\b([a-z_]+\.[a-z0-9_]+)\b", r'c["\1"]', expression)


def _load_rules() -> tuple[Any, str]:
    text = (files("paytrust") / "content/rules/default.yaml").read_text("utf-8")
    try:
        from paytrust.risk.engine.rules import (  # type: ignore[import-not-found]
            compile_ruleset,
            parse_ruleset,
        )

        return compile_ruleset(parse_ruleset(text), VOCABULARY), "compiled"
    except ImportError:
        return _EvalRules(text), "eval stand-in"


def _percentiles(samples_ns: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(samples_ns)
    return (statistics.median(ordered) / 1_000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1_000)


def run_sync(txns: list[Transaction], score_one: Callable[[Transaction], object]) -> tuple[
        float, float, float]:
    samples = []
    started = perf_counter_ns()
    for txn in txns:
        t0 = perf_counter_ns()
        score_one(txn)
        samples.append(perf_counter_ns() - t0)
    elapsed = (perf_counter_ns() - started) / 1e9
    return (len(txns) / elapsed, *_percentiles(samples))


def run_batches(txns: list[Transaction], score_many: Callable[[list[Transaction]], object],
                size: int) -> tuple[float, float, float]:
    samples = []
    started = perf_counter_ns()
    for start in range(0, len(txns), size):
        t0 = perf_counter_ns()
        batch = txns[start:start + size]
        score_many(batch)
        samples.append((perf_counter_ns() - t0) / len(batch))
    elapsed = (perf_counter_ns() - started) / 1e9
    return (len(txns) / elapsed, *_percentiles(samples))


async def run_async(txns: list[Transaction], scorer: Scorer, size: int) -> tuple[
        float, float, float]:
    samples = []
    started = perf_counter_ns()
    for start in range(0, len(txns), size):
        t0 = perf_counter_ns()
        if size == 1:
            await scorer.score(txns[start])
        else:
            await scorer.score_batch(txns[start:start + size])
        samples.append((perf_counter_ns() - t0) / size)
    elapsed = (perf_counter_ns() - started) / 1e9
    return (len(txns) / elapsed, *_percentiles(samples))


async def _redis_rows(engine: Engine, txns: list[Transaction]) -> list[tuple[str, tuple[
        float, float, float]]]:
    try:
        from paytrust.risk.adapters.state_redis import RedisStateStore

        store = RedisStateStore.from_url("redis://127.0.0.1:6379/0",
                                         prefix=f"paytrust-bench:{uuid.uuid4().hex}:")
        await store.client.ping()
    except Exception as error:  # any failure here only means "no Redis row"
        print(f"(Redis row skipped: {error})")
        return []
    scorer = Scorer(engine, store, clock=lambda: NOW)
    rows = [("engine + Redis store, async single", await run_async(txns, scorer, 1)),
            ("engine + Redis store, async batch 100", await run_async(txns, scorer, 100))]
    keys = [key async for key in store.client.scan_iter(f"{store._prefix}*")]
    for start in range(0, len(keys), 500):
        await store.client.delete(*keys[start:start + 500])
    await store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args()
    txns = transactions(args.count)
    rules, rules_kind = _load_rules()
    lists = load_lists([{"kind": "name", "value": name} for name in
                        ("Viktor Bout", "Mohammed Al-Rashid", "Kim Jong Un")],
                       high_risk_countries=load_high_risk_countries())
    engine = Engine(rules, lists)

    def features_only(txn: Transaction, store: MemoryStateStore) -> None:
        _, update = compute_features(txn, store.read_sync(state_keys(txn)), DEFAULT_CONFIG)
        store.apply_sync(update)

    def full_single(txn: Transaction, store: MemoryStateStore) -> None:
        _, update = engine.score(txn, store.read_sync(engine.state_keys(txn)), NOW)
        store.apply_sync(update)

    def full_batch(batch: list[Transaction], store: MemoryStateStore) -> None:
        keys = [key for txn in batch for key in engine.state_keys(txn)]
        _, update = engine.score_batch(batch, store.read_sync(keys), NOW)
        store.apply_sync(update)

    rows: list[tuple[str, tuple[float, float, float]]] = []
    store = MemoryStateStore()
    rows.append(("baseline: features only, memory store",
                 run_sync(txns, lambda t: features_only(t, store))))
    store = MemoryStateStore()
    rows.append(("engine, single call, memory store",
                 run_sync(txns, lambda t: full_single(t, store))))
    store = MemoryStateStore()
    rows.append(("engine, batch 100, memory store",
                 run_batches(txns, lambda b: full_batch(b, store), 100)))
    rows.append(("engine + async Scorer, single, memory",
                 asyncio.run(run_async(txns, Scorer(engine, MemoryStateStore(),
                                                    clock=lambda: NOW), 1))))
    rows.extend(asyncio.run(_redis_rows(engine, txns[: max(1, args.count // 4)])))

    baseline = rows[0][1][0]
    print(f"\nrisk engine in-process — {args.count} transactions, rules: {len(rules.rules)} "
          f"({rules_kind}), lists + name screen on, model: none available yet")
    print(f"{'scenario':<42} {'tx/s':>9} {'p50 µs':>8} {'p99 µs':>8} {'vs baseline':>12}")
    for name, (rate, p50, p99) in rows:
        print(f"{name:<42} {rate:>9,.0f} {p50:>8.1f} {p99:>8.1f} {rate / baseline:>11.2f}x")


if __name__ == "__main__":
    main()
