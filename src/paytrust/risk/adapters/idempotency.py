"""Recent transaction ids and their answers, so a retried transaction gets its first decision.

Scoring is idempotent on the transaction id without a database read per request: this
process remembers the last ``capacity`` ids (warmed from ``risk_decision`` at start-up) with
the hash of their normalised payload and the answer sent. An id is *claimed* before it is
scored, so a concurrent retry waits for the first answer instead of scoring twice. Ids this
cache has forgotten, or that another process scored, are still recorded once: the recorder
skips ids already in the database.

A settled id keeps its answer as JSON bytes in a tuple of immutable values, which the
garbage collector stops tracking: the cache's 200,000 answers as dicts (a future, a dict and
its lists each) made every full collection walk a million objects, a pause of about 230 ms
in the middle of scoring every few tens of thousands of payments.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, NamedTuple

import orjson

from paytrust.platform.errors import Conflict
from paytrust.risk.engine.transaction import Transaction

Answer = dict[str, Any]  # the JSON answer of one scored transaction


_EVERY_FIELD = attrgetter(*(field.name for field in fields(Transaction)))
_HASH_VERSION = "2:"  # hashes recorded before it (no prefix) hashed the dataclass's repr


def payload_hash(txn: Transaction) -> str:
    """Hash of the normalised transaction: the same payment in any format hashes the same.
    What ``risk_transaction.payload_hash`` records (the recorder's writer computes it there,
    off the event loop, with ``payload_hash_of``)."""
    return payload_hash_of(_EVERY_FIELD(txn))


def payload_hash_of(values: tuple[Any, ...]) -> str:
    """``payload_hash`` of the transaction whose field values, in order, are ``values``:
    the JSON of every field (a tenth of the cost of the dataclass's ``repr``)."""
    return _HASH_VERSION + hashlib.blake2b(orjson.dumps(values), digest_size=16).hexdigest()


def payload_fingerprint(txn: Transaction) -> int:
    """A hash of every field that only this process understands (``hash`` of strings differs
    between processes), for the ids it claims itself: a quarter of ``payload_hash``'s cost on
    every payment. Two payloads sharing an id and a 64-bit fingerprint without being equal
    would need a collision of string hashes keyed per process."""
    return hash(_EVERY_FIELD(txn))


def _same_payload(recorded: str | int, txn: Transaction) -> bool:
    """Whether ``recorded`` (this process's fingerprint or, read back from the database, a
    hash from this version or an older one) is that of ``txn``."""
    if isinstance(recorded, int):
        return recorded == payload_fingerprint(txn)
    if recorded.startswith(_HASH_VERSION):
        return recorded == payload_hash(txn)
    return recorded == hashlib.blake2b(repr(txn).encode(), digest_size=16).hexdigest()


@dataclass(slots=True)
class _Pending:
    """A claimed id being scored: its retries wait for ``answer``."""

    payload: int  # payload_fingerprint
    answer: asyncio.Future[Answer]


# (payload_fingerprint, or a recorded payload_hash for answers warmed from the database;
# the answer's JSON)
_Settled = tuple[int | str, bytes]


class Claim(NamedTuple):
    """The outcome of claiming an id. When ``is_new`` this caller scores it and must
    ``settle`` or ``release`` it; otherwise ``answer`` is the earlier answer to await.
    (A named tuple: made for every payment, at half a frozen dataclass's cost.)"""

    transaction_id: str
    answer: asyncio.Future[Answer]
    is_new: bool


class RecentDecisions:
    def __init__(self, capacity: int = 200_000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, _Pending | _Settled] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, transaction_id: object) -> bool:
        return transaction_id in self._entries

    def claim(self, txn: Transaction) -> Claim:
        """Claim ``txn``'s id, or return the earlier answer; a different payload under a
        known id is a conflict."""
        entry = self._entries.get(txn.transaction_id)
        if entry is None:
            future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
            self._remember(txn.transaction_id, _Pending(payload_fingerprint(txn), future))
            return Claim(txn.transaction_id, future, is_new=True)
        recorded = entry.payload if isinstance(entry, _Pending) else entry[0]
        if not _same_payload(recorded, txn):
            raise Conflict(
                f"transaction {txn.transaction_id!r} was already scored with a "
                "different payload", field="transaction_id",
            )
        if isinstance(entry, _Pending):
            return Claim(txn.transaction_id, entry.answer, is_new=False)
        return Claim(txn.transaction_id, _answered(orjson.loads(entry[1])), is_new=False)

    def settle(self, claim: Claim, answer: Answer) -> None:
        """Answer a new claim: its caller and any retry waiting on the id get ``answer``
        (the claim's own future, so even an id this cache has since forgotten is answered)."""
        if not claim.answer.done():
            claim.answer.set_result(answer)
        entry = self._entries.get(claim.transaction_id)
        if isinstance(entry, _Pending) and entry.answer is claim.answer:
            self._entries[claim.transaction_id] = (entry.payload, orjson.dumps(answer))

    def release(self, transaction_id: str, error: BaseException) -> None:
        """Scoring failed: forget the claim so a retry scores afresh; waiters get ``error``."""
        entry = self._entries.pop(transaction_id, None)
        if isinstance(entry, _Pending) and not entry.answer.done():
            entry.answer.set_exception(error)
            entry.answer.exception()  # retrieved here: no "never retrieved" warning

    def warm(self, answers: Iterable[tuple[str, Answer]]) -> None:
        """Remember answers recorded earlier (oldest first): ``(payload_hash, answer)``."""
        for payload, answer in answers:
            self._remember(answer["transaction_id"], (payload, orjson.dumps(answer)))

    def _remember(self, transaction_id: str, entry: _Pending | _Settled) -> None:
        self._entries[transaction_id] = entry
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


def _answered(answer: Answer) -> asyncio.Future[Answer]:
    future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
    future.set_result(answer)
    return future
