"""Transactions, replay helpers and a stand-in compiled rule set for engine tests."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from paytrust.risk.engine.config import DEFAULT_CONFIG
from paytrust.risk.engine.features import compute_features
from paytrust.risk.engine.state import EntityState, apply_update
from paytrust.risk.engine.transaction import Channel, Transaction, TransactionType
from paytrust.risk.engine.verdict import Decision

# A day boundary, so bucket arithmetic in tests is easy to follow.
T0 = datetime(2024, 5, 1, tzinfo=UTC)

_counter = iter(range(10**9))


def make_txn(at: datetime | float = T0, **overrides: Any) -> Transaction:
    """A CNY P2P transfer at ``at`` (a datetime or seconds after ``T0``)."""
    occurred_at = at if isinstance(at, datetime) else T0 + timedelta(seconds=at)
    fields: dict[str, Any] = {
        "transaction_id": f"t{next(_counter)}",
        "occurred_at": occurred_at,
        "type": TransactionType.P2P_TRANSFER,
        "amount_minor": 10_000,
        "currency": "CNY",
        "customer_id": "c1",
        "account_id": "a1",
        "channel": Channel.IN_APP,
    }
    fields.update(overrides)
    return Transaction(**fields)


def replay(txns: Iterable[Transaction]) -> tuple[dict[str, object], dict[Any, EntityState]]:
    """Features of the last transaction after replaying all before it into fresh state."""
    states: dict[Any, EntityState] = {}
    features: dict[str, object] = {}
    for txn in txns:
        features, update = compute_features(txn, states, DEFAULT_CONFIG)
        for entity_update in update:
            apply_update(states.setdefault(entity_update.key, EntityState()), entity_update)
    return features, states


def features_after(history: Sequence[Transaction], txn: Transaction) -> dict[str, object]:
    _, states = replay(history)
    features, _ = compute_features(txn, states, DEFAULT_CONFIG)
    return features


def random_stream(seed: int, count: int, *, customers: int = 20) -> list[Transaction]:
    """A plausible mixed stream: shared devices, IPs, payees and merchants, some travel."""
    rng = random.Random(seed)
    at = T0
    txns = []
    for _ in range(count):
        at += timedelta(seconds=rng.expovariate(1 / 90))
        customer = rng.randrange(customers)
        is_payment = rng.random() < 0.5
        txns.append(make_txn(
            at,
            type=TransactionType.PAYMENT if is_payment else rng.choice(
                [TransactionType.P2P_TRANSFER, TransactionType.CASH_OUT, TransactionType.REFUND]),
            amount_minor=rng.choice([500, 12_000, 250_000, 4_800_000, rng.randrange(1, 10**7)]),
            currency=rng.choice(["CNY", "CNY", "HKD", "USD"]),
            customer_id=f"c{customer}",
            account_id=f"a{customer}",
            payee_id=None if is_payment else f"a{rng.randrange(customers)}",
            payee_name=rng.choice([None, "Wang Wei", "Viktor Bout"]),
            merchant_id=f"m{rng.randrange(5)}" if is_payment else None,
            device_id=f"d{rng.randrange(customers + 5)}",
            ip=f"10.0.0.{rng.randrange(30)}",
            country=rng.choice(["CN", "CN", "HK", "US"]),
            latitude=rng.uniform(20, 40), longitude=rng.uniform(100, 125),
            balance_before_minor=rng.choice([None, 10**7]),
        ))
    return txns


@dataclass(frozen=True, slots=True)
class StubRule:
    id: str
    predicate: Callable[[Mapping[str, object]], bool]
    action: Decision | None = None
    score: float | None = None
    shadow: bool = False
    enabled: bool = True
    description_en: str = "stub rule"
    description_zh: str = "测试规则"


@dataclass(slots=True)
class StubRules:
    """Evaluates Python predicates in place of compiled expressions (the engine only needs
    ``rules`` and ``on_rows``); disabled rules are skipped as the compiler does."""

    rules: list[StubRule] = field(default_factory=list)

    def evaluate(self, ctx: Mapping[str, object]) -> tuple[int, ...]:
        return tuple(i for i, rule in enumerate(self.rules) if rule.enabled and rule.predicate(ctx))

    def on_rows(self, positions: Mapping[str, int]
                ) -> Callable[[Sequence[object]], tuple[int, ...]]:
        return lambda row: self.evaluate({name: row[at] for name, at in positions.items()})
