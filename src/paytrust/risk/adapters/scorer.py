"""The async scorer: an ``Engine`` wired to a state store, for the HTTP route, the stream
worker and the demo. In memory, the engine updates the store's tables in place; a shared
store costs one state read and one state write per call, around the same in-place scoring
on scratch tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from time import perf_counter

from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.adapters.state_store import StateStore
from paytrust.risk.engine.engine import Engine, ScoreResult
from paytrust.risk.engine.transaction import Transaction


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Scorer:
    def __init__(
        self, engine: Engine, store: StateStore, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.engine = engine  # replace to hot-swap rules, lists or models
        self.store = store
        self._clock = clock

    async def score(self, txn: Transaction, locale: str = "en") -> ScoreResult:
        return (await self.score_batch([txn], locale))[0]

    async def score_batch(
        self, txns: Sequence[Transaction], locale: str = "en"
    ) -> list[ScoreResult]:
        """Score in order; each transaction sees the ones before it in the batch. The
        latency reported is the whole batch's, shared equally."""
        if not txns:
            return []
        started = perf_counter()
        engine, store, now = self.engine, self.store, self._clock()
        if isinstance(store, MemoryStateStore):
            results = engine.score_in_place(txns, store.tables, now, locale)
        else:
            results = await store.score_with(
                txns, engine.config,
                lambda tables: engine.score_in_place(txns, tables, now, locale))
        latency_ms = (perf_counter() - started) * 1000 / len(txns)
        for result in results:
            result.latency_ms = latency_ms
        return results
