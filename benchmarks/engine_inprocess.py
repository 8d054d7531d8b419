"""In-process scoring: features + lists + the compiled default rule pack + a LightGBM model
+ policy, on simulated traffic.

Prints one table. Baseline (same run): the reference feature code (``compute_features``,
pure Python, on dict state) — the work every scoring must do before any rule or model, as it
was before the compiled kernel. Rows: the compiled features alone, the full engine one call
per transaction and in batches (in place on the in-memory tables), the async ``Scorer`` the
HTTP route uses (single and batched), and the same with the Redis store when it answers on
127.0.0.1:6379, then two processes sharing that Redis (every other batch each, so both update
the same entities at once; the write conflicts this causes are printed after the table).
p50/p99 are per call for single rows and per transaction (the batch's time shared) for
batched rows.

The model (200 trees at most, early stopping) is trained in the run on a separate simulated
history, so the scored traffic is data the model has not seen.

    PYTHONPATH=src python benchmarks/engine_inprocess.py [--customers 2000] [--days 5] [--batch 256]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from time import perf_counter_ns
from typing import Any

from paytrust.risk.adapters.scorer import Scorer
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.adapters.state_store import StateStore
from paytrust.risk.engine.config import DEFAULT_CONFIG
from paytrust.risk.engine.engine import Engine
from paytrust.risk.engine.features import VOCABULARY, compute_features
from paytrust.risk.engine.features.tables import FeatureTables
from paytrust.risk.engine.lightgbm_model import LightGBMScoringModel
from paytrust.risk.engine.lists import load_high_risk_countries, load_lists
from paytrust.risk.engine.rules import compile_ruleset, parse_ruleset
from paytrust.risk.engine.state import EntityKey, EntityState, apply_update
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.service.rulesets import default_pack_yaml
from paytrust.risk.training import Example, replay_features, time_split, train_model
from paytrust.simulator import SimulationConfig, simulate
from paytrust.simulator.config import DEFAULT_RATES

NOW = datetime(2026, 3, 1, tzinfo=UTC)
REDIS_URL = "redis://127.0.0.1:6379/0"
Row = tuple[str, float, float, float]  # name, tx/s, p50 µs, p99 µs


def _model() -> LightGBMScoringModel:
    rates = {name: rate * 5 for name, rate in DEFAULT_RATES.items()}
    history = [Example(r.transaction, r.is_fraud, r.typology) for r in simulate(
        SimulationConfig(customers=600, days=24, seed=101, typology_rates=rates))]
    train, test = time_split(replay_features(history))
    return train_model(train, test, version="bench-model").model


def _stats(name: str, count: int, elapsed_ns: int, samples_ns: Sequence[float]) -> Row:
    ordered = sorted(samples_ns)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return name, count / (elapsed_ns / 1e9), statistics.median(ordered) / 1e3, p99 / 1e3


def timed_each(name: str, txns: list[Transaction], score: Callable[[Transaction], object]) -> Row:
    samples = []
    started = perf_counter_ns()
    for txn in txns:
        t0 = perf_counter_ns()
        score(txn)
        samples.append(perf_counter_ns() - t0)
    return _stats(name, len(txns), perf_counter_ns() - started, samples)


def timed_batches(name: str, txns: list[Transaction], size: int,
                  score: Callable[[list[Transaction]], object]) -> Row:
    samples = []
    started = perf_counter_ns()
    for start in range(0, len(txns), size):
        batch = txns[start:start + size]
        t0 = perf_counter_ns()
        score(batch)
        samples.append((perf_counter_ns() - t0) / len(batch))
    return _stats(name, len(txns), perf_counter_ns() - started, samples)


async def timed_async(name: str, txns: list[Transaction], size: int,
                      score: Callable[[list[Transaction]], Awaitable[object]]) -> Row:
    samples = []
    started = perf_counter_ns()
    for start in range(0, len(txns), size):
        batch = txns[start:start + size]
        t0 = perf_counter_ns()
        await score(batch)
        samples.append((perf_counter_ns() - t0) / len(batch))
    return _stats(name, len(txns), perf_counter_ns() - started, samples)


async def scorer_rows(engine: Engine, store: StateStore, label: str, txns: list[Transaction],
                      batch: int) -> list[Row]:
    scorer = Scorer(engine, store, clock=lambda: NOW)
    half = len(txns) // 2

    async def one(items: list[Transaction]) -> object:
        return await scorer.score(items[0])

    return [await timed_async(f"Scorer, single, {label}", txns[:half], 1, one),
            await timed_async(f"Scorer, batch {batch}, {label}", txns[half:], batch,
                              scorer.score_batch)]


async def redis_rows(engine: Engine, txns: list[Transaction], batch: int) -> list[Row]:
    try:
        from paytrust.risk.adapters.state_redis import RedisStateStore

        store = RedisStateStore.from_url(REDIS_URL, prefix=f"paytrust-bench:{uuid.uuid4().hex}:")
        await store.client.ping()
    except Exception as error:  # any failure here only means "no Redis rows"
        print(f"(Redis rows skipped: {error})")
        return []
    try:
        return await scorer_rows(engine, store, "Redis store", txns, batch)
    finally:
        keys = [key async for key in store.client.scan_iter(f"{store.prefix}*")]
        for start in range(0, len(keys), 500):
            await store.client.delete(*keys[start:start + 500])
        await store.close()


def _engine(model: LightGBMScoringModel) -> Engine:
    rules = compile_ruleset(parse_ruleset(default_pack_yaml()), VOCABULARY)
    lists = load_lists([{"kind": "name", "value": name} for name in
                        ("Viktor Bout", "Mohammed Al-Rashid", "Kim Jong Un")],
                       high_risk_countries=load_high_risk_countries())
    return Engine(rules, lists, model)


Shared = tuple[int, int, list[float], int, int]  # scored, elapsed ns, samples, conflicts, batches


def _shared_scorer(prefix: str, model: LightGBMScoringModel, txns: list[Transaction],
                   batch: int, ready: Any, go: Any, results: Any) -> None:
    """One of several processes scoring on one Redis (runs in a child process)."""
    from paytrust.risk.adapters.state_redis import RedisStateStore

    engine = _engine(model)

    async def run() -> Shared:
        store = RedisStateStore.from_url(REDIS_URL, prefix=prefix)
        scorer = Scorer(engine, store, clock=lambda: NOW)
        await scorer.score_batch(txns[:batch])  # connected and compiled before the clock
        ready.set()
        go.wait()
        samples = []
        started = perf_counter_ns()
        for start in range(batch, len(txns), batch):
            t0 = perf_counter_ns()
            await scorer.score_batch(txns[start:start + batch])
            samples.append((perf_counter_ns() - t0) / len(txns[start:start + batch]))
        elapsed = perf_counter_ns() - started
        await store.close()
        return len(txns) - batch, elapsed, samples, store.conflicts, len(samples)

    results.put(asyncio.run(run()))


def shared_redis_row(model: LightGBMScoringModel, txns: list[Transaction], batch: int,
                     processes: int = 2) -> tuple[list[Row], str]:
    """``processes`` scorers on one Redis, each given every ``processes``-th batch of one
    stream, so they update the same customers, merchants and devices at the same time (two
    workers behind a load balancer). Rate: all transactions over the slowest one's time."""
    context = multiprocessing.get_context("spawn")
    prefix = f"paytrust-bench:{uuid.uuid4().hex}:"
    ready = [context.Event() for _ in range(processes)]
    go, results = context.Event(), context.Queue()
    shares = [[txn for position, txn in enumerate(txns) if position // batch % processes == part]
              for part in range(processes)]
    workers = [context.Process(target=_shared_scorer,
                               args=(prefix, model, share, batch, ready[part], go, results))
               for part, share in enumerate(shares)]
    for worker in workers:
        worker.start()
    for event in ready:
        event.wait()
    go.set()
    outcomes: list[Shared] = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    _delete_keys(prefix)
    scored = sum(outcome[0] for outcome in outcomes)
    elapsed = max(outcome[1] for outcome in outcomes)
    samples = [sample for outcome in outcomes for sample in outcome[2]]
    name = f"Scorer, batch {batch}, Redis store, {processes} processes sharing it"
    conflicts = (f"{processes} processes: {sum(o[3] for o in outcomes)} write conflicts "
                 f"(a batch re-applied to fresh records) in {sum(o[4] for o in outcomes)} "
                 "batches")
    return [_stats(name, scored, elapsed, samples)], conflicts


def _delete_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*", count=1_000))
    for start in range(0, len(keys), 1_000):
        client.delete(*keys[start:start + 1_000])
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    txns = [row.transaction for row in simulate(
        SimulationConfig(customers=args.customers, days=args.days, seed=7))]
    model = _model()
    engine = _engine(model)

    def reference_features() -> Callable[[Transaction], object]:
        states: dict[EntityKey, EntityState] = {}

        def score(txn: Transaction) -> None:
            _, update = compute_features(txn, states, DEFAULT_CONFIG)
            for entity_update in update:
                apply_update(states.setdefault(entity_update.key, EntityState()), entity_update)
        return score

    def compiled_features() -> Callable[[Transaction], object]:
        tables = FeatureTables()
        return lambda txn: tables.features([txn], DEFAULT_CONFIG)

    def engine_single() -> Callable[[Transaction], object]:
        tables = FeatureTables()
        return lambda txn: engine.score_in_place([txn], tables, NOW)

    def engine_batch() -> Callable[[list[Transaction]], object]:
        tables = FeatureTables()
        return lambda batch: engine.score_in_place(batch, tables, NOW)

    rows = [
        timed_each("baseline: reference features (pure Python), dict state", txns,
                   reference_features()),
        timed_each("compiled features, single call", txns, compiled_features()),
        timed_each("engine, single call, memory store", txns, engine_single()),
        timed_batches(f"engine, batch {args.batch}, memory store", txns, args.batch,
                      engine_batch()),
    ]
    rows += asyncio.run(scorer_rows(engine, MemoryStateStore(), "memory store", txns,
                                    args.batch))
    redis_txns, redis_batch = txns[: len(txns) // 4], min(args.batch, 100)
    redis = asyncio.run(redis_rows(engine, redis_txns, redis_batch))
    conflicts = ""
    if redis:
        shared, conflicts = shared_redis_row(model, redis_txns, redis_batch)
        redis += shared
    rows += redis

    baseline = rows[0][1]
    rule_count = len(parse_ruleset(default_pack_yaml()).rules)
    print(f"\n{len(txns):,} simulated transactions; {rule_count} compiled rules, lists "
          f"with name screening, model {model.booster.num_trees()} trees over "
          f"{len(model.feature_names)} features\n")
    print("| scenario | tx/s | p50 µs | p99 µs | vs baseline |")
    print("|---|---:|---:|---:|---:|")
    for name, rate, p50, p99 in rows:
        print(f"| {name} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {rate / baseline:.2f}x |")
    if conflicts:
        print(f"\n{conflicts}")


if __name__ == "__main__":
    main()
