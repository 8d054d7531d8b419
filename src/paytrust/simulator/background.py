"""Legitimate traffic of one day for every customer at once (vectorised).

Each customer draws a Poisson number of operations around their own daily rate (weekly
seasonality), at hours around their usual hour, of types, amounts, channels, devices and
places that fit their profile.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import numpy.typing as npt

from paytrust.simulator.rows import Rows
from paytrust.simulator.world import World

# (type, share of operations, median amount in CNY before the customer's own scale)
OPERATIONS: tuple[tuple[str, float, float], ...] = (
    ("payment", 0.60, 60.0),
    ("p2p_transfer", 0.14, 300.0),
    ("bill_pay", 0.07, 200.0),
    ("top_up", 0.06, 50.0),
    ("cash_in", 0.07, 1_500.0),
    ("cash_out", 0.06, 600.0),
)
WEEKDAY_FACTOR = (1.0, 0.95, 1.0, 1.05, 1.15, 1.25, 0.9)  # Monday .. Sunday
PAYMENT_CHANNELS = np.array(["qr", "nfc", "in_app", "web"], dtype=object)
REFUND_SHARE = 0.01  # of payments, refunded later the same day


def _where(mask: npt.NDArray[np.bool_], values: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """``values`` where ``mask`` holds, null elsewhere."""
    out = np.full(len(mask), None, dtype=object)
    out[mask] = values[mask]
    return out


def _pick_by_row(
    probabilities: npt.NDArray[np.float64], rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """One category per row from per-row probability vectors."""
    cumulative = probabilities.cumsum(axis=1)
    draws = rng.random((len(probabilities), 1)) * cumulative[:, -1:]
    chosen: npt.NDArray[np.int64] = (draws > cumulative).sum(axis=1).astype(np.int64)
    return chosen


def background_day(world: World, day: int, rng: np.random.Generator) -> Rows:
    c = world.customers
    weekday = (world.start_at + timedelta(days=day)).weekday()
    rates = np.where(c.dormant, 0.0, c.daily_rate * WEEKDAY_FACTOR[weekday])
    counts = rng.poisson(rates)
    cust = np.repeat(np.arange(len(c)), counts)
    n = len(cust)
    op = rng.choice(len(OPERATIONS), size=n, p=np.array([o[1] for o in OPERATIONS]))
    op_types = np.array([o[0] for o in OPERATIONS], dtype=object)[op]
    hours = np.clip(rng.normal(c.usual_hour[cust], c.hour_spread[cust]), 0.0, 23.99)
    at = world.epoch(day) + hours * 3600.0 + rng.uniform(0, 60, n)
    median_cny = np.array([o[2] for o in OPERATIONS])[op] * c.amount_scale[cust]
    amount_cny = np.maximum(1.0, rng.lognormal(np.log(median_cny), 0.7))
    amount_minor = np.maximum(1, np.round(amount_cny / c.cny_per_minor[cust])).astype(np.int64)

    is_payment = op_types == "payment"
    merchant = rng.choice(len(world.merchants.merchant_id), size=n, p=world.merchants.weight)
    bill_merchants = np.flatnonzero(world.merchants.category == "4900")
    topup_merchants = np.flatnonzero(world.merchants.category == "4814")
    if len(bill_merchants):
        merchant = np.where(op_types == "bill_pay", rng.choice(bill_merchants, size=n), merchant)
    if len(topup_merchants):
        merchant = np.where(op_types == "top_up", rng.choice(topup_merchants, size=n), merchant)
    has_merchant = np.isin(op_types, ("payment", "bill_pay", "top_up"))
    is_p2p = op_types == "p2p_transfer"
    payee_cust = np.where(is_p2p, c.contacts[cust, rng.integers(0, c.contacts.shape[1], n)], -1)
    is_agent = np.isin(op_types, ("cash_in", "cash_out"))

    channel = np.where(
        is_payment,
        PAYMENT_CHANNELS[_pick_by_row(c.channel_preference[cust], rng)],
        np.where(is_agent, "agent", np.where(rng.random(n) < 0.8, "in_app", "web")),
    )
    auth = np.where(
        channel == "web",
        np.where(rng.random(n) < 0.7, "otp", "password"),
        np.array(["biometric", "pin", "none"], dtype=object)[
            rng.choice(3, size=n, p=[0.5, 0.4, 0.1])
        ],
    )
    auth = np.where((auth == "none") & (amount_cny > 300), "pin", auth)
    device = np.where(rng.random(n) < 0.85, c.device[cust], c.second_device[cust])
    octet = rng.integers(2, 250, n).astype(str).astype(object)
    travelling = rng.random(n) < 0.02

    merchants = world.merchants
    columns = {
        "type": op_types,
        "amount_minor": amount_minor,
        "currency": c.currency[cust],
        "customer_id": c.customer_id[cust],
        "account_id": c.account_id[cust],
        "channel": channel.astype(object),
        "auth_method": auth.astype(object),
        "merchant_id": _where(has_merchant, merchants.merchant_id[merchant]),
        "merchant_category": _where(has_merchant, merchants.category[merchant]),
        "merchant_country": _where(has_merchant, merchants.country[merchant]),
        "payee_id": _where(is_p2p, c.account_id[np.maximum(payee_cust, 0)]),
        "payee_name": _where(is_p2p, c.name[np.maximum(payee_cust, 0)]),
        "payee_country": _where(is_p2p, c.country[np.maximum(payee_cust, 0)]),
        "agent_id": _where(is_agent, world.agent_ids[rng.integers(0, len(world.agent_ids), n)]),
        "device_id": device.astype(object),
        "ip": c.ip_prefix[cust] + octet,
        "country": c.country[cust],
        "latitude": c.latitude[cust] + rng.normal(0, 0.03, n) + travelling * 5.0,
        "longitude": c.longitude[cust] + rng.normal(0, 0.03, n) + travelling * 5.0,
        "credential_changed_at": np.where(
            at > c.credential_changed_at[cust], c.credential_changed_at[cust], np.nan
        ),
        "_time": at,
        "_cust": cust,
        "_payee_cust": payee_cust,
        "_credit_minor": np.where(
            is_p2p,
            np.round(
                amount_minor * c.cny_per_minor[cust] / c.cny_per_minor[np.maximum(payee_cust, 0)]
            ),
            0,
        ).astype(np.int64),
    }
    rows = Rows(columns, n)
    return Rows.concat([rows, _refunds(rows, rng)])


def _refunds(rows: Rows, rng: np.random.Generator) -> Rows:
    """Some payments come back: a refund of the same amount from the same merchant, later."""
    candidates = np.flatnonzero((rows["type"] == "payment") & (rng.random(rows.n) < REFUND_SHARE))
    refunds = rows.take(candidates)
    refunds.columns["type"] = np.full(refunds.n, "refund", dtype=object)
    refunds.columns["_original_row"] = candidates
    refunds.columns["_time"] = np.minimum(
        refunds["_time"] + rng.uniform(600, 6 * 3600, refunds.n),
        np.floor(refunds["_time"] / 86_400) * 86_400 + 86_399,
    )
    refunds.columns["channel"] = np.full(refunds.n, "in_app", dtype=object)
    refunds.columns["auth_method"] = np.full(refunds.n, "none", dtype=object)
    return refunds
