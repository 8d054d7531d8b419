"""The state features of ``compute.py``, compiled: one numba loop over columnar entity tables.

``compute_features`` is the specification — short, readable, and what the tests hold this
module to. This module computes the same numbers at C speed, on tables held in memory or
loaded from Redis records: each kind of entity is a table whose rows ("slots") hold
fixed-size arrays, and one compiled call scores a whole batch, reading each transaction's
features and then applying its updates in place, so every transaction sees the ones before
it. Differential tests
(``tests/risk/engine/test_kernel.py``) keep the two equal on random and simulated streams.

Layout of one kind's table (``TableArrays``), ``slot`` being the entity's row:

* ``buckets[slot, b, 0]`` the index of ring bucket ``b`` (``-inf`` when empty) and
  ``buckets[slot, b, 1:]`` its series: those of ``SERIES`` the kind's features read
  (``KIND_SERIES``). Each resolution the kind keeps is a ring of ``kept`` buckets, bucket
  index ``i`` at position ``i % kept``: writing a newer index into a position replaces the
  older bucket there, which is exactly the bucket the reference expires. A window reads the
  buckets whose index falls inside it, oldest first.
* ``scalars[slot]`` the maxima (``-inf`` when absent), the customer's log-amount totals and
  last geo point (``SCALARS``).
* ``member_hashes`` / ``member_times`` the member sets side by side (``SETS``), each member
  by a hash of its string (``FeatureTables.hash_member``), with ``member_counts`` members in
  use per set.

Late transactions (older than a ring's span behind the entity's newest) cannot reopen a
bucket the ring has reused; the reference keeps such a bucket until its next expiry. Both
only ever read buckets inside a window, so the two agree on every stream whose transactions
reach each entity in time order, which is what the tests check. Ties between members
seen at the very same instant, when a full set evicts one, are broken by position here and
by name in the reference.

Constants are literal here, not imported: numba's cache does not notice a change to
another module. ``tables.py`` checks them against ``state.py`` and ``windows.py`` on import.
"""

from __future__ import annotations

from collections.abc import Callable
from math import asin, cos, inf, isnan, log1p, nan, radians, sin, sqrt
from typing import Any, Final, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# (buckets, scalars, member_hashes, member_times, member_counts) of one kind
TableArrays = tuple[FloatArray, FloatArray, IntArray, FloatArray, IntArray]

_Function = TypeVar("_Function", bound=Callable[..., Any])


def _compiled(function: _Function) -> _Function:
    """numba's nopython mode, cached on disk next to this file (compiled once per install)."""
    return cast(_Function, numba.njit(cache=True, nogil=True)(function))


def _inlined(function: _Function) -> _Function:
    """A small helper compiled into its callers: a call of its own (arguments, reference
    counts) costs more than its body."""
    return cast(_Function, numba.njit(cache=True, nogil=True, inline="always")(function))


# --- series (bucket columns after the index) -----------------------------------------------
SERIES: Final = ("count", "amount", "small_count", "near_threshold_count", "refund_count",
                 "refund_amount")
_COUNT, _AMOUNT, _SMALL, _NEAR, _REFUND_COUNT, _REFUND_AMOUNT = 1, 2, 3, 4, 5, 6

