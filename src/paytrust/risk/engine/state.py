"""Entity state as the reference features (``features/compute.py``) see it: what a
transaction reads before it is scored and the updates it applies. The compiled kernel keeps
the same state in tables (``features/tables.py``), in memory or as Redis records.

Every update is a *commutative* operation, so applying a batch of updates in any order
gives the same state:

* bucket increments — each series value is added to the time bucket of the event at every
  resolution its kind keeps (``KIND_RESOLUTIONS``); a window is the sum of its last buckets;
* total increments — all-time accumulators (count, sum and sum of squares of log-amounts);
* maxima — keep the largest value (last-seen time; first-seen is kept as ``-time``);
* members — add a member with a timestamp, keeping its latest timestamp; a set keeps only
  its ``SET_CAPACITY`` most recent members and forgets members older than ``STATE_HORIZON_S``.

Memory stays bounded per entity: buckets older than their resolution's horizon are
dropped (the engine lists the ones it saw in ``EntityUpdate.expired``) and sets are capped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from operator import add
from typing import Final


class EntityKind(StrEnum):
    CUSTOMER = "customer"
    ACCOUNT = "account"
    DEVICE = "device"
    IP = "ip"
    PAYEE = "payee"  # anything that receives money: a payee account or a merchant id
    MERCHANT = "merchant"


EntityKey = tuple[EntityKind, str]

# Bucketed series, in this order in every bucket.
COUNT: Final = 0  # transactions
AMOUNT: Final = 1  # amount in CNY minor units (fen)
SMALL_COUNT: Final = 2  # amounts at or below the small-amount threshold (card testing)
NEAR_THRESHOLD_COUNT: Final = 3  # amounts just below the reporting threshold (structuring)
REFUND_COUNT: Final = 4
REFUND_AMOUNT: Final = 5
SERIES_WIDTH: Final = 6

# Bucket resolution (seconds) -> how many buckets are kept. A window of W seconds is served
# by the finest resolution r that divides it, as the current bucket plus the W/r - 1 before.
RESOLUTIONS: Final[dict[int, int]] = {10: 6, 300: 12, 3_600: 24, 86_400: 30}

STATE_HORIZON_S: Final = 31 * 86_400  # nothing older matters; idle entities are forgotten
SET_CAPACITY: Final[dict[str, int]] = {
    "devices": 32, "payees": 64, "countries": 16, "customers": 64, "senders": 64, "geo": 1,
}
# The resolutions each kind of entity keeps: those of the windows its features read
# (1 min -> 10 s, 1 h -> 5 min, 24 h -> 1 h, 7 d and 30 d -> 1 day; see features/windows.py).
KIND_RESOLUTIONS: Final[dict[EntityKind, tuple[int, ...]]] = {
    EntityKind.CUSTOMER: (10, 300, 3_600, 86_400),
    EntityKind.ACCOUNT: (300, 3_600, 86_400),
    EntityKind.DEVICE: (300, 3_600),
    EntityKind.IP: (10, 300),
    EntityKind.PAYEE: (3_600, 86_400),
    EntityKind.MERCHANT: (300, 3_600, 86_400),
}
# The member sets each kind of entity keeps.
KIND_SETS: Final[dict[EntityKind, tuple[str, ...]]] = {
    EntityKind.CUSTOMER: ("devices", "payees", "countries", "geo"),
    EntityKind.ACCOUNT: ("payees",),
    EntityKind.DEVICE: ("customers",),
    EntityKind.IP: ("customers",),
    EntityKind.PAYEE: ("senders",),
    EntityKind.MERCHANT: ("devices", "customers"),
}


@dataclass(slots=True)
class EntityState:
    """State of one entity. Treat as read-only outside ``apply_update``."""

    buckets: dict[int, dict[int, list[float]]] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)
    maxima: dict[str, float] = field(default_factory=dict)
    members: dict[str, dict[str, float]] = field(default_factory=dict)

    def copy(self) -> EntityState:
        """A copy that ``apply_update`` can change without touching this state. Bucket
        lists are shared: ``apply_update`` replaces a bucket's list, never edits it."""
        return EntityState(
            buckets={resolution: dict(b) for resolution, b in self.buckets.items()},
            totals=self.totals.copy(),
            maxima=self.maxima.copy(),
            members={name: m.copy() for name, m in self.members.items()},
        )


EMPTY_STATE: Final = EntityState()

# Read-only view of the states a transaction needs; a missing key means "never seen".
StateSnapshot = Mapping[EntityKey, EntityState]


@dataclass(frozen=True, slots=True)
class EntityUpdate:
    """The commutative operations one transaction applies to one entity."""

    key: EntityKey
    at: float  # event time, epoch seconds: selects the buckets and stamps members
    series: tuple[float, ...]  # SERIES_WIDTH increments for the event's buckets
    totals: tuple[tuple[str, float], ...] = ()
    maxima: tuple[tuple[str, float], ...] = ()
    members: tuple[tuple[str, str], ...] = ()  # (set name, member) stamped with ``at``
    expired: tuple[tuple[int, int], ...] = ()  # (resolution, bucket index) past the horizon


StateUpdate = tuple[EntityUpdate, ...]


def bucket_index(at: float, resolution: int) -> int:
    return int(at // resolution)


def apply_update(state: EntityState, update: EntityUpdate) -> None:
    """Apply ``update`` to ``state`` in place (the in-memory store and batch overlays)."""
    at = update.at
    series = update.series
    all_buckets = state.buckets
    for resolution in KIND_RESOLUTIONS[update.key[0]]:
        buckets = all_buckets.get(resolution)
        if buckets is None:
            buckets = all_buckets[resolution] = {}
        index = int(at // resolution)
        bucket = buckets.get(index)
        buckets[index] = list(series) if bucket is None else list(map(add, bucket, series))
    for resolution, index in update.expired:
        state.buckets.get(resolution, {}).pop(index, None)
    for name, value in update.totals:
        state.totals[name] = state.totals.get(name, 0.0) + value
    for name, value in update.maxima:
        if value > state.maxima.get(name, float("-inf")):
            state.maxima[name] = value
    for set_name, member in update.members:
        _add_member(state.members.setdefault(set_name, {}), set_name, member, at)


def _add_member(members: dict[str, float], set_name: str, member: str, at: float) -> None:
    if at > members.get(member, float("-inf")):
        members[member] = at
    if len(members) > SET_CAPACITY[set_name]:
        # Ties broken by member name (the kernel breaks them by position).
        del members[min(members, key=lambda m: (members[m], m))]
    horizon = at - STATE_HORIZON_S
    if min(members.values()) < horizon:
        for stale in [m for m, seen in members.items() if seen < horizon]:
            del members[stale]
