"""Injected fraud and laundering scenarios. Every transaction a scenario produces carries
``is_fraud=True``, its ``typology`` and its ``scenario_id``.

Each scenario is drawn with the day's start-of-day balances in hand, so what it moves is what
its victim or mule could move; the ledger pass later keeps every balance non-negative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from paytrust.simulator.names import latin_name, near_miss, organisation_name
from paytrust.simulator.world import HIGH_RISK_COUNTRIES, World

Record = dict[str, Any]
MINUTE, HOUR = 60.0, 3600.0


@dataclass
class DayContext:
    world: World
    day: int
    rng: np.random.Generator
    balance: npt.NDArray[np.int64]  # start-of-day balance of every account, minor units
    complaints: list[dict[str, Any]] = field(default_factory=list)
    counter: int = 0

    def scenario_id(self, typology: str) -> str:
        self.counter += 1
        return f"SC-{self.world.config.seed}-{self.day:04d}-{typology[:4]}-{self.counter:04d}"

    def at(self, earliest_h: float = 0.0, latest_h: float = 22.0) -> float:
        return self.world.epoch(self.day) + float(self.rng.uniform(earliest_h, latest_h)) * HOUR

    def cny(self, cust: int, amount_cny: float) -> int:
        return max(1, round(amount_cny / float(self.world.customers.cny_per_minor[cust])))

    def funded_customer(self, minimum_cny: float) -> int | None:
        """A random customer holding at least ``minimum_cny``."""
        c = self.world.customers
        held_cny = self.balance * c.cny_per_minor
        candidates = np.flatnonzero((held_cny >= minimum_cny) & ~c.dormant)
        return int(self.rng.choice(candidates)) if len(candidates) else None

    def awake_customer(self) -> int:
        """A random customer who is not dormant (a dormant one must stay silent until it
        wakes as its own scenario)."""
        return int(self.rng.choice(np.flatnonzero(~self.world.customers.dormant)))

    def stranger(self, of: int) -> int:
        """A customer who is not one of ``of``'s usual contacts: a new payee for them."""
        c = self.world.customers
        while True:
            other = int(self.rng.integers(len(c)))
            if other != of and other not in c.contacts[of]:
                return other

    def complain(self, cust: int, scenario_id: str, typology: str, at: float) -> None:
        self.complaints.append(
            {
                "complaint_id": f"CP-{scenario_id}",
                "customer_id": self.world.customers.customer_id[cust],
                "scenario_id": scenario_id,
                "typology": typology,
                "created_at": at + float(self.rng.uniform(2, 72)) * HOUR,
                "channel": ("in_app", "phone", "email")[int(self.rng.integers(3))],
                "text_en": COMPLAINT_TEXT[typology][0],
                "text_zh": COMPLAINT_TEXT[typology][1],
            }
        )


COMPLAINT_TEXT: dict[str, tuple[str, str]] = {
    "account_takeover": (
        "Money left my account and I did not make these transfers.",
        "我的账户被转走了钱，这些转账不是我操作的。",
    ),
    "sim_swap": (
        "My phone lost signal and then my balance was emptied.",
        "手机突然没有信号，然后余额被转空了。",
    ),
    "app_scam": (
        "Someone pretending to be the police told me to move my money; I was cheated.",
        "有人冒充警察让我转账到安全账户，我被骗了。",
    ),
    "card_testing": (
        "There are many tiny payments I do not recognise.",
        "有很多我不认识的小额支付。",
    ),
}


def _record(
    ctx: DayContext,
    cust: int,
    at: float,
    kind: str,
    amount_minor: int,
    sid: str,
    typology: str,
    **fields: Any,
) -> Record:
    c = ctx.world.customers
    record: Record = {
        "type": kind,
        "amount_minor": int(amount_minor),
        "currency": c.currency[cust],
        "customer_id": c.customer_id[cust],
        "account_id": c.account_id[cust],
        "channel": "in_app",
        "auth_method": "pin",
        "device_id": c.device[cust],
        "ip": f"{c.ip_prefix[cust]}{int(ctx.rng.integers(2, 250))}",
        "country": c.country[cust],
        # Jittered like background payments (background.py): an exact home point would make
        # "moved 0 km since the last payment" a label leak no real data has.
        "latitude": float(c.latitude[cust] + ctx.rng.normal(0, 0.03)),
        "longitude": float(c.longitude[cust] + ctx.rng.normal(0, 0.03)),
        "_time": at,
        "_cust": cust,
        "is_fraud": True,
        "typology": typology,
        "scenario_id": sid,
    }
    record.update(fields)
    return record