# --- kinds, in the order of ``KINDS``; per kind: rings (resolution, kept), sets (name, capacity)
KINDS: Final = ("customer", "account", "device", "ip", "payee", "merchant")
# The series a kind's buckets keep, in their columns after the index: only those its features
# read (an IP's windows only count), so its rows hold no series nothing reads.
KIND_SERIES: Final = (
    (_COUNT, _AMOUNT, _SMALL, _NEAR, _REFUND_COUNT, _REFUND_AMOUNT),
    (_COUNT, _AMOUNT),
    (_COUNT, _SMALL),
    (_COUNT,),
    (_COUNT, _AMOUNT),
    (_COUNT, _AMOUNT, _SMALL, _REFUND_COUNT),
)
_C_SERIES, _A_SERIES, _D_SERIES, _I_SERIES, _P_SERIES, _M_SERIES = KIND_SERIES
RINGS: Final = (
    ((10, 6), (300, 12), (3_600, 24), (86_400, 30)),
    ((300, 12), (3_600, 24), (86_400, 30)),
    ((300, 12), (3_600, 24)),
    ((10, 6), (300, 12)),
    ((3_600, 24), (86_400, 30)),
    ((300, 12), (3_600, 24), (86_400, 30)),
)
SETS: Final = (
    (("devices", 32), ("payees", 64), ("countries", 16)),
    (("payees", 64),),
    (("customers", 64),),
    (("customers", 64),),
    (("senders", 64),),
    (("devices", 32), ("customers", 64)),
)
# scalars: every kind keeps the two maxima; the customer also the rest
SCALARS: Final = ("last_at", "first_at_negated", "credential_changed_at", "sim_swapped_at",
                  "n", "log_sum", "log_sum_sq", "geo_latitude", "geo_longitude", "geo_at")
_LAST, _FIRST_NEG, _CREDENTIAL, _SIM, _N, _LOG_SUM, _LOG_SQ, _GEO_LAT, _GEO_LON, _GEO_AT = (
    range(10))
SCALAR_DEFAULTS: Final = (-inf, -inf, -inf, -inf, 0.0, 0.0, 0.0, 0.0, 0.0, -inf)
KIND_SCALARS: Final = (10, 2, 2, 2, 2, 2)

STATE_HORIZON_S: Final = 31 * 86_400.0
_MINUTE_BUCKETS, _HOUR, _DAY = 6, 3_600.0, 86_400.0
_EARTH_RADIUS_KM = 6_371.0088
_FEN = 100.0
_MIN_LOG_VARIANCE = 0.01

# A window on one kind's table: (first bucket of the ring, kept, resolution, buckets read).
# Offsets follow ``RINGS``: a kind's rings are laid out one after the other.
C_1M, C_1H, C_24H, C_7D, C_30D = (0, 6, 10.0, 6), (6, 12, 300.0, 12), (18, 24, 3_600.0, 24), (
    42, 30, 86_400.0, 7), (42, 30, 86_400.0, 30)
A_1H, A_24H, A_7D = (0, 12, 300.0, 12), (12, 24, 3_600.0, 24), (36, 30, 86_400.0, 7)
D_1H, D_24H = (0, 12, 300.0, 12), (12, 24, 3_600.0, 24)
I_1M, I_1H = (0, 6, 10.0, 6), (6, 12, 300.0, 12)
P_24H, P_7D = (0, 24, 3_600.0, 24), (24, 30, 86_400.0, 7)
M_1H, M_24H, M_30D = (0, 12, 300.0, 12), (12, 24, 3_600.0, 24), (36, 30, 86_400.0, 30)
# Member sets: (first column, capacity, index among the kind's sets)
C_DEVICES, C_PAYEES, C_COUNTRIES = (0, 32, 0), (32, 64, 1), (96, 16, 2)
A_PAYEES = D_CUSTOMERS = I_CUSTOMERS = P_SENDERS = (0, 64, 0)
M_DEVICES, M_CUSTOMERS = (0, 32, 0), (32, 64, 1)

# --- inputs and outputs --------------------------------------------------------------------
# ``values[row]``: numbers of the transaction (NaN when absent)
VALUE_COLUMNS: Final = ("at", "amount_fen", "latitude", "longitude", "stored_latitude",
                        "stored_longitude", "credential_changed_at", "sim_swapped_at",
                        "is_refund")
(_V_AT, _V_AMOUNT, _V_LAT, _V_LON, _V_STORED_LAT, _V_STORED_LON, _V_CREDENTIAL, _V_SIM,
 _V_REFUND) = range(9)
# ``refs[row]``: slots of its entities (-1 when absent) and hashes of the members it adds
REF_COLUMNS: Final = ("customer", "account", "inbound", "device", "ip", "payee", "merchant",
                      "device_hash", "counterparty_hash", "country_hash", "customer_hash",
                      "account_hash", "has_counterparty", "has_country")
