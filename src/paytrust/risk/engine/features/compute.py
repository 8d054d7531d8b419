"""Features of one transaction from the state of its entities, and the updates it causes.

The same function serves live scoring and replays of history (training, backtests), so a
model sees online exactly the features it was trained on. Entities read per transaction
(``state_keys``): the customer, the paying account, the paying account *as a receiver*
(payee state keyed by the account id: what flowed in before it pays out — mule cash-out),
and, when present, the device, the IP, the payee and the merchant. P2P ``payee_id`` values
are assumed to share the account-id namespace, so money received by an account is the
payee state of that same id.
"""

from __future__ import annotations

from math import log1p, sqrt

from paytrust.risk.engine.config import EngineConfig
from paytrust.risk.engine.features.geo import decode_point, encode_point, haversine_km
from paytrust.risk.engine.features.windows import DAY, HOUR, distinct_since, expired_buckets
from paytrust.risk.engine.features.windows import window_series as window
from paytrust.risk.engine.state import (
    AMOUNT,
    COUNT,
    EMPTY_STATE,
    NEAR_THRESHOLD_COUNT,
    REFUND_AMOUNT,
    REFUND_COUNT,
    SMALL_COUNT,
    EntityKey,
    EntityKind,
    EntityState,
    EntityUpdate,
    StateSnapshot,
    StateUpdate,
)
from paytrust.risk.engine.transaction import CURRENCY_EXPONENTS, Transaction, TransactionType

Features = dict[str, object]

_CUSTOMER, _ACCOUNT, _DEVICE = EntityKind.CUSTOMER, EntityKind.ACCOUNT, EntityKind.DEVICE
_IP, _PAYEE, _MERCHANT = EntityKind.IP, EntityKind.PAYEE, EntityKind.MERCHANT
_FEN = 100.0  # CNY minor units per yuan
_MIN_LOG_VARIANCE = 0.01  # a customer who always pays the same amount is not infinitely surprised


def state_keys(txn: Transaction) -> tuple[EntityKey, ...]:
    """The entity keys whose state scoring ``txn`` reads (and, except the inbound view of
    the paying account, updates)."""
    keys = [(_CUSTOMER, txn.customer_id), (_ACCOUNT, txn.account_id), (_PAYEE, txn.account_id)]
    if txn.device_id:
        keys.append((_DEVICE, txn.device_id))
    if txn.ip:
        keys.append((_IP, txn.ip))
    if txn.payee_id and txn.payee_id != txn.account_id:
        keys.append((_PAYEE, txn.payee_id))
    if txn.merchant_id:
        keys.append((_MERCHANT, txn.merchant_id))
    return tuple(keys)


def compute_features(
    txn: Transaction, snapshot: StateSnapshot, config: EngineConfig
) -> tuple[Features, StateUpdate]:
    """Every state feature of ``txn`` (``STATE_FEATURE_NAMES``) and the updates it causes.
    The reference implementation: the compiled ``kernel`` computes the same features."""
    at = txn.occurred_at.timestamp()
    amount = txn.amount_minor * config.fen_per_minor_unit[txn.currency] / _FEN
    ctx = transaction_features(txn, config)
    get = snapshot.get
    _customer(ctx, get((_CUSTOMER, txn.customer_id), EMPTY_STATE), txn, at, amount, config)
    _account(ctx, get((_ACCOUNT, txn.account_id), EMPTY_STATE),
             get((_PAYEE, txn.account_id), EMPTY_STATE), at, amount)
    if txn.device_id:
        _device(ctx, get((_DEVICE, txn.device_id), EMPTY_STATE), at)
    else:
        _no_device(ctx)
    if txn.ip:
        _ip(ctx, get((_IP, txn.ip), EMPTY_STATE), at)
    else:
        _no_ip(ctx)
    if txn.payee_id and txn.payee_id != txn.account_id:
        _payee(ctx, get((_PAYEE, txn.payee_id), EMPTY_STATE), at)
    else:
        _no_payee(ctx)
    if txn.merchant_id:
        _merchant(ctx, get((_MERCHANT, txn.merchant_id), EMPTY_STATE), txn, at)
    else:
        _no_merchant(ctx)
    return ctx, state_updates(txn, snapshot, config)


