"""Score one fetched batch: parse each message, score the batch's transactions in one call,
wait until the recorder has committed them, and say how to settle each message.

The stream worker publishes and acknowledges only what ``BatchScorer.score`` returns, and
``score`` returns only after every answer in it is durably recorded: a worker that dies
before acknowledging leaves its messages to be redelivered, and nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from paytrust.platform.errors import Conflict
from paytrust.risk.adapters.idempotency import Answer
from paytrust.risk.adapters.runtime import RiskRuntime
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.stream.messages import (
    Delivery,
    Parsed,
    Rejection,
    Settlement,
    StreamTopology,
    distinct_transactions,
    parse_delivery,
    settle_batch,
    settle_for_retry,
)

__all__ = ["BatchScorer"]

log = logging.getLogger(__name__)


class BatchScorer:
    def __init__(
        self, runtime: RiskRuntime, topology: StreamTopology, *, card_token_key: bytes,
        clock: Callable[[], datetime], max_deliver: int, locale: str = "en",
    ) -> None:
        self.runtime = runtime
        self.topology = topology
        self.card_token_key = card_token_key
        self.clock = clock
        self.max_deliver = max_deliver
        self.locale = locale

    async def score(self, deliveries: Sequence[Delivery]) -> list[Settlement]:
        """One settlement per delivery, in order; every answer in them is recorded."""
        now = self.clock()
        parsed = [parse_delivery(d, now=now, card_token_key=self.card_token_key)
                  for d in deliveries]
        txns = distinct_transactions(parsed)
        try:
            await self._recall_redelivered(deliveries, parsed)
            outcomes = await self._score(txns)
            await self.runtime.recorder.drain()
        except Exception as error:  # the state store or database: retry the messages later
            log.exception("scoring a batch of %d messages failed", len(deliveries))
            return settle_for_retry(self.topology, deliveries, parsed,
                                    max_deliver=self.max_deliver, reason=str(error))
        return settle_batch(self.topology, deliveries, parsed, txns, outcomes)

    async def _recall_redelivered(
        self, deliveries: Sequence[Delivery], parsed: Sequence[Parsed],
    ) -> None:
        """A redelivered message may have been scored and recorded by a worker that died
        before acknowledging it: answer what was recorded rather than score it again."""
        again = [txn.transaction_id for delivery, message in zip(deliveries, parsed, strict=True)
                 if delivery.num_delivered > 1 and isinstance(message, list) for txn in message]
        if again:
            await self.runtime.recall(again)

    async def _score(self, txns: list[Transaction]) -> dict[str, Answer | Rejection]:
        """Answers by transaction id. A conflicting id fails the runtime's whole batch (and
        scores none of it), so the batch is then scored one transaction at a time to refuse
        only the conflicting ones; conflicts are rare, batches are the common case."""
        if not txns:
            return {}
        try:
            answers = await self.runtime.score(txns, self.locale)
        except Conflict:
            return {txn.transaction_id: await self._score_alone(txn) for txn in txns}
        return {answer["transaction_id"]: answer for answer in answers}

    async def _score_alone(self, txn: Transaction) -> Answer | Rejection:
        try:
            return (await self.runtime.score([txn], self.locale))[0]
        except Conflict:
            return Rejection.conflict(txn.transaction_id)