(_R_CUSTOMER, _R_ACCOUNT, _R_INBOUND, _R_DEVICE, _R_IP, _R_PAYEE, _R_MERCHANT, _R_DEVICE_H,
 _R_COUNTERPARTY_H, _R_COUNTRY_H, _R_CUSTOMER_H, _R_ACCOUNT_H, _R_HAS_COUNTERPARTY,
 _R_HAS_COUNTRY) = range(14)
# ``params``: the knobs of ``EngineConfig`` the features use
PARAM_NAMES: Final = ("small_amount_cny", "near_threshold_low_cny", "reporting_threshold_cny",
                      "min_history_for_zscore", "min_geo_interval_s")
# ``out[row]``: the state features (NaN for null; booleans as 0 and 1)
FEATURES: Final = (
    "customer.count_1m", "customer.count_1h", "customer.count_24h", "customer.count_7d",
    "customer.count_30d", "customer.amount_1h", "customer.amount_24h", "customer.amount_7d",
    "customer.amount_30d", "customer.small_count_1h", "customer.small_count_24h",
    "customer.near_threshold_count_24h", "customer.near_threshold_count_7d",
    "customer.refund_ratio_30d", "customer.amount_zscore", "customer.history_count",
    "customer.days_since_last", "customer.days_since_first", "customer.new_device",
    "customer.new_payee", "customer.new_country", "customer.distinct_devices_24h",
    "customer.distinct_devices_7d", "customer.distinct_payees_24h",
    "customer.distinct_countries_7d", "customer.hours_since_credential_change",
    "customer.hours_since_sim_swap", "txn.geo_velocity_kmh", "txn.distance_from_last_km",
    "account.count_1h", "account.count_24h", "account.amount_24h", "account.amount_7d",
    "account.days_since_last", "account.distinct_payees_1h", "account.distinct_payees_24h",
    "account.distinct_payees_7d", "account.inbound_count_24h", "account.inbound_amount_24h",
    "account.inbound_distinct_senders_24h", "account.hours_since_last_inbound",
    "txn.outflow_to_inflow_24h",
    "device.is_new", "device.count_1h", "device.count_24h", "device.small_count_1h",
    "device.distinct_customers_24h", "device.distinct_customers_7d",
    "ip.count_1m", "ip.count_1h", "ip.distinct_customers_1h", "ip.distinct_customers_24h",
    "payee.is_new", "payee.days_since_first", "payee.count_24h", "payee.count_7d",
    "payee.amount_24h", "payee.amount_7d", "payee.distinct_senders_24h",
    "payee.distinct_senders_7d",
    "merchant.count_1h", "merchant.count_24h", "merchant.amount_24h",
    "merchant.small_count_1h", "merchant.refund_ratio_30d", "merchant.distinct_customers_24h",
    "merchant.distinct_devices_24h", "merchant.payments_per_device_24h",
    "merchant.device_repeat_24h", "merchant.customer_repeat_24h",
    "customer.refund_count_24h", "customer.refund_amount_24h", "customer.refund_count_1h",
)


# --- rings ---------------------------------------------------------------------------------
@_inlined
def _window(buckets: FloatArray, slot: int, window: tuple[int, int, float, int],
            kind_series: tuple[int, ...], at: float, into: FloatArray) -> None:
    """Sum each series the kind keeps over ``window`` ending at the bucket of ``at`` into
    ``into`` (by series; the others are 0), oldest bucket first (the reference's order, so
    the sums are bit-for-bit equal)."""
    offset, kept, resolution, count = window
    current = at // resolution
    oldest = current - count
    into[:] = 0.0
    start = int(current) + 1
    for step in range(kept):
        position = offset + (start + step) % kept
        if buckets[slot, position, 0] > oldest:
            for column in range(len(kind_series)):
                into[kind_series[column]] += buckets[slot, position, 1 + column]