def state_updates(txn: Transaction, snapshot: StateSnapshot, config: EngineConfig
                  ) -> StateUpdate:
    """The commutative updates scoring ``txn`` applies to its entities (``state.py``); the
    inbound view of the paying account is read, never written. ``snapshot`` only tells which
    buckets have expired."""
    at = txn.occurred_at.timestamp()
    amount_fen = txn.amount_minor * config.fen_per_minor_unit[txn.currency]
    amount = amount_fen / _FEN
    is_small, is_near = _amount_flags(amount, config)
    is_refund = txn.type is TransactionType.REFUND
    series = (1.0, amount_fen, 1.0 if is_small else 0.0, 1.0 if is_near else 0.0,
              1.0 if is_refund else 0.0, amount_fen if is_refund else 0.0)

    def update(kind: EntityKind, entity_id: str, *members: tuple[str, str],
               totals: tuple[tuple[str, float], ...] = (),
               maxima: tuple[tuple[str, float], ...] = ()) -> EntityUpdate:
        state = snapshot.get((kind, entity_id), EMPTY_STATE)
        return EntityUpdate(key=(kind, entity_id), at=at, series=series, totals=totals,
                            maxima=(("last_at", at), ("first_at_negated", -at), *maxima),
                            members=members, expired=expired_buckets(state, at))

    counterparty = txn.payee_id or txn.merchant_id
    log_amount = log1p(amount)
    # The payment system may send the last security change only now and then: remember it.
    changes = tuple((name, changed_at.timestamp()) for name, changed_at in (
        ("credential_changed_at", txn.credential_changed_at),
        ("sim_swapped_at", txn.sim_swapped_at)) if changed_at is not None)
    customer_members = [("devices", txn.device_id)] if txn.device_id else []
    if counterparty:
        customer_members.append(("payees", counterparty))
    if txn.country:
        customer_members.append(("countries", txn.country))
    if txn.latitude is not None and txn.longitude is not None:
        customer_members.append(("geo", encode_point(txn.latitude, txn.longitude)))
    updates = [
        update(_CUSTOMER, txn.customer_id, *customer_members, maxima=changes, totals=(
            ("n", 1.0), ("log_sum", log_amount), ("log_sum_sq", log_amount * log_amount))),
        update(_ACCOUNT, txn.account_id, *((("payees", counterparty),) if counterparty else ())),
    ]
    if txn.device_id:
        updates.append(update(_DEVICE, txn.device_id, ("customers", txn.customer_id)))
    if txn.ip:
        updates.append(update(_IP, txn.ip, ("customers", txn.customer_id)))
    if txn.payee_id and txn.payee_id != txn.account_id:
        updates.append(update(_PAYEE, txn.payee_id, ("senders", txn.account_id)))
    if txn.merchant_id:
        merchant_members = [("customers", txn.customer_id)]
        if txn.device_id:
            merchant_members.append(("devices", txn.device_id))
        updates.append(update(_MERCHANT, txn.merchant_id, *merchant_members))
    return tuple(updates)


TRANSACTION_FEATURE_NAMES = (
    "txn.amount", "txn.currency", "txn.type", "txn.channel", "txn.auth_method", "txn.country",
    "txn.payee_country", "txn.merchant_category", "txn.merchant_country", "txn.card_bin",
    "txn.hour_utc", "txn.is_cross_border", "txn.is_round_amount", "txn.is_small_amount",
    "txn.is_near_threshold", "txn.balance_drain_ratio",
)


def transaction_features(txn: Transaction, config: EngineConfig) -> Features:
    """The features of the transaction alone, needing no state."""
    return dict(zip(TRANSACTION_FEATURE_NAMES, transaction_values(txn, config), strict=True))


