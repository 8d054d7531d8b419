"""Rule evaluation speed: 30 typical rules on contexts of 150 names.

Prints one table: evaluations per second of the compiled rule set, of the reference
interpreter on the same checked trees, and of a hand-written Python function of the same
rules (the baseline), with ratios against the baseline. All three are first checked to give
the same hits on every context.

    PYTHONPATH=src python benchmarks/rules_eval.py [--contexts 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Mapping
from time import perf_counter_ns

from paytrust.risk.engine.features.vocabulary import FieldType
from paytrust.risk.engine.rules import compile_ruleset, interpret_ruleset, parse_ruleset

N, S, B = FieldType.NUMBER, FieldType.STRING, FieldType.BOOL

USED: dict[str, FieldType] = {
    "txn.amount": N, "txn.hour_utc": N, "txn.balance_drain_ratio": N, "txn.channel": S,
    "txn.type": S, "txn.country": S, "txn.payee_country": S, "txn.merchant_category": S,
    "txn.is_cross_border": B, "txn.is_round_amount": B, "txn.geo_velocity_kmh": N,
    "customer.count_1m": N, "customer.count_1h": N, "customer.count_24h": N,
    "customer.count_30d": N, "customer.amount_24h": N, "customer.amount_zscore": N,
    "customer.new_device": B, "customer.new_payee": B, "customer.age_days": N,
    "customer.hours_since_sim_swap": N, "customer.failed_auth_1h": N, "customer.kyc_tier": N,
    "device.customers_24h": N, "ip.distinct_customers_1h": N, "payee.inbound_count_24h": N,
    "payee.distinct_payers_24h": N, "list.ip_blocked": B, "list.payee_watch": B,
    "merchant.refund_ratio_7d": N,
}
VOCABULARY: dict[str, FieldType] = {**USED, **{f"extra.n{i:03d}": N for i in range(120)}}

RULES = """
ruleset: bench
rules:
""" + "".join(f"""
  - id: r{i:02d}
    description: {{en: "rule {i}"}}
    when: {when}
    score: 0.1
    severity: low