@_inlined
def _ring_add(buckets: FloatArray, slot: int, offset: int, kept: int, resolution: float,
              kind_series: tuple[int, ...], at: float, series: FloatArray) -> None:
    index = at // resolution
    position = offset + int(index) % kept
    held = buckets[slot, position, 0]
    if held == index:
        for column in range(len(kind_series)):
            buckets[slot, position, 1 + column] += series[kind_series[column]]
    elif held < index:
        buckets[slot, position, 0] = index
        for column in range(len(kind_series)):
            buckets[slot, position, 1 + column] = series[kind_series[column]]


@_compiled
def _add_to_rings(buckets: FloatArray, slot: int, rings: tuple[tuple[int, int], ...],
                  kind_series: tuple[int, ...], at: float, series: FloatArray) -> None:
    offset = 0
    for resolution, kept in rings:
        _ring_add(buckets, slot, offset, kept, float(resolution), kind_series, at, series)
        offset += kept


# --- member sets ---------------------------------------------------------------------------
@_inlined
def _seen_at(hashes: IntArray, times: FloatArray, counts: IntArray, slot: int,
             member_set: tuple[int, int, int], member: int) -> float:
    """When ``member`` was last seen in the set, or -inf."""
    first, _, which = member_set
    for column in range(first, first + counts[slot, which]):
        if hashes[slot, column] == member:
            return float(times[slot, column])
    return -inf


@_inlined
def _distinct_since(times: FloatArray, counts: IntArray, slot: int,
                    member_set: tuple[int, int, int], since: float) -> float:
    first, _, which = member_set
    seen = 0
    for column in range(first, first + counts[slot, which]):
        if times[slot, column] > since:
            seen += 1
    return float(seen)


@_compiled
def _add_member(hashes: IntArray, times: FloatArray, counts: IntArray, slot: int,
                member_set: tuple[int, int, int], member: int, at: float) -> None:
    """The reference's ``_add_member``: stamp, evict the oldest beyond capacity, then forget
    members older than the horizon."""
    first, capacity, which = member_set
    used = counts[slot, which]
    end = first + used
    found = -1
    for column in range(first, end):
        if hashes[slot, column] == member:
            found = column
            break
    if found >= 0:
        times[slot, found] = max(times[slot, found], at)
    elif used < capacity:
        hashes[slot, end] = member
        times[slot, end] = at
        used += 1
    else:  # full: the newcomer competes with the oldest, and the older of the two goes
        oldest = first
        for column in range(first + 1, end):
            if times[slot, column] < times[slot, oldest]:
                oldest = column
        if at > times[slot, oldest]:
            hashes[slot, oldest] = member
            times[slot, oldest] = at
    horizon = at - STATE_HORIZON_S
    kept = first
    for column in range(first, first + used):
        if times[slot, column] >= horizon:
            hashes[slot, kept] = hashes[slot, column]
            times[slot, kept] = times[slot, column]
            kept += 1
    counts[slot, which] = kept - first


# --- small pieces of the reference ---------------------------------------------------------
@_inlined
def _flag(condition: bool) -> float:
    """A boolean feature as a number (numba has no ``float(bool)``)."""
    return 1.0 if condition else 0.0


@_inlined
def _days_since(scalars: FloatArray, slot: int, at: float) -> float:
    last = scalars[slot, _LAST]
    return nan if last == -inf else max(0.0, at - last) / _DAY


@_inlined
def _days_since_first(scalars: FloatArray, slot: int, at: float) -> float:
    negated_first = scalars[slot, _FIRST_NEG]
    return nan if negated_first == -inf else max(0.0, at + negated_first) / _DAY


@_inlined
def _refund_ratio(window: FloatArray) -> float:
    payments = window[_COUNT] - window[_REFUND_COUNT]
    return window[_REFUND_COUNT] / payments if payments > 0 else 0.0


@_inlined
def _hours_since_change(scalars: FloatArray, slot: int, column: int, changed_at: float,
                        at: float) -> float:
    latest = scalars[slot, column]
    if not isnan(changed_at) and changed_at > latest:
        latest = changed_at
    return nan if latest == -inf else max(0.0, at - latest) / _HOUR


