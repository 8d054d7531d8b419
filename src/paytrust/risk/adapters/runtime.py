"""The scoring runtime of one process: scorer, idempotency cache and recorder, kept in step
with the rule sets and lists in the database.

``score`` is the hot path the HTTP route and the stream worker call: no database access,
only the engine, the state store, the in-memory cache and the recorder's queue. A committed
rule or list change (``risk.rules_changed`` / ``risk.lists_changed``) rebuilds the engine at
once; a periodic stamp check catches changes committed by other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import itertools
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from paytrust.config import RiskSettings, Settings
from paytrust.platform.db import Database
from paytrust.platform.errors import ValidationFailed
from paytrust.platform.events import bus
from paytrust.risk import service as risk_service
from paytrust.risk.adapters.idempotency import Answer, Claim, RecentDecisions
from paytrust.risk.adapters.recorder import Recorder, ScoredTransaction
from paytrust.risk.adapters.scorer import Scorer
from paytrust.risk.adapters.state_memory import MemoryStateStore
from paytrust.risk.adapters.state_store import StateStore
from paytrust.risk.engine.engine import Engine, ScoreResult
from paytrust.risk.engine.features import VOCABULARY
from paytrust.risk.engine.lists import load_high_risk_countries, load_lists
from paytrust.risk.engine.model import ModelError, ScoringModel
from paytrust.risk.engine.policy import PolicyConfig
from paytrust.risk.engine.rules import compile_ruleset, parse_ruleset
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.events import ListsChanged, ModelsChanged, RulesChanged

log = logging.getLogger(__name__)

RELOAD_CHECK_S = 5.0
EVICT_IDLE_EVERY_S = 600.0  # how often the in-memory store forgets entities idle past the horizon
WARM_CACHE_ANSWERS = 50_000
# Loop turns a batch waits for requests whose bytes have already arrived (see ``_gather``).
GATHER_TURNS = 4


def _utc_now() -> datetime:
    return datetime.now(UTC)


def answer_of(result: ScoreResult) -> Answer:
    """The JSON answer to an integrator for one scored transaction."""
    return {
        "transaction_id": result.transaction_id,
        "decision": result.decision._value_,  # not ``.value``: a property, 3.5 times the cost
        "score": result.score,
        "reasons": [
            {"code": r.code, "message": r.message, "contribution": r.contribution}
            for r in result.reasons
        ],
        "rules_hit": list(result.rules_hit), "model_version": result.model_version,
        "ruleset_version": result.ruleset_version or None,
        "latency_ms": result.latency_ms,
    }


def card_token_key(settings: Settings) -> bytes:
    """The key the ISO 8583 parser tokenises card numbers with, derived from the secret."""
    return _token_key_of(settings.secret_key.get_secret_value())


@functools.lru_cache(maxsize=4)  # asked for on every scoring request
def _token_key_of(secret: str) -> bytes:
    return hashlib.sha256(b"paytrust-card-token\x00" + secret.encode()).digest()


def open_state_store(settings: RiskSettings) -> StateStore:
    """Redis when ``redis_url`` is set (shared by every scoring process), memory otherwise."""
    if settings.redis_url:
        from paytrust.risk.adapters.state_redis import RedisStateStore

        return RedisStateStore.from_url(settings.redis_url)
    return MemoryStateStore()


def refuse_duplicate_ids(txns: Sequence[Transaction]) -> None:
    """A batch names each transaction once (400 naming the second occurrence)."""
    if len(txns) < 2:  # most requests: nothing to compare
        return
    first_index: dict[str, int] = {}
    for index, txn in enumerate(txns):
        earlier = first_index.setdefault(txn.transaction_id, index)
        if earlier != index:
            field = f"transactions[{index}].transaction_id"
            raise ValidationFailed(
                f"{field}: {txn.transaction_id!r} repeats transactions[{earlier}]", field=field
            )


@dataclass(slots=True)
class _Waiting:
    """A request's new transactions, waiting to be scored with the others of its turn, each
    with its claim (the lists are aligned)."""

    txns: list[Transaction]
    claims: list[Claim]
    locale: str


class RiskRuntime:
    def __init__(
        self, database: Database, settings: RiskSettings, store: StateStore | None = None,
        *, clock: Callable[[], datetime] = _utc_now, reload_check_s: float = RELOAD_CHECK_S,
    ) -> None:
        self.database = database
        self.settings = settings
        self.policy = PolicyConfig(
            challenge_threshold=settings.challenge_threshold,
            review_threshold=settings.review_threshold,
            block_threshold=settings.block_threshold,
        )
        self.high_risk_countries = load_high_risk_countries()
        self.scorer = Scorer(
            Engine(None, load_lists((), high_risk_countries=self.high_risk_countries),
                   policy=self.policy),
            store if store is not None else open_state_store(settings), clock,
        )
        self.recorder = Recorder(
            database, batch_size=settings.recorder_batch_size,
            flush_ms=settings.recorder_flush_ms, writer=settings.recorder_writer,
        )
        self.recent = RecentDecisions()
        self.stamp = ""
        self._models: dict[str, ScoringModel] = {}  # loaded model versions, by name
        self._clock = clock
        self._reload_check_s = reload_check_s
        self._watcher: asyncio.Task[None] | None = None
        self._waiting: list[_Waiting] = []  # requests to score in the next batch
        self._flushing: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await asyncio.to_thread(self.reload)
        self.recent.warm(await asyncio.to_thread(self._recorded_answers))
        bus.subscribe(RulesChanged.name, self._on_change)
        bus.subscribe(ListsChanged.name, self._on_change)
        bus.subscribe(ModelsChanged.name, self._on_change)
        self.recorder.start()
        self._watcher = asyncio.create_task(self._watch_for_changes(), name="risk-reload")

    async def stop(self) -> None:
        if self._flushing is not None:  # requests being scored get their answers
            await self._flushing
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        await self.recorder.stop()
        await self.scorer.store.close()

    def reload(self) -> None:
        """Build an engine from the active rule set, lists and serving models and swap it
        in whole."""
        with self.database.read_session() as session:
            inputs = risk_service.engine_inputs(session, self._clock())
            champion = self._model(session, inputs.champion_model)
            challenger = self._model(session, inputs.challenger_model)
        serving = (inputs.champion_model, inputs.challenger_model)
        self._models = {v: m for v, m in self._models.items() if v in serving}
        self.scorer.engine = Engine(
            compile_ruleset(parse_ruleset(inputs.ruleset_yaml), VOCABULARY),
            load_lists(inputs.list_rows, high_risk_countries=self.high_risk_countries,
                       version=inputs.stamp),
            champion, challenger, self.policy,
            ruleset_version=inputs.ruleset_version,
        )
        self.stamp = inputs.stamp
        log.info("risk engine loaded: rules %s, %d list entries, model %s, challenger %s",
                 inputs.ruleset_version, len(inputs.list_rows), inputs.champion_model,
                 inputs.challenger_model)

    def _model(self, session: Session, version: str | None) -> ScoringModel | None:
        """The model ``version``, loaded once per process; a model that cannot be loaded
        is left out (decisions rest on rules and lists) and logged."""
        if version is None:
            return None
        if version not in self._models:
            try:
                self._models[version] = risk_service.load_model(
                    risk_service.get_model_version(session, version))
            except ModelError:
                log.exception("model %s cannot be loaded; scoring without it", version)
                return None
        return self._models[version]

    def _recorded_answers(self) -> list[tuple[str, Answer]]:
        with self.database.read_session() as session:
            return risk_service.recent_answers(session, limit=WARM_CACHE_ANSWERS)

    async def recall(self, transaction_ids: Collection[str]) -> None:
        """Remember the recorded answers of those ``transaction_ids`` this process does not
        know: a transaction redelivered by the stream after another worker scored and
        recorded it then gets that answer, not a second opinion."""
        unknown = [tid for tid in transaction_ids if tid not in self.recent]
        if unknown:
            self.recent.warm(await asyncio.to_thread(self._answers_recorded_for, unknown))

    def _answers_recorded_for(self, transaction_ids: list[str]) -> list[tuple[str, Answer]]:
        with self.database.read_session() as session:
            return risk_service.recorded_answers(session, transaction_ids)

    def _on_change(self, _event: Any) -> None:
        self.reload()

    async def _watch_for_changes(self) -> None:
        loop = asyncio.get_running_loop()
        evict_at = loop.time() + EVICT_IDLE_EVERY_S
        while True:
            await asyncio.sleep(self._reload_check_s)
            try:
                await asyncio.to_thread(self._reload_if_changed)
            except Exception:  # a failed check must not stop later ones
                log.exception("checking for rule and list changes failed")
            store = self.scorer.store
            if loop.time() >= evict_at and isinstance(store, MemoryStateStore):
                # On the loop, in slices between scorings: the tables are not thread-safe.
                evicted = await store.evict_idle(self._clock().timestamp())
                log.info("forgot %d entities idle past the state horizon", evicted)
                evict_at = loop.time() + EVICT_IDLE_EVERY_S

    def _reload_if_changed(self) -> None:
        with self.database.read_session() as session:
            stamp = risk_service.change_stamp(session)
        if stamp != self.stamp:
            self.reload()

    async def score(self, txns: Sequence[Transaction], locale: str = "en") -> list[Answer]:
        """Answers in the order of ``txns``: a repeated id gets its first answer (a
        different payload under it is a conflict); new ones are scored and recorded."""
        refuse_duplicate_ids(txns)
        claims: list[Claim] = []
        fresh = _Waiting([], [], locale)
        try:
            for txn in txns:
                claim = self.recent.claim(txn)
                claims.append(claim)
                if claim.is_new:
                    fresh.txns.append(txn)
                    fresh.claims.append(claim)
        except BaseException as error:
            self._release(claims, error)
            raise
        if fresh.txns:
            self._waiting.append(fresh)
            if self._flushing is None:
                self._flushing = asyncio.get_running_loop().create_task(self._flush())
        if len(claims) == 1:  # most requests: no comprehension coroutine to run
            return [await claims[0].answer]
        return [await claim.answer for claim in claims]

    async def _flush(self) -> None:
        """Score every request waiting, as one engine batch per answer language.

        Concurrent requests arrive within a few turns of the event loop (``_gather``);
        scored together, they share one compiled call instead of paying its fixed cost each
        (the engine is sequential either way: each transaction sees the ones before it).
        Requests that come while a batch is scored form the next one."""
        waiting: list[_Waiting] = []
        try:
            await self._gather()
            while self._waiting:
                waiting, self._waiting = self._waiting, []
                for locale in dict.fromkeys(request.locale for request in waiting):
                    await self._score_together(
                        [request for request in waiting if request.locale == locale], locale)
        except BaseException as error:  # cancelled: nobody may wait for ever
            for request in [*waiting, *self._waiting]:
                self._release(request.claims, error)
            self._waiting = []
            raise
        finally:
            self._flushing = None

    async def _gather(self) -> None:
        """Let the requests still arriving join the batch: yield to the event loop while the
        last turn added a request, at most ``GATHER_TURNS`` turns. A turn only polls the
        sockets, so it parses what has arrived without waiting for more: one request alone is
        scored a turn later, and under load a batch takes every request in flight instead of
        one turn's (on 32 connections about 31 instead of 14, and about 5% more payments a
        second: fewer batches to pay the fixed costs of, and answers leaving in one burst)."""
        for _ in range(GATHER_TURNS):
            joined = len(self._waiting)
            await asyncio.sleep(0)
            if len(self._waiting) == joined:
                return

    async def _score_together(self, requests: list[_Waiting], locale: str) -> None:
        txns = [txn for request in requests for txn in request.txns]
        try:
            results = await self.scorer.score_batch(txns, locale)
        except Exception as error:
            if len(requests) > 1:  # whatever failed fails only the request it came with
                for request in requests:
                    await self._score_together([request], locale)
                return
            self._release(requests[0].claims, error)
            return
        except BaseException as error:
            for request in requests:
                self._release(request.claims, error)
            raise
        scored_at = self._clock()
        claims = [claim for request in requests for claim in request.claims]
        for claim, result in zip(claims, results, strict=True):
            self.recent.settle(claim, answer_of(result))
        await self.recorder.submit(map(ScoredTransaction, txns, results,
                                       itertools.repeat(scored_at)))

    def _release(self, claims: list[Claim], error: BaseException) -> None:
        """Fail the claims still unanswered (an answered one keeps its cached answer)."""
        for claim in claims:
            if claim.is_new and not claim.answer.done():
                self.recent.release(claim.transaction_id, error)