""" for i, when in enumerate([
    "customer.count_1m >= 5",
    "customer.count_24h >= 20 and customer.count_24h * 30 > 5 * customer.count_30d",
    "customer.amount_zscore >= 3 and txn.amount >= 2000",
    "ip.distinct_customers_1h >= 8",
    "customer.new_device and txn.balance_drain_ratio >= 0.8 and txn.amount > 1000",
    "customer.hours_since_sim_swap < 48 and (txn.amount >= 2000 or txn.balance_drain_ratio >= 0.5)",
    "txn.geo_velocity_kmh > 900",
    "customer.new_payee and txn.amount >= 5000 and txn.channel in ['web', 'in_app']",
    "list.ip_blocked",
    "list.payee_watch and txn.amount > 100",
    "txn.hour_utc between 0 and 5 and txn.amount >= 3000",
    "txn.is_cross_border and txn.payee_country in ['KP', 'IR', 'SY', 'CU']",
    "customer.failed_auth_1h >= 3 and customer.new_device",
    "device.customers_24h >= 4",
    "payee.distinct_payers_24h >= 10 and payee.inbound_count_24h >= 20",
    "txn.amount between 49000 and 49999",
    "txn.is_round_amount and txn.amount >= 10000 and customer.age_days < 30",
    "customer.kyc_tier <= 1 and customer.amount_24h + txn.amount > 20000",
    "txn.type == 'cash_out' and customer.age_days < 7",
    "txn.merchant_category in ['4829', '6051', '7995'] and txn.amount > 500",
    "merchant.refund_ratio_7d > 0.3 and txn.type == 'refund'",
    "txn.amount / customer.amount_24h > 0.9 and customer.count_24h >= 3",
    "customer.count_1h >= 10 and txn.amount < 10",
    "txn.country != txn.payee_country and customer.new_payee and txn.amount > 8000",
    "customer.age_days < 1 and txn.amount > 1000",
    "customer.count_30d == 0 and txn.amount > 3000",
    "txn.channel == 'agent' and txn.type == 'cash_in' and txn.amount >= 40000",
    "customer.amount_24h >= 100000",
    "customer.hours_since_sim_swap < 24 and customer.new_device",
    "abs(customer.amount_zscore) > 5",
]))


def hand_written(ctx: Mapping[str, object]) -> tuple[int, ...]:
    """The same 30 rules written by hand, null checks included (the baseline)."""
    g = ctx.get
    amount, drain, channel = g("txn.amount"), g("txn.balance_drain_ratio"), g("txn.channel")
    kind, c24, c30, a24 = g("txn.type"), g("customer.count_24h"), g("customer.count_30d"), g(
        "customer.amount_24h")
    z, age, swap, new_device = (g("customer.amount_zscore"), g("customer.age_days"),
                                g("customer.hours_since_sim_swap"), g("customer.new_device"))
    new_payee, hour = g("customer.new_payee"), g("txn.hour_utc")
    hits: list[int] = []
    tests: list[bool] = [
        _ge(g("customer.count_1m"), 5),
        _ge(c24, 20) and c24 is not None and c30 is not None and c24 * 30 > 5 * c30,  # type: ignore[operator]
        _ge(z, 3) and _ge(amount, 2000),
        _ge(g("ip.distinct_customers_1h"), 8),
        bool(new_device) and _ge(drain, 0.8) and _gt(amount, 1000),
        _lt(swap, 48) and (_ge(amount, 2000) or _ge(drain, 0.5)),
        _gt(g("txn.geo_velocity_kmh"), 900),
        bool(new_payee) and _ge(amount, 5000) and channel in ("web", "in_app"),
        bool(g("list.ip_blocked")),
        bool(g("list.payee_watch")) and _gt(amount, 100),
        hour is not None and 0 <= hour <= 5 and _ge(amount, 3000),  # type: ignore[operator]
        bool(g("txn.is_cross_border")) and g("txn.payee_country") in ("KP", "IR", "SY", "CU"),
        _ge(g("customer.failed_auth_1h"), 3) and bool(new_device),
        _ge(g("device.customers_24h"), 4),
        _ge(g("payee.distinct_payers_24h"), 10) and _ge(g("payee.inbound_count_24h"), 20),
        amount is not None and 49000 <= amount <= 49999,  # type: ignore[operator]
        bool(g("txn.is_round_amount")) and _ge(amount, 10000) and _lt(age, 30),
        _le(g("customer.kyc_tier"), 1) and a24 is not None and amount is not None
        and a24 + amount > 20000,  # type: ignore[operator]
        kind == "cash_out" and _lt(age, 7),
        g("txn.merchant_category") in ("4829", "6051", "7995") and _gt(amount, 500),
        _gt(g("merchant.refund_ratio_7d"), 0.3) and kind == "refund",
        amount is not None and bool(a24) and amount / a24 > 0.9 and _ge(c24, 3),  # type: ignore[operator]
        _ge(g("customer.count_1h"), 10) and _lt(amount, 10),
        _ne(g("txn.country"), g("txn.payee_country")) and bool(new_payee) and _gt(amount, 8000),
        _lt(age, 1) and _gt(amount, 1000),
        c30 == 0 and _gt(amount, 3000),
        channel == "agent" and kind == "cash_in" and _ge(amount, 40000),
        _ge(a24, 100000),
        _lt(swap, 24) and bool(new_device),
        z is not None and abs(z) > 5,  # type: ignore[arg-type]
    ]
    for index, hit in enumerate(tests):
        if hit:
            hits.append(index)
    return tuple(hits)


def _ge(value: object, limit: float) -> bool:
    return value is not None and value >= limit  # type: ignore[operator]


def _gt(value: object, limit: float) -> bool:
    return value is not None and value > limit  # type: ignore[operator]


def _le(value: object, limit: float) -> bool:
    return value is not None and value <= limit  # type: ignore[operator]


def _lt(value: object, limit: float) -> bool:
    return value is not None and value < limit  # type: ignore[operator]


def _ne(left: object, right: object) -> bool:
    return left is not None and right is not None and left != right


def make_contexts(count: int, rng: random.Random) -> list[dict[str, object]]:
    pools: dict[str, list[object]] = {
        "txn.channel": ["web", "in_app", "qr", "agent"], "txn.type": ["payment", "cash_out",
        "cash_in", "refund", "p2p_transfer"], "txn.country": ["CN", "HK", "SG"],
        "txn.payee_country": ["CN", "HK", "IR", "KP"], "txn.merchant_category": ["5411", "4829",
        "6051"],
    }
    contexts = []
    for _ in range(count):
        ctx: dict[str, object] = {}
        for name, kind in VOCABULARY.items():
            if rng.random() < 0.1:
                continue  # missing: null
            if kind is B:
                ctx[name] = rng.random() < 0.2
            elif kind is S:
                ctx[name] = rng.choice(pools[name])
            else:
                ctx[name] = rng.choice([0, 1, 3, 7, 12, 25, 0.5, 0.95, 48.5, 900.0, 1500,
                                        5000, 49500, 120000])
        contexts.append(ctx)
    return contexts


def rate(evaluate: Callable[[Mapping[str, object]], object],
         contexts: list[dict[str, object]], repeat: int) -> float:
    """Best evaluations per second over ``repeat`` passes."""
    best = float("inf")
    for _ in range(repeat):
        started = perf_counter_ns()
        for ctx in contexts:
            evaluate(ctx)
        best = min(best, perf_counter_ns() - started)
    return len(contexts) / (best / 1e9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--contexts", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ruleset = parse_ruleset(RULES)
    compiled = compile_ruleset(ruleset, VOCABULARY)
    interpreted = interpret_ruleset(ruleset, VOCABULARY)
    contexts = make_contexts(args.contexts, random.Random(7))
    hits = 0
    for ctx in contexts:
        expected = hand_written(ctx)
        assert compiled.evaluate(ctx) == expected == interpreted.evaluate(ctx), ctx
        hits += len(expected)
    baseline = rate(hand_written, contexts, args.repeat)
    rows = [("hand-written Python (baseline)", baseline),
            ("compiled rule set", rate(compiled.evaluate, contexts, args.repeat)),
            ("reference interpreter",
             rate(interpreted.evaluate, contexts, max(1, args.repeat // 3)))]
    print(f"{len(ruleset.rules)} rules, {len(VOCABULARY)} names per context, "
          f"{len(contexts)} contexts, {hits / len(contexts):.2f} hits per evaluation")
    print(f"| {'evaluator':<32} | {'evaluations/s':>14} | {'µs/evaluation':>13} | "
          f"{'vs baseline':>11} |")
    print(f"|{'-' * 34}|{'-' * 16}|{'-' * 15}|{'-' * 13}|")
    for label, per_second in rows:
        print(f"| {label:<32} | {per_second:>14,.0f} | {1e6 / per_second:>13.2f} | "
              f"{per_second / baseline:>10.2f}x |")


if __name__ == "__main__":
    main()