@_compiled
def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """``geo.haversine_km``, compiled here: a cached caller would keep a compiled copy of a
    function from another module even after that module changed (see the module note)."""
    phi1, phi2 = radians(lat1), radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = radians(lon2 - lon1) / 2
    a = sin(half_dphi) ** 2 + cos(phi1) * cos(phi2) * sin(half_dlambda) ** 2
    return 2 * _EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))


@_inlined
def _seen(scalars: FloatArray, slot: int, at: float) -> None:
    scalars[slot, _LAST] = max(scalars[slot, _LAST], at)
    scalars[slot, _FIRST_NEG] = max(scalars[slot, _FIRST_NEG], -at)


# --- one transaction -----------------------------------------------------------------------
@_compiled
def _customer(out: FloatArray, table: TableArrays, slot: int, values: FloatArray,
              refs: IntArray, at: float, log_amount: float, params: FloatArray,
              w: FloatArray) -> None:
    buckets, scalars, hashes, times, counts = table
    _window(buckets, slot, C_1M, _C_SERIES, at, w)
    out[0] = w[_COUNT]
    _window(buckets, slot, C_1H, _C_SERIES, at, w)
    out[1], out[5], out[9], out[72] = w[_COUNT], w[_AMOUNT] / _FEN, w[_SMALL], w[_REFUND_COUNT]
    _window(buckets, slot, C_24H, _C_SERIES, at, w)
    out[2], out[6], out[10], out[11] = w[_COUNT], w[_AMOUNT] / _FEN, w[_SMALL], w[_NEAR]
    out[70], out[71] = w[_REFUND_COUNT], w[_REFUND_AMOUNT] / _FEN
    _window(buckets, slot, C_7D, _C_SERIES, at, w)
    out[3], out[7], out[12] = w[_COUNT], w[_AMOUNT] / _FEN, w[_NEAR]
    _window(buckets, slot, C_30D, _C_SERIES, at, w)
    out[4], out[8], out[13] = w[_COUNT], w[_AMOUNT] / _FEN, _refund_ratio(w)
    n = scalars[slot, _N]
    if n < params[3]:
        out[14] = nan
    else:
        mean = scalars[slot, _LOG_SUM] / n
        variance = max(scalars[slot, _LOG_SQ] / n - mean * mean, _MIN_LOG_VARIANCE)
        out[14] = (log_amount - mean) / sqrt(variance)
    out[15] = n
    out[16] = _days_since(scalars, slot, at)
    out[17] = _days_since_first(scalars, slot, at)
    has_device = refs[_R_DEVICE] >= 0
    out[18] = _flag(has_device and _seen_at(hashes, times, counts, slot, C_DEVICES,
                                            refs[_R_DEVICE_H]) == -inf)
    out[19] = _flag(refs[_R_HAS_COUNTERPARTY] == 1 and _seen_at(
        hashes, times, counts, slot, C_PAYEES, refs[_R_COUNTERPARTY_H]) == -inf)
    out[20] = _flag(refs[_R_HAS_COUNTRY] == 1 and _seen_at(
        hashes, times, counts, slot, C_COUNTRIES, refs[_R_COUNTRY_H]) == -inf)
    out[21] = _distinct_since(times, counts, slot, C_DEVICES, at - _DAY)
    out[22] = _distinct_since(times, counts, slot, C_DEVICES, at - 7 * _DAY)
    out[23] = _distinct_since(times, counts, slot, C_PAYEES, at - _DAY)
    out[24] = _distinct_since(times, counts, slot, C_COUNTRIES, at - 7 * _DAY)
    out[25] = _hours_since_change(scalars, slot, _CREDENTIAL, values[_V_CREDENTIAL], at)
    out[26] = _hours_since_change(scalars, slot, _SIM, values[_V_SIM], at)
    out[27] = out[28] = nan
    latitude, longitude = values[_V_LAT], values[_V_LON]
    if not isnan(latitude) and not isnan(longitude) and scalars[slot, _GEO_AT] != -inf:
        distance = _haversine_km(scalars[slot, _GEO_LAT], scalars[slot, _GEO_LON], latitude,
                                 longitude)
        hours = max(abs(at - scalars[slot, _GEO_AT]), params[4]) / _HOUR
        out[28] = distance
        out[27] = distance / hours


