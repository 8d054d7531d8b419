"""The simulated world: customers, merchants, agents, a watchlist — built once from the seed.

Customers are held column-wise (numpy arrays indexed by customer number) so a day of
background traffic is drawn for everyone at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from paytrust.risk.engine.transaction import CURRENCY_EXPONENTS
from paytrust.simulator.config import SimulationConfig
from paytrust.simulator.names import chinese_name, latin_name, near_miss, organisation_name

T = TypeVar("T")
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Strings = npt.NDArray[np.object_]

# CNY per unit of each wallet currency (rounded; the simulator needs plausibility, not FX).
CNY_PER_UNIT: dict[str, float] = {"CNY": 1.0, "HKD": 0.92, "USD": 7.2, "SGD": 5.4, "EUR": 7.8}
# (country, city latitude, longitude, weight) of where customers live.
HOMES: tuple[tuple[str, float, float, float], ...] = (
    ("CN", 31.23, 121.47, 0.22),
    ("CN", 39.90, 116.40, 0.18),
    ("CN", 22.54, 114.06, 0.14),
    ("CN", 23.13, 113.26, 0.12),
    ("CN", 30.27, 120.16, 0.08),
    ("CN", 30.57, 104.07, 0.08),
    ("HK", 22.32, 114.17, 0.08),
    ("TW", 25.03, 121.57, 0.05),
    ("SG", 1.35, 103.82, 0.05),
)
# (MCC, weight, typical amount in CNY) of merchants.
MERCHANT_KINDS: tuple[tuple[str, float, float], ...] = (
    ("5411", 0.22, 80.0),
    ("5812", 0.18, 90.0),
    ("5814", 0.14, 35.0),
    ("4121", 0.08, 40.0),
    ("5999", 0.10, 120.0),
    ("5732", 0.05, 900.0),
    ("7011", 0.03, 600.0),
    ("5945", 0.04, 150.0),
    ("4900", 0.08, 200.0),
    ("4814", 0.06, 50.0),
    ("7995", 0.01, 300.0),
    ("6051", 0.01, 500.0),
)
ABROAD: tuple[tuple[str, float, float], ...] = (
    ("JP", 35.68, 139.69),
    ("TH", 13.76, 100.50),
    ("US", 40.71, -74.00),
    ("GB", 51.51, -0.13),
    ("RU", 55.75, 37.62),
    ("NG", 6.52, 3.38),
)
HIGH_RISK_COUNTRIES: tuple[str, ...] = ("KP", "IR", "MM")


@dataclass(frozen=True)
class WatchlistEntry:
    entry_id: str
    name: str
    aliases: tuple[str, ...]  # Chinese script and transliterations
    list_name: str  # "sanctions" or "pep"
    country: str


@dataclass
class Customers:
    customer_id: Strings
    account_id: Strings
    name: Strings
    country: Strings
    currency: Strings
    exponent: Ints
    cny_per_minor: Floats  # CNY value of one minor unit of the wallet currency
    latitude: Floats
    longitude: Floats
    age_band: Strings
    income_band: Ints  # 0 low, 1 middle, 2 high
    kyc_tier: Ints
    amount_scale: Floats
    daily_rate: Floats
    usual_hour: Floats
    hour_spread: Floats
    device: Strings
    second_device: Strings
    ip_prefix: Strings
    contacts: Ints  # (customers, CONTACTS) indices of usual P2P payees
    channel_preference: Floats  # (customers, 4): qr, nfc, in_app, web
    opening_balance: Ints  # minor units
    credential_changed_at: Floats  # epoch seconds, NaN: never (legit changes only)
    dormant: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.customer_id)


@dataclass
class Merchants:
    merchant_id: Strings
    name: Strings
    category: Strings
    country: Strings
    weight: Floats  # share of payments a merchant gets
    typical_amount_cny: Floats


CONTACTS = 6


class World:
    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        rng = np.random.default_rng([config.seed, 0])
        self.start_at = datetime.combine(config.start, datetime.min.time(), tzinfo=UTC)
        self.customers = _customers(config, rng)
        self.merchants = _merchants(config.merchant_count, rng)
        self.agent_ids: Strings = np.array(
            [f"G{i:05d}" for i in range(config.agent_count)], dtype=object
        )
        self.watchlist = _watchlist(rng)

    def epoch(self, day: int) -> float:
        return (self.start_at + timedelta(days=day)).timestamp()

    def kyc_records(self) -> list[dict[str, object]]:
        """One KYC record per customer: identity, tier, risk band (for the AML module)."""
        c = self.customers
        return [
            {
                "customer_id": c.customer_id[i],
                "account_id": c.account_id[i],
                "name": c.name[i],
                "country": c.country[i],
                "age_band": c.age_band[i],
                "income_band": ("low", "middle", "high")[int(c.income_band[i])],
                "kyc_tier": int(c.kyc_tier[i]),
                "wallet_currency": c.currency[i],
                "id_document": f"{'ID' if c.country[i] == 'CN' else 'PP'}-{i * 7919 % 10**8:08d}",
            }
            for i in range(len(c))
        ]

    def watchlist_entries(self) -> list[WatchlistEntry]:
        return list(self.watchlist)


def _customers(config: SimulationConfig, rng: np.random.Generator) -> Customers:
    n = config.customers
    home = rng.choice(len(HOMES), size=n, p=np.array([h[3] for h in HOMES]))
    country = np.array([HOMES[h][0] for h in home], dtype=object)
    currencies = list(config.currency_mix)
    currency = np.array(currencies, dtype=object)[
        rng.choice(len(currencies), size=n, p=np.array(list(config.currency_mix.values())))
    ]
    exponent = np.array([CURRENCY_EXPONENTS[c] for c in currency], dtype=np.int64)
    cny_per_minor = np.array([CNY_PER_UNIT[c] for c in currency]) / 10.0**exponent
    income = rng.choice(3, size=n, p=[0.45, 0.40, 0.15])
    names = np.array(
        [
            chinese_name(rng)[0] if country[i] in ("CN", "TW", "HK") else latin_name(rng)
            for i in range(n)
        ],
        dtype=object,
    )
    preference = rng.dirichlet([3.0, 1.5, 2.5, 1.0], size=n)
    contacts = rng.integers(0, n, size=(n, CONTACTS))
    own = contacts == np.arange(n)[:, None]
    contacts[own] = (contacts[own] + 1) % n
    legit_change = rng.random(n) < 0.02
    changed_at = (
        np.where(legit_change, rng.uniform(0, config.days * 86_400, size=n), np.nan)
        + datetime.combine(config.start, datetime.min.time(), tzinfo=UTC).timestamp()
    )
    dormant_share = config.typology_rates.get("dormant_reactivation", 0.0) * config.days
    return Customers(
        customer_id=np.array([f"C{i:07d}" for i in range(n)], dtype=object),
        account_id=np.array([f"A{i:07d}" for i in range(n)], dtype=object),
        name=names,
        country=country,
        currency=currency,
        exponent=exponent,
        cny_per_minor=cny_per_minor,
        latitude=np.array([HOMES[h][1] for h in home]) + rng.normal(0, 0.08, n),
        longitude=np.array([HOMES[h][2] for h in home]) + rng.normal(0, 0.08, n),
        age_band=np.array(["18-24", "25-34", "35-49", "50-64", "65+"], dtype=object)[
            rng.choice(5, size=n, p=[0.15, 0.32, 0.30, 0.16, 0.07])
        ],
        income_band=income.astype(np.int64),
        kyc_tier=np.minimum(3, income + rng.choice(2, size=n, p=[0.6, 0.4]) + 1).astype(np.int64),
        amount_scale=np.array([0.6, 1.0, 2.2])[income] * rng.lognormal(0, 0.25, n),
        daily_rate=rng.gamma(2.0, config.daily_transactions_per_customer / 2.0, n),
        usual_hour=rng.uniform(9, 21, n),
        hour_spread=rng.uniform(1.5, 4.0, n),
        device=np.array([f"D{i:08d}" for i in range(n)], dtype=object),
        second_device=np.array([f"D{i + n:08d}" for i in range(n)], dtype=object),
        ip_prefix=np.array(
            [f"{36 + i % 80}.{(i * 37) % 250 + 1}.{(i * 11) % 250 + 1}." for i in range(n)],
            dtype=object,
        ),
        contacts=contacts.astype(np.int64),
        channel_preference=preference,
        opening_balance=np.round(
            rng.lognormal(np.log(3_000), 0.8, n) * np.array([0.5, 1.0, 3.0])[income] / cny_per_minor
        ).astype(np.int64),
        credential_changed_at=changed_at,
        dormant=rng.random(n) < min(0.5, dormant_share),
    )


def _merchants(count: int, rng: np.random.Generator) -> Merchants:
    kinds = rng.choice(len(MERCHANT_KINDS), size=count, p=np.array([k[1] for k in MERCHANT_KINDS]))
    weight = rng.pareto(1.3, count) + 1.0
    return Merchants(
        merchant_id=np.array([f"M{i:06d}" for i in range(count)], dtype=object),
        name=np.array(
            [f"{organisation_name(rng).split(' Co.')[0]} {i}" for i in range(count)], dtype=object
        ),
        category=np.array([MERCHANT_KINDS[k][0] for k in kinds], dtype=object),
        country=np.where(rng.random(count) < 0.93, "CN", "HK").astype(object),
        weight=weight / weight.sum(),
        typical_amount_cny=np.array([MERCHANT_KINDS[k][2] for k in kinds]),
    )


def _unique(make: Callable[[], T], key: Callable[[T], str], taken: set[str]) -> T:
    """Draw until the name is not on the list yet: one entry per listed party."""
    while True:
        value = make()
        if key(value) not in taken:
            taken.add(key(value))
            return value


def _watchlist(rng: np.random.Generator) -> tuple[WatchlistEntry, ...]:
    """Invented sanctions and PEP entries: Chinese names with their hanzi and Cantonese
    spellings, Latin names with a known variant, and organisations."""
    taken: set[str] = set()
    entries: list[WatchlistEntry] = []
    for i in range(12):
        hanzi, pinyin, cantonese = _unique(lambda: chinese_name(rng), lambda n: n[1], taken)
        list_name, country = ("sanctions" if i % 3 else "pep"), ("CN" if i % 2 else "HK")
        entries.append(WatchlistEntry(f"WL{i:03d}", pinyin, (hanzi, cantonese), list_name, country))
    for i in range(12, 24):
        name = _unique(lambda: latin_name(rng), str, taken)
        list_name, country = ("sanctions" if i % 3 else "pep"), HIGH_RISK_COUNTRIES[i % 3]
        entries.append(
            WatchlistEntry(f"WL{i:03d}", name, (near_miss(name, rng),), list_name, country)
        )
    for i in range(24, 30):
        name = _unique(lambda: organisation_name(rng), str, taken)
        entries.append(
            WatchlistEntry(f"WL{i:03d}", name, (), "sanctions", HIGH_RISK_COUNTRIES[i % 3])
        )
    return tuple(entries)