def _p2p_to_customer(ctx: DayContext, payer: int, payee: int, amount_minor: int) -> Record:
    c = ctx.world.customers
    credit = round(amount_minor * float(c.cny_per_minor[payer]) / float(c.cny_per_minor[payee]))
    return {
        "payee_id": c.account_id[payee],
        "payee_name": c.name[payee],
        "payee_country": c.country[payee],
        "_payee_cust": payee,
        "_credit_minor": credit,
    }


def _share_per_step(total: float, steps: int) -> float:
    """The share of the balance each of ``steps`` drains takes so that together they take
    ``total`` of it."""
    return float(1.0 - (1.0 - total) ** (1.0 / steps))


def _split(total: int, parts: int, rng: np.random.Generator) -> list[int]:
    shares = rng.dirichlet(np.ones(parts)) * total
    return [max(1, int(s)) for s in shares]


def _takeover(ctx: DayContext, typology: str) -> list[Record]:
    """ATO and SIM swap: a new device after a credential change or SIM swap drains the
    balance to a new payee within the hour."""
    victim = ctx.funded_customer(800.0)
    if victim is None:
        return []
    sid, start = ctx.scenario_id(typology), ctx.at(0, 20)
    mule = ctx.stranger(victim)
    device, ip = (
        f"DX-{sid}",
        f"185.{int(ctx.rng.integers(1, 250))}.{int(ctx.rng.integers(1, 250))}.9",
    )
    context_field = "credential_changed_at" if typology == "account_takeover" else "sim_swapped_at"
    drains = _split(int(ctx.balance[victim] * 0.9), int(ctx.rng.integers(1, 4)), ctx.rng)
    share = _share_per_step(float(ctx.rng.uniform(0.8, 0.97)), len(drains))
    records = []
    for i, amount in enumerate(drains):
        at = start + (i + 1) * float(ctx.rng.uniform(3, 20)) * MINUTE
        records.append(
            _record(
                ctx,
                victim,
                at,
                "p2p_transfer",
                amount,
                sid,
                typology,
                device_id=device,
                ip=ip,
                auth_method="password" if typology == "account_takeover" else "otp",
                _drain_share=share,
                **{context_field: start},
                **_p2p_to_customer(ctx, victim, mule, amount),
            )
        )
    ctx.complain(victim, sid, typology, start)
    return records


def account_takeover(ctx: DayContext) -> list[Record]:
    return _takeover(ctx, "account_takeover")


def sim_swap(ctx: DayContext) -> list[Record]:
    return _takeover(ctx, "sim_swap")


def app_scam(ctx: DayContext) -> list[Record]:
    """The victim, on their own device, is talked into paying a 'safe account' they never paid."""
    victim = ctx.funded_customer(1_000.0)
    if victim is None:
        return []
    sid, start = ctx.scenario_id("app_scam"), ctx.at(9, 20)
    scammer = ctx.stranger(victim)
    parts = _split(
        int(ctx.balance[victim] * ctx.rng.uniform(0.5, 0.9)), int(ctx.rng.integers(1, 3)), ctx.rng
    )
    records = [
        _record(
            ctx,
            victim,
            start + i * 25 * MINUTE,
            "p2p_transfer",
            amount,
            sid,
            "app_scam",
            auth_method="biometric",
            _drain_share=_share_per_step(0.7, len(parts)),
            **_p2p_to_customer(ctx, victim, scammer, amount),
        )
        for i, amount in enumerate(parts)
    ]
    ctx.complain(victim, sid, "app_scam", start)
    return records


def card_testing(ctx: DayContext) -> list[Record]:
    """A burst of tiny web payments from one unknown device, then a real purchase."""
    victim = ctx.funded_customer(200.0)
    if victim is None:
        return []
    sid, start = ctx.scenario_id("card_testing"), ctx.at(0, 23)
    m = ctx.world.merchants
    web_shops = np.flatnonzero(np.isin(m.category, ("5999", "5945", "5732")))
    shops = ctx.rng.choice(web_shops if len(web_shops) else np.arange(len(m.merchant_id)), size=2)
    card_bin = f"62{int(ctx.rng.integers(0, 10**4)):04d}"
    device, ip = (
        f"DX-{sid}",
        f"45.{int(ctx.rng.integers(1, 250))}.{int(ctx.rng.integers(1, 250))}.77",
    )
    records = []
    for i in range(int(ctx.rng.integers(10, 26))):
        shop = int(shops[i % 2])
        records.append(
            _record(
                ctx,
                victim,
                start + i * float(ctx.rng.uniform(10, 40)),
                "payment",
                ctx.cny(victim, float(ctx.rng.uniform(0.5, 9.9))),
                sid,
                "card_testing",
                channel="web",
                auth_method="none",
                device_id=device,
                ip=ip,
                card_bin=card_bin,
                merchant_id=m.merchant_id[shop],
                merchant_category=m.category[shop],
                merchant_country=m.country[shop],
            )
        )
    ctx.complain(victim, sid, "card_testing", start)
    return records