@_compiled
def _update_customer(table: TableArrays, slot: int, values: FloatArray, refs: IntArray,
                     at: float, log_amount: float, series: FloatArray) -> None:
    buckets, scalars, hashes, times, counts = table
    _add_to_rings(buckets, slot, RINGS[0], _C_SERIES, at, series)
    _seen(scalars, slot, at)
    for column, changed_at in ((_CREDENTIAL, values[_V_CREDENTIAL]), (_SIM, values[_V_SIM])):
        if not isnan(changed_at) and changed_at > scalars[slot, column]:
            scalars[slot, column] = changed_at
    scalars[slot, _N] += 1.0
    scalars[slot, _LOG_SUM] += log_amount
    scalars[slot, _LOG_SQ] += log_amount * log_amount
    if refs[_R_DEVICE] >= 0:
        _add_member(hashes, times, counts, slot, C_DEVICES, refs[_R_DEVICE_H], at)
    if refs[_R_HAS_COUNTERPARTY] == 1:
        _add_member(hashes, times, counts, slot, C_PAYEES, refs[_R_COUNTERPARTY_H], at)
    if refs[_R_HAS_COUNTRY] == 1:
        _add_member(hashes, times, counts, slot, C_COUNTRIES, refs[_R_COUNTRY_H], at)
    # The geo set holds one point: a later point replaces it, an earlier one is dropped.
    if not isnan(values[_V_STORED_LAT]) and at > scalars[slot, _GEO_AT]:
        scalars[slot, _GEO_LAT] = values[_V_STORED_LAT]
        scalars[slot, _GEO_LON] = values[_V_STORED_LON]
        scalars[slot, _GEO_AT] = at


@_compiled
def _account(out: FloatArray, table: TableArrays, slot: int, inbound: TableArrays,
             inbound_slot: int, at: float, amount: float, w: FloatArray) -> None:
    buckets, scalars, _, times, counts = table
    _window(buckets, slot, A_1H, _A_SERIES, at, w)
    out[29] = w[_COUNT]
    _window(buckets, slot, A_24H, _A_SERIES, at, w)
    out[30], out[31] = w[_COUNT], w[_AMOUNT] / _FEN
    _window(buckets, slot, A_7D, _A_SERIES, at, w)
    out[32] = w[_AMOUNT] / _FEN
    out[33] = _days_since(scalars, slot, at)
    out[34] = _distinct_since(times, counts, slot, A_PAYEES, at - _HOUR)
    out[35] = _distinct_since(times, counts, slot, A_PAYEES, at - _DAY)
    out[36] = _distinct_since(times, counts, slot, A_PAYEES, at - 7 * _DAY)
    out[37] = out[38] = out[39] = 0.0
    out[40] = nan
    if inbound_slot >= 0:
        in_buckets, in_scalars, _, in_times, in_counts = inbound
        _window(in_buckets, inbound_slot, P_24H, _P_SERIES, at, w)
        out[37], out[38] = w[_COUNT], w[_AMOUNT] / _FEN
        out[39] = _distinct_since(in_times, in_counts, inbound_slot, P_SENDERS, at - _DAY)
        last_inbound = in_scalars[inbound_slot, _LAST]
        if last_inbound != -inf:
            out[40] = max(0.0, at - last_inbound) / _HOUR
    out[41] = amount / out[38] if out[38] > 0 else nan


@_compiled
def _device(out: FloatArray, table: TableArrays, slot: int, at: float, w: FloatArray) -> None:
    if slot < 0:
        out[42:48] = 0.0
        return
    buckets, scalars, _, times, counts = table
    out[42] = _flag(scalars[slot, _LAST] == -inf)
    _window(buckets, slot, D_1H, _D_SERIES, at, w)
    out[43], out[45] = w[_COUNT], w[_SMALL]
    _window(buckets, slot, D_24H, _D_SERIES, at, w)
    out[44] = w[_COUNT]
    out[46] = _distinct_since(times, counts, slot, D_CUSTOMERS, at - _DAY)
    out[47] = _distinct_since(times, counts, slot, D_CUSTOMERS, at - 7 * _DAY)


