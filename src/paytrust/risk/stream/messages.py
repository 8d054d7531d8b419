"""What the scoring worker reads from and writes to the stream, without the stream.

A fetched message becomes a ``Delivery``; the worker turns a batch of deliveries into one
``Settlement`` per message: the messages to publish (decisions, rejections) and how to
settle the original (ack, term, or nak for a retry). Everything here is pure, so the
batching and message → answer rules are tested without a NATS server.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import orjson

from paytrust.risk.adapters.idempotency import Answer
from paytrust.risk.engine.transaction import Transaction
from paytrust.risk.formats import FieldProblem, FormatError, parse_payload

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "Delivery",
    "Publication",
    "Rejection",
    "Settle",
    "Settlement",
    "StreamTopology",
    "distinct_transactions",
    "parse_delivery",
    "settle_batch",
    "settle_for_retry",
]

DEFAULT_CONTENT_TYPE = "application/json"
MSG_ID_HEADER = "Nats-Msg-Id"
_NAMESPACE = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")  # no wildcards, no spaces


@dataclass(frozen=True, slots=True)
class StreamTopology:
    """The names of the stream, its consumer and the subjects answers go to. ``namespace``
    prefixes them all, so tests (or tenants) get a topology of their own."""

    namespace: str = "paytrust"

    def __post_init__(self) -> None:
        if not _NAMESPACE.fullmatch(self.namespace):
            raise ValueError(f"namespace {self.namespace!r}: use letters, digits, '-' and '_' "
                             "in dot-separated tokens")

    @property
    def stream(self) -> str:
        return f"{self.namespace.upper().replace('.', '_')}_TRANSACTIONS"

    @property
    def subject(self) -> str:
        return f"{self.namespace}.transactions"

    @property
    def consumer(self) -> str:
        return f"{self.namespace.replace('.', '-')}-scorer"

    @property
    def outcome_stream(self) -> str:
        """Decisions and rejections, kept so downstream readers may consume them durably."""
        return f"{self.namespace.upper().replace('.', '_')}_DECISIONS"

    @property
    def rejected_subject(self) -> str:
        return f"{self.namespace}.rejected"

    def decision_subject(self, decision: str) -> str:
        return f"{self.namespace}.decisions.{decision}"

    @property
    def decision_subjects(self) -> str:
        return f"{self.namespace}.decisions.>"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One fetched message: what the worker needs of it."""

    body: bytes
    content_type: str = DEFAULT_CONTENT_TYPE
    stream_sequence: int = 0
    num_delivered: int = 1
    message_id: str | None = None  # the publisher's Nats-Msg-Id, echoed in rejections

    @classmethod
    def from_headers(
        cls, body: bytes, headers: Mapping[str, str] | None, *, stream_sequence: int,
        num_delivered: int,
    ) -> Delivery:
        """NATS header names keep the publisher's case: look them up case-insensitively."""
        folded = {name.lower(): value for name, value in (headers or {}).items()}
        return cls(body, folded.get("content-type") or DEFAULT_CONTENT_TYPE, stream_sequence,
                   num_delivered, folded.get(MSG_ID_HEADER.lower()))


@dataclass(frozen=True, slots=True)
class Rejection:
    """A message (or one transaction in it) that will never be scored, as an RFC 9457
    problem naming the field."""

    code: str
    detail: str
    field: str
    errors: tuple[FieldProblem, ...] = ()
    transaction_id: str | None = None  # when one transaction of the message is refused

    @classmethod
    def of_format_error(cls, error: FormatError) -> Rejection:
        return cls(error.code, str(error), error.field, error.problems)

    @classmethod
    def conflict(cls, transaction_id: str) -> Rejection:
        return cls("conflict", f"transaction {transaction_id!r} was already scored with a "
                   "different payload", "transaction_id", transaction_id=transaction_id)

    def publication(self, topology: StreamTopology, delivery: Delivery) -> Publication:
        problem = {
            "type": f"/problems/{self.code}", "title": self.code.replace("-", " ").capitalize(),
            "detail": self.detail, "field": self.field,
            "errors": [{"field": path, "message": message} for path, message in self.errors],
            "transaction_id": self.transaction_id, "stream_sequence": delivery.stream_sequence,
            "message_id": delivery.message_id,
        }
        # One rejection per message (and transaction) however often it is redelivered.
        msg_id = f"rejected:{delivery.stream_sequence}:{self.transaction_id or ''}"
        return Publication(topology.rejected_subject, orjson.dumps(problem), msg_id)