def money_mule(ctx: DayContext) -> list[Record]:
    """Many senders pay one account (fan-in), which cashes out at an agent soon after."""
    mule = ctx.awake_customer()
    sid, start = ctx.scenario_id("money_mule"), ctx.at(0, 14)
    window = ctx.world.config.mule_cash_out_window_hours * HOUR
    records, received = [], 0
    for _ in range(int(ctx.rng.integers(5, 13))):
        sender = ctx.funded_customer(1_500.0)
        if sender is None or sender == mule:
            continue
        amount = ctx.cny(sender, float(ctx.rng.uniform(800, 5_000)))
        transfer = _p2p_to_customer(ctx, sender, mule, amount)
        received += transfer["_credit_minor"]
        records.append(
            _record(
                ctx,
                sender,
                start + float(ctx.rng.uniform(0, window / 2)),
                "p2p_transfer",
                amount,
                sid,
                "money_mule",
                **transfer,
            )
        )
    if not records:
        return []
    last_in = max(r["_time"] for r in records)
    agent = ctx.world.agent_ids[int(ctx.rng.integers(len(ctx.world.agent_ids)))]
    records.append(
        _record(
            ctx,
            mule,
            last_in + float(ctx.rng.uniform(0.05, 0.45)) * window,
            "cash_out",
            int(received * 0.9),
            sid,
            "money_mule",
            channel="agent",
            agent_id=agent,
        )
    )
    return records


def structuring(ctx: DayContext) -> list[Record]:
    """Cash deposits each just below the reporting threshold."""
    customer = ctx.awake_customer()
    sid = ctx.scenario_id("structuring")
    threshold_cny = ctx.world.config.reporting_threshold_minor / 100.0
    agents = ctx.world.agent_ids
    return [
        _record(
            ctx,
            customer,
            ctx.at(8, 20),
            "cash_in",
            ctx.cny(customer, threshold_cny * float(ctx.rng.uniform(0.91, 0.995))),
            sid,
            "structuring",
            channel="agent",
            agent_id=agents[int(ctx.rng.integers(len(agents)))],
        )
        for _ in range(int(ctx.rng.integers(3, 8)))
    ]


def refund_abuse(ctx: DayContext) -> list[Record]:
    """Repeated purchases at one merchant, each refunded: goods kept, money back."""
    customer = ctx.funded_customer(2_000.0)
    if customer is None:
        return []
    m = ctx.world.merchants
    shop = int(ctx.rng.integers(len(m.merchant_id)))
    sid, start = ctx.scenario_id("refund_abuse"), ctx.at(8, 16)
    shop_fields = {
        "merchant_id": m.merchant_id[shop],
        "merchant_category": m.category[shop],
        "merchant_country": m.country[shop],
    }
    records: list[Record] = []
    for i in range(int(ctx.rng.integers(3, 7))):
        amount = ctx.cny(customer, float(ctx.rng.uniform(200, 1_500)))
        at = start + i * 40 * MINUTE
        records.append(
            _record(
                ctx,
                customer,
                at,
                "payment",
                amount,
                sid,
                "refund_abuse",
                channel="in_app",
                **shop_fields,
            )
        )
        records.append(
            _record(
                ctx,
                customer,
                at + 20 * MINUTE,
                "refund",
                amount,
                sid,
                "refund_abuse",
                auth_method="none",
                _original_row=len(records) - 1,
                **shop_fields,
            )
        )
    return records


def merchant_collusion(ctx: DayContext) -> list[Record]:
    """Fake sales: a few accomplices on one shared device pay one merchant round sums at night."""
    m = ctx.world.merchants
    shop = int(ctx.rng.integers(len(m.merchant_id)))
    sid = ctx.scenario_id("merchant_collusion")
    device = f"DX-{sid}"
    accomplices = [ctx.funded_customer(3_000.0) for _ in range(int(ctx.rng.integers(2, 4)))]
    records = []
    for i in range(int(ctx.rng.integers(8, 16))):
        payer = accomplices[i % len(accomplices)]
        if payer is None:
            continue
        records.append(
            _record(
                ctx,
                payer,
                ctx.world.epoch(ctx.day) + float(ctx.rng.uniform(0.5, 4.5)) * HOUR,
                "payment",
                ctx.cny(payer, float(ctx.rng.choice([500, 1_000, 2_000]))),
                sid,
                "merchant_collusion",
                channel="qr",
                device_id=device,
                merchant_id=m.merchant_id[shop],
                merchant_category=m.category[shop],
                merchant_country=m.country[shop],
            )
        )
    return records