@_compiled
def _ip(out: FloatArray, table: TableArrays, slot: int, at: float, w: FloatArray) -> None:
    if slot < 0:
        out[48:52] = 0.0
        return
    buckets, _, _, times, counts = table
    _window(buckets, slot, I_1M, _I_SERIES, at, w)
    out[48] = w[_COUNT]
    _window(buckets, slot, I_1H, _I_SERIES, at, w)
    out[49] = w[_COUNT]
    out[50] = _distinct_since(times, counts, slot, I_CUSTOMERS, at - _HOUR)
    out[51] = _distinct_since(times, counts, slot, I_CUSTOMERS, at - _DAY)


@_compiled
def _payee(out: FloatArray, table: TableArrays, slot: int, at: float, w: FloatArray) -> None:
    if slot < 0:
        out[52:60] = 0.0
        out[53] = nan
        return
    buckets, scalars, _, times, counts = table
    out[52] = _flag(scalars[slot, _LAST] == -inf)
    out[53] = _days_since_first(scalars, slot, at)
    _window(buckets, slot, P_24H, _P_SERIES, at, w)
    out[54], out[56] = w[_COUNT], w[_AMOUNT] / _FEN
    _window(buckets, slot, P_7D, _P_SERIES, at, w)
    out[55], out[57] = w[_COUNT], w[_AMOUNT] / _FEN
    out[58] = _distinct_since(times, counts, slot, P_SENDERS, at - _DAY)
    out[59] = _distinct_since(times, counts, slot, P_SENDERS, at - 7 * _DAY)


@_compiled
def _merchant(out: FloatArray, table: TableArrays, slot: int, refs: IntArray, at: float,
              w: FloatArray) -> None:
    if slot < 0:
        out[60:70] = 0.0
        return
    buckets, _, hashes, times, counts = table
    _window(buckets, slot, M_1H, _M_SERIES, at, w)
    out[60], out[63] = w[_COUNT], w[_SMALL]
    _window(buckets, slot, M_30D, _M_SERIES, at, w)
    out[64] = _refund_ratio(w)
    _window(buckets, slot, M_24H, _M_SERIES, at, w)
    out[61], out[62] = w[_COUNT], w[_AMOUNT] / _FEN
    day_ago = at - _DAY
    out[65] = _distinct_since(times, counts, slot, M_CUSTOMERS, day_ago)
    distinct_devices = _distinct_since(times, counts, slot, M_DEVICES, day_ago)
    out[66] = distinct_devices
    out[67] = w[_COUNT] / distinct_devices if distinct_devices else 0.0
    # An unknown member reads as seen at 0.0, as the reference's ``get(member, 0.0)``.
    device_seen = 0.0
    if refs[_R_DEVICE] >= 0:
        device_seen = max(0.0, _seen_at(hashes, times, counts, slot, M_DEVICES,
                                        refs[_R_DEVICE_H]))
    out[68] = _flag(device_seen > day_ago)
    customer_seen = max(0.0, _seen_at(hashes, times, counts, slot, M_CUSTOMERS,
                                      refs[_R_CUSTOMER_H]))
    out[69] = _flag(customer_seen > day_ago)


@_compiled
def _update_other(table: TableArrays, slot: int, at: float, series: FloatArray,
                  rings: tuple[tuple[int, int], ...], kind_series: tuple[int, ...]) -> None:
    buckets, scalars, _, _, _ = table
    _add_to_rings(buckets, slot, rings, kind_series, at, series)
    _seen(scalars, slot, at)


@_inlined
def _empty(table: TableArrays, slot: int) -> None:
    """Make ``slot`` the row of an entity never seen: the one definition of that row."""
    buckets, scalars, hashes, times, counts = table
    buckets[slot, :, 0] = -inf  # no bucket holds an index yet
    buckets[slot, :, 1:] = 0.0
    for column in range(scalars.shape[1]):
        scalars[slot, column] = SCALAR_DEFAULTS[column]
    hashes[slot, :] = 0
    times[slot, :] = 0.0
    counts[slot, :] = 0