def transaction_values(txn: Transaction, config: EngineConfig) -> list[object]:
    """``transaction_features``' values in the order of ``TRANSACTION_FEATURE_NAMES``."""
    at = txn.occurred_at.timestamp()
    amount = txn.amount_minor * config.fen_per_minor_unit[txn.currency] / _FEN
    is_small, is_near = _amount_flags(amount, config)
    counterparty_country = txn.payee_country or txn.merchant_country
    before = txn.balance_before_minor
    major = 10 ** CURRENCY_EXPONENTS[txn.currency]
    return [  # enums' ``_value_``: ``.value`` is a property in Python, 3.5 times the cost
        amount, txn.currency, txn.type._value_, txn.channel._value_, txn.auth_method._value_,
        txn.country, txn.payee_country, txn.merchant_category, txn.merchant_country,
        txn.card_bin, float(int(at % DAY) // HOUR),
        bool(txn.country and counterparty_country and counterparty_country != txn.country),
        txn.amount_minor % (100 * major) == 0, is_small, is_near,
        txn.amount_minor / before if before and before > 0 else None,
    ]


def _amount_flags(amount: float, config: EngineConfig) -> tuple[bool, bool]:
    """Small (card testing) and just below the reporting threshold (structuring)."""
    threshold = config.reporting_threshold_cny
    return (amount <= config.small_amount_cny,
            threshold * (1.0 - config.near_threshold_band) <= amount < threshold)


def _days_since(state: EntityState, at: float) -> float | None:
    last = state.maxima.get("last_at")
    return None if last is None else max(0.0, at - last) / DAY


def _days_since_first(state: EntityState, at: float) -> float | None:
    negated_first = state.maxima.get("first_at_negated")
    return None if negated_first is None else max(0.0, at + negated_first) / DAY


def _refund_ratio(window_30d: tuple[float, ...] | list[float]) -> float:
    payments = window_30d[COUNT] - window_30d[REFUND_COUNT]
    return window_30d[REFUND_COUNT] / payments if payments > 0 else 0.0


def _customer(
    ctx: Features, state: EntityState, txn: Transaction, at: float, amount: float,
    config: EngineConfig,
) -> None:
    w1m, w1h, w24h = window(state, "1m", at), window(state, "1h", at), window(state, "24h", at)
    w7d, w30d = window(state, "7d", at), window(state, "30d", at)
    members = state.members
    devices = members.get("devices")
    payees = members.get("payees")
    countries = members.get("countries")
    counterparty = txn.payee_id or txn.merchant_id
    log_amount = log1p(amount)
    ctx.update({
        "customer.count_1m": w1m[COUNT], "customer.count_1h": w1h[COUNT],
        "customer.count_24h": w24h[COUNT], "customer.count_7d": w7d[COUNT],
        "customer.count_30d": w30d[COUNT],
        "customer.amount_1h": w1h[AMOUNT] / _FEN, "customer.amount_24h": w24h[AMOUNT] / _FEN,
        "customer.amount_7d": w7d[AMOUNT] / _FEN, "customer.amount_30d": w30d[AMOUNT] / _FEN,
        "customer.small_count_1h": w1h[SMALL_COUNT],
        "customer.small_count_24h": w24h[SMALL_COUNT],
        "customer.near_threshold_count_24h": w24h[NEAR_THRESHOLD_COUNT],
        "customer.near_threshold_count_7d": w7d[NEAR_THRESHOLD_COUNT],
        "customer.refund_ratio_30d": _refund_ratio(w30d),
        "customer.refund_count_1h": w1h[REFUND_COUNT],
        "customer.refund_count_24h": w24h[REFUND_COUNT],
        "customer.refund_amount_24h": w24h[REFUND_AMOUNT] / _FEN,
        "customer.amount_zscore": _amount_zscore(state, log_amount, config),
        "customer.history_count": state.totals.get("n", 0.0),
        "customer.days_since_last": _days_since(state, at),
        "customer.days_since_first": _days_since_first(state, at),
        "customer.new_device": bool(txn.device_id) and txn.device_id not in (devices or ()),
        "customer.new_payee": bool(counterparty) and counterparty not in (payees or ()),
        "customer.new_country": bool(txn.country) and txn.country not in (countries or ()),
        "customer.distinct_devices_24h": distinct_since(devices, at - DAY),
        "customer.distinct_devices_7d": distinct_since(devices, at - 7 * DAY),
        "customer.distinct_payees_24h": distinct_since(payees, at - DAY),
        "customer.distinct_countries_7d": distinct_since(countries, at - 7 * DAY),
    })
    for name, feature, changed_at in (
        ("credential_changed_at", "customer.hours_since_credential_change",
         txn.credential_changed_at),
        ("sim_swapped_at", "customer.hours_since_sim_swap", txn.sim_swapped_at),
    ):
        latest = state.maxima.get(name)
        if changed_at is not None:
            stamp = changed_at.timestamp()
            latest = stamp if latest is None else max(latest, stamp)
        ctx[feature] = None if latest is None else max(0.0, at - latest) / HOUR
    _geo(ctx, members.get("geo"), txn, at, config)


def _amount_zscore(state: EntityState, log_amount: float, config: EngineConfig) -> float | None:
    totals = state.totals
    n = totals.get("n", 0.0)
    if n < config.min_history_for_zscore:
        return None
    mean = totals["log_sum"] / n
    variance = max(totals["log_sum_sq"] / n - mean * mean, _MIN_LOG_VARIANCE)
    return (log_amount - mean) / sqrt(variance)


def _geo(
    ctx: Features, last_points: dict[str, float] | None, txn: Transaction, at: float,
    config: EngineConfig,
) -> None:
    latitude, longitude = txn.latitude, txn.longitude
    ctx["txn.geo_velocity_kmh"] = ctx["txn.distance_from_last_km"] = None
    if latitude is None or longitude is None or not last_points:
        return
    (member, seen_at), = last_points.items()
    last_latitude, last_longitude = decode_point(member)
    distance = haversine_km(last_latitude, last_longitude, latitude, longitude)
    hours = max(abs(at - seen_at), config.min_geo_interval_s) / HOUR
    ctx["txn.distance_from_last_km"] = distance
    ctx["txn.geo_velocity_kmh"] = distance / hours


def _account(
    ctx: Features, state: EntityState, inbound: EntityState, at: float, amount: float,
) -> None:
    w1h, w24h, w7d = window(state, "1h", at), window(state, "24h", at), window(state, "7d", at)
    in24h = window(inbound, "24h", at)
    payees = state.members.get("payees")
    inbound_amount = in24h[AMOUNT] / _FEN
    last_inbound = inbound.maxima.get("last_at")
    ctx.update({
        "account.count_1h": w1h[COUNT], "account.count_24h": w24h[COUNT],
        "account.amount_24h": w24h[AMOUNT] / _FEN, "account.amount_7d": w7d[AMOUNT] / _FEN,
        "account.days_since_last": _days_since(state, at),
        "account.distinct_payees_1h": distinct_since(payees, at - HOUR),
        "account.distinct_payees_24h": distinct_since(payees, at - DAY),
        "account.distinct_payees_7d": distinct_since(payees, at - 7 * DAY),
        "account.inbound_count_24h": in24h[COUNT],
        "account.inbound_amount_24h": inbound_amount,
        "account.inbound_distinct_senders_24h": distinct_since(
            inbound.members.get("senders"), at - DAY
        ),
        "account.hours_since_last_inbound": (
            None if last_inbound is None else max(0.0, at - last_inbound) / HOUR
        ),
        "txn.outflow_to_inflow_24h": amount / inbound_amount if inbound_amount > 0 else None,
    })


def _device(ctx: Features, state: EntityState, at: float) -> None:
    w1h, w24h = window(state, "1h", at), window(state, "24h", at)
    customers = state.members.get("customers")
    ctx.update({
        "device.is_new": "last_at" not in state.maxima,
        "device.count_1h": w1h[COUNT], "device.count_24h": w24h[COUNT],
        "device.small_count_1h": w1h[SMALL_COUNT],
        "device.distinct_customers_24h": distinct_since(customers, at - DAY),
        "device.distinct_customers_7d": distinct_since(customers, at - 7 * DAY),
    })


def _no_device(ctx: Features) -> None:
    ctx.update({"device.is_new": False, "device.count_1h": 0.0, "device.count_24h": 0.0,
                "device.small_count_1h": 0.0, "device.distinct_customers_24h": 0,
                "device.distinct_customers_7d": 0})


def _ip(ctx: Features, state: EntityState, at: float) -> None:
    customers = state.members.get("customers")
    ctx.update({
        "ip.count_1m": window(state, "1m", at)[COUNT],
        "ip.count_1h": window(state, "1h", at)[COUNT],
        "ip.distinct_customers_1h": distinct_since(customers, at - HOUR),
        "ip.distinct_customers_24h": distinct_since(customers, at - DAY),
    })


def _no_ip(ctx: Features) -> None:
    ctx.update({"ip.count_1m": 0.0, "ip.count_1h": 0.0, "ip.distinct_customers_1h": 0,
                "ip.distinct_customers_24h": 0})


def _payee(ctx: Features, state: EntityState, at: float) -> None:
    w24h, w7d = window(state, "24h", at), window(state, "7d", at)
    senders = state.members.get("senders")
    ctx.update({
        "payee.is_new": "last_at" not in state.maxima,
        "payee.days_since_first": _days_since_first(state, at),
        "payee.count_24h": w24h[COUNT], "payee.count_7d": w7d[COUNT],
        "payee.amount_24h": w24h[AMOUNT] / _FEN, "payee.amount_7d": w7d[AMOUNT] / _FEN,
        "payee.distinct_senders_24h": distinct_since(senders, at - DAY),
        "payee.distinct_senders_7d": distinct_since(senders, at - 7 * DAY),
    })


def _no_payee(ctx: Features) -> None:
    ctx.update({"payee.is_new": False, "payee.days_since_first": None, "payee.count_24h": 0.0,
                "payee.count_7d": 0.0, "payee.amount_24h": 0.0, "payee.amount_7d": 0.0,
                "payee.distinct_senders_24h": 0, "payee.distinct_senders_7d": 0})


def _merchant(ctx: Features, state: EntityState, txn: Transaction, at: float) -> None:
    w1h, w24h, w30d = window(state, "1h", at), window(state, "24h", at), window(state, "30d", at)
    devices = state.members.get("devices") or {}
    customers = state.members.get("customers") or {}
    day_ago = at - DAY
    distinct_devices = distinct_since(devices, day_ago)
    ctx.update({
        "merchant.count_1h": w1h[COUNT], "merchant.count_24h": w24h[COUNT],
        "merchant.amount_24h": w24h[AMOUNT] / _FEN,
        "merchant.small_count_1h": w1h[SMALL_COUNT],
        "merchant.refund_ratio_30d": _refund_ratio(w30d),
        "merchant.distinct_customers_24h": distinct_since(customers, day_ago),
        "merchant.distinct_devices_24h": distinct_devices,
        "merchant.payments_per_device_24h": w24h[COUNT] / distinct_devices
        if distinct_devices else 0.0,
        "merchant.device_repeat_24h": devices.get(txn.device_id or "", 0.0) > day_ago,
        "merchant.customer_repeat_24h": customers.get(txn.customer_id, 0.0) > day_ago,
    })


def _no_merchant(ctx: Features) -> None:
    ctx.update({"merchant.count_1h": 0.0, "merchant.count_24h": 0.0, "merchant.amount_24h": 0.0,
                "merchant.small_count_1h": 0.0, "merchant.refund_ratio_30d": 0.0,
                "merchant.distinct_customers_24h": 0, "merchant.distinct_devices_24h": 0,
                "merchant.payments_per_device_24h": 0.0, "merchant.device_repeat_24h": False,
                "merchant.customer_repeat_24h": False})