@dataclass(frozen=True, slots=True)
class Publication:
    subject: str
    payload: bytes
    msg_id: str  # Nats-Msg-Id: the outcome stream drops a repeat inside its window

    @classmethod
    def of_answer(cls, topology: StreamTopology, answer: Answer) -> Publication:
        return cls(topology.decision_subject(answer["decision"]), orjson.dumps(answer),
                   f"decision:{answer['transaction_id']}")


class Settle(enum.Enum):
    ACK = "ack"    # scored and recorded
    TERM = "term"  # can never be scored: never deliver it again
    NAK = "nak"    # scoring failed for a passing reason: deliver it again later


@dataclass(frozen=True, slots=True)
class Settlement:
    """What to do for one message, in order: publish, then settle."""

    settle: Settle
    publications: tuple[Publication, ...] = ()
    answers: tuple[Answer, ...] = field(default=(), repr=False)


Parsed = list[Transaction] | Rejection


def parse_delivery(delivery: Delivery, *, now: datetime, card_token_key: bytes) -> Parsed:
    """The transactions in the message, or why it can never be scored."""
    try:
        return parse_payload(delivery.content_type, delivery.body, now=now,
                             card_token_key=card_token_key)
    except FormatError as error:
        return Rejection.of_format_error(error)


def distinct_transactions(parsed: Sequence[Parsed]) -> list[Transaction]:
    """The batch's transactions to score, the first occurrence of each id in message
    order: the scorer takes each id once, and a repeat gets the first one's answer."""
    first: dict[str, Transaction] = {}
    for message in parsed:
        if isinstance(message, list):
            for txn in message:
                first.setdefault(txn.transaction_id, txn)
    return list(first.values())


def settle_batch(
    topology: StreamTopology, deliveries: Sequence[Delivery], parsed: Sequence[Parsed],
    scored: Sequence[Transaction], outcomes: Mapping[str, Answer | Rejection],
) -> list[Settlement]:
    """One settlement per delivery once ``scored`` (from ``distinct_transactions``) have
    their outcome: answers are published and acked; a message nothing in which can be
    scored is rejected and termed. A repeated id with another payload is a conflict."""
    scored_by_id = {txn.transaction_id: txn for txn in scored}
    settlements = []
    for delivery, message in zip(deliveries, parsed, strict=True):
        if isinstance(message, Rejection):
            settlements.append(Settlement(Settle.TERM, (message.publication(topology, delivery),)))
            continue
        publications: list[Publication] = []
        answers: list[Answer] = []
        for txn in message:
            outcome = outcomes[txn.transaction_id]
            if not isinstance(outcome, Rejection) and txn != scored_by_id[txn.transaction_id]:
                outcome = Rejection.conflict(txn.transaction_id)
            if isinstance(outcome, Rejection):
                publications.append(outcome.publication(topology, delivery))
            else:
                answers.append(outcome)
                publications.append(Publication.of_answer(topology, outcome))
        settle = Settle.ACK if answers else Settle.TERM
        settlements.append(Settlement(settle, tuple(publications), tuple(answers)))
    return settlements


def settle_for_retry(
    topology: StreamTopology, deliveries: Sequence[Delivery], parsed: Sequence[Parsed],
    *, max_deliver: int, reason: str,
) -> list[Settlement]:
    """Scoring failed for the whole batch (state store or database down): unparsable
    messages are rejected as usual; the others are delivered again, except on their last
    allowed delivery, where they are rejected so that no message vanishes unanswered."""
    settlements = []
    for delivery, message in zip(deliveries, parsed, strict=True):
        if isinstance(message, Rejection):
            settlements.append(Settlement(Settle.TERM, (message.publication(topology, delivery),)))
        elif delivery.num_delivered >= max_deliver:
            gave_up = Rejection("scoring-failed", f"not scored after {delivery.num_delivered} "
                                f"deliveries: {reason}", "message")
            settlements.append(Settlement(Settle.TERM, (gave_up.publication(topology, delivery),)))
        else:
            settlements.append(Settlement(Settle.NAK))
    return settlements