@_compiled
def empty_rows(table: TableArrays, slots: IntArray) -> None:
    """``_empty`` each of ``slots`` (rows freed, or handed out outside a scoring call)."""
    for slot in slots:
        _empty(table, slot)


@_compiled
def score_rows(values: FloatArray, refs: IntArray, params: FloatArray, fresh: IntArray,
               customer: TableArrays, account: TableArrays, device: TableArrays,
               ip: TableArrays, payee: TableArrays, merchant: TableArrays,
               out: FloatArray) -> None:
    """Empty the rows ``fresh`` names (kind, slot: rows handed out since the last call),
    then for each row in order: its state features into ``out[row]``, then its updates."""
    for row in range(fresh.shape[0]):
        kind, slot = fresh[row, 0], fresh[row, 1]
        if kind == 0:
            _empty(customer, slot)
        elif kind == 1:
            _empty(account, slot)
        elif kind == 2:
            _empty(device, slot)
        elif kind == 3:
            _empty(ip, slot)
        elif kind == 4:
            _empty(payee, slot)
        else:
            _empty(merchant, slot)
    w = np.zeros(1 + len(SERIES))
    series = np.zeros(1 + len(SERIES))
    for row in range(values.shape[0]):
        v, r, o = values[row], refs[row], out[row]
        at, amount_fen = v[_V_AT], v[_V_AMOUNT]
        amount = amount_fen / _FEN
        log_amount = log1p(amount)
        is_refund = v[_V_REFUND]
        series[_COUNT] = 1.0
        series[_AMOUNT] = amount_fen
        series[_SMALL] = _flag(amount <= params[0])
        series[_NEAR] = _flag(params[1] <= amount < params[2])
        series[_REFUND_COUNT] = is_refund
        series[_REFUND_AMOUNT] = amount_fen * is_refund

        c, a = r[_R_CUSTOMER], r[_R_ACCOUNT]
        _customer(o, customer, c, v, r, at, log_amount, params, w)
        _account(o, account, a, payee, r[_R_INBOUND], at, amount, w)
        _device(o, device, r[_R_DEVICE], at, w)
        _ip(o, ip, r[_R_IP], at, w)
        _payee(o, payee, r[_R_PAYEE], at, w)
        _merchant(o, merchant, r[_R_MERCHANT], r, at, w)

        _update_customer(customer, c, v, r, at, log_amount, series)
        _update_other(account, a, at, series, RINGS[1], _A_SERIES)
        if r[_R_HAS_COUNTERPARTY] == 1:
            _add_member(account[2], account[3], account[4], a, A_PAYEES,
                        r[_R_COUNTERPARTY_H], at)
        slot = r[_R_DEVICE]
        if slot >= 0:
            _update_other(device, slot, at, series, RINGS[2], _D_SERIES)
            _add_member(device[2], device[3], device[4], slot, D_CUSTOMERS,
                        r[_R_CUSTOMER_H], at)
        slot = r[_R_IP]
        if slot >= 0:
            _update_other(ip, slot, at, series, RINGS[3], _I_SERIES)
            _add_member(ip[2], ip[3], ip[4], slot, I_CUSTOMERS, r[_R_CUSTOMER_H], at)
        slot = r[_R_PAYEE]
        if slot >= 0:
            _update_other(payee, slot, at, series, RINGS[4], _P_SERIES)
            _add_member(payee[2], payee[3], payee[4], slot, P_SENDERS, r[_R_ACCOUNT_H], at)
        slot = r[_R_MERCHANT]
        if slot >= 0:
            _update_other(merchant, slot, at, series, RINGS[5], _M_SERIES)
            _add_member(merchant[2], merchant[3], merchant[4], slot, M_CUSTOMERS,
                        r[_R_CUSTOMER_H], at)
            if r[_R_DEVICE] >= 0:
                _add_member(merchant[2], merchant[3], merchant[4], slot, M_DEVICES,
                            r[_R_DEVICE_H], at)