def dormant_reactivation(ctx: DayContext) -> list[Record]:
    """A long-silent account wakes on a new device and sends its balance to new payees."""
    c = ctx.world.customers
    days = ctx.world.config.days
    due = [int(i) for i in np.flatnonzero(c.dormant) if _reactivation_day(int(i), days) == ctx.day]
    records: list[Record] = []
    for customer in due:
        if ctx.balance[customer] <= 0:
            continue
        sid, start = ctx.scenario_id("dormant_reactivation"), ctx.at(0, 20)
        for i, amount in enumerate(_split(int(ctx.balance[customer] * 0.9), 2, ctx.rng)):
            records.append(
                _record(
                    ctx,
                    customer,
                    start + i * 15 * MINUTE,
                    "p2p_transfer",
                    amount,
                    sid,
                    "dormant_reactivation",
                    device_id=f"DX-{sid}",
                    _drain_share=_share_per_step(0.9, 2),
                    **_p2p_to_customer(ctx, customer, ctx.stranger(customer), amount),
                )
            )
    return records


def _reactivation_day(customer: int, days: int) -> int:
    """Dormant accounts wake in the second half of the period (day 0 holds their last use)."""
    first = max(1, days // 2)
    return first + customer % max(1, days - first)


def _external_transfer(
    ctx: DayContext,
    typology: str,
    customer: int,
    amount_cny: float,
    share_cap: float,
    payee_name: str,
    payee_country: str,
) -> list[Record]:
    """One transfer to an account outside the provider (no credit on our side)."""
    sid = ctx.scenario_id(typology)
    amount = min(int(ctx.balance[customer] * share_cap), ctx.cny(customer, amount_cny))
    return [
        _record(
            ctx,
            customer,
            ctx.at(8, 20),
            "p2p_transfer",
            amount,
            sid,
            typology,
            payee_id=f"X-{sid}",
            payee_name=payee_name,
            payee_country=payee_country,
        )
    ]


def high_risk_jurisdiction(ctx: DayContext) -> list[Record]:
    """A transfer to an account in a jurisdiction under an FATF call for action."""
    customer = ctx.funded_customer(2_500.0)
    if customer is None:
        return []
    country = HIGH_RISK_COUNTRIES[int(ctx.rng.integers(len(HIGH_RISK_COUNTRIES)))]
    payee = organisation_name(ctx.rng) if ctx.rng.random() < 0.5 else latin_name(ctx.rng)
    return _external_transfer(
        ctx,
        "high_risk_jurisdiction",
        customer,
        float(ctx.rng.uniform(2e3, 2e4)),
        0.8,
        payee,
        country,
    )


def sanctioned_name_payee(ctx: DayContext) -> list[Record]:
    """A transfer to a payee whose name is a near miss of a watchlist name."""
    customer = ctx.funded_customer(1_500.0)
    if customer is None:
        return []
    entry = ctx.world.watchlist[int(ctx.rng.integers(len(ctx.world.watchlist)))]
    spelled = near_miss(str(ctx.rng.choice([entry.name, *entry.aliases])), ctx.rng)
    return _external_transfer(
        ctx,
        "sanctioned_name_payee",
        customer,
        float(ctx.rng.uniform(1e3, 1e4)),
        0.7,
        spelled,
        entry.country,
    )


GENERATORS: dict[str, Callable[[DayContext], list[Record]]] = {
    "account_takeover": account_takeover,
    "sim_swap": sim_swap,
    "app_scam": app_scam,
    "card_testing": card_testing,
    "money_mule": money_mule,
    "structuring": structuring,
    "refund_abuse": refund_abuse,
    "merchant_collusion": merchant_collusion,
    "high_risk_jurisdiction": high_risk_jurisdiction,
    "sanctioned_name_payee": sanctioned_name_payee,
}


def scenarios_of_day(ctx: DayContext) -> list[Record]:
    """Every scenario starting this day, typology by typology in a fixed order."""
    config = ctx.world.config
    records = dormant_reactivation(ctx) if config.typology_rates.get("dormant_reactivation") else []
    for typology, generate in GENERATORS.items():
        rate = config.typology_rates.get(typology, 0.0)
        for _ in range(int(ctx.rng.poisson(rate * config.customers))):
            scenario = generate(ctx)
            for record in scenario:  # refunds point at their payment within the day's list
                if "_original_row" in record:
                    record["_original_row"] += len(records)
            records.extend(scenario)
    return records
