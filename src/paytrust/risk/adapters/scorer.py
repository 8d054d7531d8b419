"""The async scorer: an ``Engine`` wired to a state store, for the HTTP route, the stream
worker, backtests and the demo. One state read and one state write per call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
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
        started = perf_counter()
        engine = self.engine
        snapshot = await self.store.read(engine.state_keys(txn))
        result, update = engine.score(txn, snapshot, self._clock(), locale)
        await self.store.apply(update)
        return replace(result, latency_ms=(perf_counter() - started) * 1000)

    async def score_batch(
        self, txns: Sequence[Transaction], locale: str = "en"
    ) -> list[ScoreResult]:
        """Score in order; each transaction sees the ones before it in the batch. The
        latency reported is the whole batch's, shared equally."""
        if not txns:
            return []
        started = perf_counter()
        engine = self.engine
        if isinstance(self.store, MemoryStateStore):  # no read, no copies, one apply
            results = engine.score_batch_in_place(txns, self.store.states, self._clock(),
                                                  locale)
        else:
            keys = [key for txn in txns for key in engine.state_keys(txn)]
            snapshot = await self.store.read(keys)
            results, update = engine.score_batch(txns, snapshot, self._clock(), locale)
            await self.store.apply(update)
        latency_ms = (perf_counter() - started) * 1000 / len(txns)
        return [replace(result, latency_ms=latency_ms) for result in results]
