"""Columnar entity state for the compiled features: one table per kind of entity.

An entity's row ("slot") is found through a dict from its id; rows of entities idle past the
state horizon are freed by ``evict_idle`` and reused. Memory is a fixed amount per entity, set
by the rings and sets of its kind (``memory_per_entity``): about 6 KB for a customer, 1.3-4.2 KB
for the other kinds.

Tables double when full, in place. Each array lives in an anonymous memory map, which the
operating system enlarges by remapping its pages (``mremap``): no row is copied, and the new
rows are address space until they are written. Copying them instead stalled scoring for the
whole copy, 917 ms to grow past 262,144 IPs (350 MB) on a 2-core machine, and longer for a
million customers. Python refuses to resize a map while an array outside the table still views it;
that array's rows are then copied to a new map, and where a platform cannot remap, all are.

``FeatureTables.compute`` is the hot path: it resolves each transaction's entities to
slots, packs the numbers the kernel needs, and lets one compiled call compute every
transaction's state features and apply its updates, in order.

A shared store (Redis) keeps each entity's row as one *record*: what the row holds beyond an
empty one (``records.py``; ``KindTable.record``). Its scorers load the records a batch needs
into scratch tables (``KindTable.load``) and score on them with the same compiled call.
Member hashes must then mean the same in every process, and survive a trip through a
double: ``member_hash`` (53 bits of BLAKE2b) instead of ``hash``.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from hashlib import blake2b
from math import nan
from typing import Any

import numpy as np

from paytrust.risk.engine.config import EngineConfig
from paytrust.risk.engine.features import kernel, records
from paytrust.risk.engine.features.compute import Features, transaction_features
from paytrust.risk.engine.features.geo import stored_point
from paytrust.risk.engine.features.vocabulary import SPECS, FieldType
from paytrust.risk.engine.features.windows import WINDOWS
from paytrust.risk.engine.state import (
    KIND_RESOLUTIONS,
    KIND_SETS,
    RESOLUTIONS,
    SERIES_WIDTH,
    SET_CAPACITY,
    STATE_HORIZON_S,
    EntityKind,
)
from paytrust.risk.engine.transaction import Transaction, TransactionType

_INITIAL_CAPACITY = 256
_LAST_AT = kernel.SCALARS.index("last_at")
# Slots one slice of eviction sweeps (``FeatureTables.evict_idle_in_slices``). Freeing costs
# about 0.7 µs an idle entity (its row emptied, its id forgotten): a slice of idle IPs holds
# the caller about 3 ms, against 75 ms to sweep a million IPs, a tenth idle, at once.
EVICTION_SLICE_ROWS = 4_096
_NULLABLE = tuple(i for i, name in enumerate(kernel.FEATURES) if SPECS[name].nullable)
_BOOLEAN = tuple(i for i, name in enumerate(kernel.FEATURES)
                 if SPECS[name].type is FieldType.BOOL)


def _check_kernel_layout() -> None:
    """The kernel's literal constants must describe the reference's state (see kernel.py)."""
    kinds = [EntityKind(name) for name in kernel.KINDS]
    problems = []
    for kind, rings, sets in zip(kinds, kernel.RINGS, kernel.SETS, strict=True):
        if tuple(r for r, _ in rings) != KIND_RESOLUTIONS[kind] or any(
            RESOLUTIONS[r] != kept for r, kept in rings
        ):
            problems.append(f"rings of {kind}")
        keyed_sets = tuple(name for name in KIND_SETS[kind] if name != "geo")  # geo: scalars
        if tuple(name for name, _ in sets) != keyed_sets or any(
            SET_CAPACITY[name] != capacity for name, capacity in sets
        ):
            problems.append(f"sets of {kind}")
    windows = {"1m": kernel.C_1M, "1h": kernel.C_1H, "24h": kernel.C_24H, "7d": kernel.C_7D,
               "30d": kernel.C_30D}
    if any((int(w[2]), w[3]) != WINDOWS[name] for name, w in windows.items()):
        problems.append("windows")
    if len(kernel.SERIES) != SERIES_WIDTH or kernel.STATE_HORIZON_S != STATE_HORIZON_S:
        problems.append("series or horizon")
    if problems:
        raise RuntimeError(f"features/kernel.py disagrees with state.py: {problems}")


_check_kernel_layout()


@lru_cache(maxsize=1 << 16)
def member_hash(member: str | None) -> int:
    """A member's hash that every process agrees on and a double holds exactly (53 bits)."""
    if member is None:
        return 0
    digest = blake2b(member.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 11


class KindTable:
    """The rows of one kind of entity."""

    def __init__(self, kind: int, capacity: int = _INITIAL_CAPACITY) -> None:
        self.kind = kind  # its index in ``kernel.KINDS``
        self._bucket_count = sum(kept for _, kept in kernel.RINGS[kind])
        self._bucket_width = 1 + len(kernel.KIND_SERIES[kind])  # the index, then the series
        self._member_columns = sum(capacity for _, capacity in kernel.SETS[kind])
        self._set_count = len(kernel.SETS[kind])
        scalar_count = kernel.KIND_SCALARS[kind]
        self.slots: dict[str, int] = {}
        self._ids: list[str | None] = []  # slot -> its entity's id; None while the slot is free
        self._free: list[int] = []  # emptied when freed
        self._used = 0  # slots ever handed out; those past it are not initialised
        self._fresh: list[int] = []  # handed out, to be emptied before the rows are read
        self._shapes = ((self._bucket_count, self._bucket_width), (scalar_count,),
                        (self._member_columns,), (self._member_columns,), (self._set_count,))
        self._dtypes = (np.float64, np.float64, np.int64, np.float64, np.int64)
        self._empty_bits = records.row_bits(self._never_seen(), 0)  # computed once
        self._maps = [_anonymous_map(capacity * self._row_bytes(position))
                      for position in range(len(self._shapes))]
        self._arrays: kernel.TableArrays = self._views(capacity)

    def __len__(self) -> int:
        return len(self.slots)

    @property
    def arrays(self) -> kernel.TableArrays:
        """The rows, every slot handed out emptied: new slots are emptied together, in one
        compiled call on the first read after them. Scoring reads ``rows_and_fresh``
        instead, and empties them in the call that scores the batch."""
        fresh = self._fresh
        if fresh:
            kernel.empty_rows(self._arrays, np.array(fresh, dtype=np.int64))
            fresh.clear()
        return self._arrays

    def rows_and_fresh(self) -> tuple[kernel.TableArrays, list[int]]:
        """The rows without emptying the slots handed out since they were last read, and
        those slots, which the caller now empties (``kernel.score_rows`` does)."""
        fresh, self._fresh = self._fresh, []
        return self._arrays, fresh

    def fresh_slots_not_emptied(self, slots: list[int]) -> None:
        """Slots from ``rows_and_fresh`` its caller did not empty after all."""
        self._fresh.extend(slots)

    @property
    def capacity(self) -> int:
        return len(self._arrays[0])

    def memory_per_entity(self) -> int:
        return sum(array[0].nbytes for array in self.arrays)

    def find(self, entity_id: str) -> int:
        """The entity's slot, or -1 when it has never been seen (or was evicted)."""
        return self.slots.get(entity_id, -1)

    def slot(self, entity_id: str) -> int:
        """The entity's slot, a fresh empty one if it is new."""
        slot = self.slots.get(entity_id)
        if slot is None:
            slot = self.slots[entity_id] = self._take_slot()
            self._ids[slot] = entity_id
        return slot

    @property
    def slots_handed_out(self) -> int:
        """Slots ever handed out: every entity's slot is below it."""
        return self._used

    def record(self, slot: int) -> bytes:
        """The row at ``slot`` as a shared store keeps it (``records.py``)."""
        return self.records([slot])[0]

    def records(self, slots: Sequence[int]) -> list[bytes]:
        """``record`` of each slot, encoded together."""
        return records.encode(self.arrays, slots, self._empty_bits)

    def load(self, entity_ids: Sequence[str], stored: Sequence[bytes | None]) -> None:
        """Make these entities the table's only rows, each from its record (``None`` for
        one never seen); slots handed out later start empty, as always. A record that is not
        one of this kind's raises ``records.MalformedRecord`` (its index) and loads nothing."""
        count = len(entity_ids)
        while self.capacity < count:
            self._grow()
        records.decode(self._arrays, stored, self._empty_bits)
        self.slots = dict(zip(entity_ids, range(count), strict=True))
        self._ids = list(entity_ids)
        self._free = []
        self._fresh = []
        self._used = count

    def evict_idle(self, horizon: float, start: int = 0, stop: int | None = None) -> int:
        """Free the slots of entities last seen at or before ``horizon``, among the slots
        from ``start`` to ``stop`` (every slot by default): a range costs its own length, so
        a large table can be swept a slice at a time between scorings."""
        stop = self._used if stop is None else min(stop, self._used)
        if start >= stop:
            return 0
        last_seen = self.arrays[1][start:stop, _LAST_AT]
        ids = self._ids
        # A free slot's emptied row reads as never seen, as idle as can be: only slots that
        # hold an entity are freed (freeing one twice would hand it to two entities).
        held = [(slot, entity_id)
                for slot in (np.flatnonzero(last_seen <= horizon) + start).tolist()
                if (entity_id := ids[slot]) is not None]
        for slot, entity_id in held:
            del self.slots[entity_id]
            ids[slot] = None
        freed = [slot for slot, _ in held]
        if freed:
            kernel.empty_rows(self._arrays, np.array(freed, dtype=np.int64))
            self._free.extend(freed)
        return len(freed)

    def _take_slot(self) -> int:
        if self._free:
            return self._free.pop()
        if self._used == self.capacity:
            self._grow()
        slot = self._used
        self._used += 1
        self._ids.append(None)
        self._fresh.append(slot)
        return slot

    def _never_seen(self) -> kernel.TableArrays:
        """One row holding the state of an entity never seen, as the kernel empties one."""
        buckets, scalars, hashes, times, counts = (
            np.zeros((1, *shape), dtype) for shape, dtype in zip(self._shapes, self._dtypes,
                                                                  strict=True))
        row = (buckets, scalars, hashes, times, counts)
        kernel.empty_rows(row, np.zeros(1, dtype=np.int64))
        return row

    def _row_bytes(self, position: int) -> int:
        return int(np.prod(self._shapes[position])) * np.dtype(self._dtypes[position]).itemsize

    def _view(self, position: int, capacity: int) -> np.ndarray[Any, Any]:
        """Array ``position`` over its map: rows not yet handed out are whatever the map
        holds (zero pages); each is emptied when handed out."""
        return np.frombuffer(self._maps[position], self._dtypes[position],
                             capacity * int(np.prod(self._shapes[position]))
                             ).reshape(capacity, *self._shapes[position])

    def _views(self, capacity: int) -> kernel.TableArrays:
        buckets, scalars, hashes, times, counts = (self._view(position, capacity)
                                                   for position in range(len(self._maps)))
        return buckets, scalars, hashes, times, counts

    def _grow(self) -> None:
        before, capacity = self.capacity, 2 * self.capacity
        del self._arrays  # the table's own views would pin the maps
        try:
            for position in range(len(self._maps)):
                self._enlarge(position, before, capacity)
        except BaseException:  # every map still holds the rows it held
            self._arrays = self._views(before)
            raise
        self._arrays = self._views(capacity)

    def _enlarge(self, position: int, before: int, capacity: int) -> None:
        size = capacity * self._row_bytes(position)
        try:
            self._maps[position].resize(size)
        except (BufferError, OSError, SystemError):  # viewed elsewhere, or no mremap here
            rows = self._view(position, before)[:self._used]
            self._maps[position] = _anonymous_map(size)
            self._view(position, capacity)[:self._used] = rows



def _anonymous_map(size: int) -> mmap.mmap:
    """Private, zero-filled memory of ``size`` bytes, paged in as it is written."""
    return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)


def record_layout() -> str:
    """A name for the layout of every kind's record (sizes and order of its arrays, the empty
    row records are told from, their format), so a shared store keeps records of different
    layouts under different keys: state written by another version of the kernel is never
    read as this one's."""
    description = repr([(kernel.RINGS, kernel.SETS, kernel.KIND_SERIES, kernel.KIND_SCALARS,
                         kernel.SCALARS, kernel.SERIES, kernel.SCALAR_DEFAULTS,
                         records.RECORD_FORMAT)]).encode()
    return blake2b(description, digest_size=4).hexdigest()


class FeatureTables:
    """Every kind's table: the in-memory entity state of the compiled features.

    ``hash_member`` names the members of sets: Python's ``hash`` (the fastest; it differs
    between processes) in one process's own tables, ``member_hash`` in a shared store's."""

    def __init__(self, hash_member: Callable[[str | None], int] = hash) -> None:
        (self.customer, self.account, self.device, self.ip, self.payee,
         self.merchant) = self.tables = tuple(KindTable(kind) for kind in range(len(kernel.KINDS)))
        self.hash_member = hash_member
        self._params: tuple[EngineConfig | None, kernel.FloatArray] = (None, np.empty(0))

    def __len__(self) -> int:
        return sum(len(table) for table in self.tables)

    def evict_idle(self, now: float) -> int:
        """Forget entities idle past the state horizon; returns how many."""
        return sum(self.evict_idle_in_slices(now, rows=None))

    def evict_idle_in_slices(self, now: float, rows: int | None = EVICTION_SLICE_ROWS
                             ) -> Iterator[int]:
        """``evict_idle`` a slice of ``rows`` slots of one table at a time (all at once for
        ``None``), yielding how many each slice forgot. The caller may score between slices:
        each slice reads the tables afresh, and entities seen meanwhile are not idle."""
        horizon = now - STATE_HORIZON_S
        for table in self.tables:
            start = 0
            while start < table.slots_handed_out:
                stop = None if rows is None else start + rows
                yield table.evict_idle(horizon, start, stop)
                start = table.slots_handed_out if stop is None else stop

    def features(self, txns: Sequence[Transaction], config: EngineConfig) -> list[Features]:
        """``compute_features`` of each transaction in order, its updates applied: the same
        names and values (null as ``None``, booleans as ``bool``)."""
        return feature_dicts(txns, self.compute(txns, config), config)

    def compute(self, txns: Sequence[Transaction], config: EngineConfig) -> kernel.FloatArray:
        """The state features of ``txns`` (a row each, columns ``kernel.FEATURES``), each
        transaction seeing the ones before it; their updates are applied."""
        values = np.array([kernel_values(txn, config) for txn in txns], dtype=np.float64)
        refs = np.array([self._refs(txn) for txn in txns], dtype=np.int64)
        out = np.empty((len(txns), len(kernel.FEATURES)))
        arrays, fresh = zip(*(table.rows_and_fresh() for table in self.tables), strict=True)
        fresh_rows = np.array([(kind, slot) for kind, slots in enumerate(fresh) for slot in slots],
                              dtype=np.int64).reshape(-1, 2)
        try:
            customer, account, device, ip, payee, merchant = arrays
            kernel.score_rows(values, refs, self._params_of(config), fresh_rows, customer,
                              account, device, ip, payee, merchant, out)
        except BaseException:  # not called: the new slots are still to be emptied
            for table, slots in zip(self.tables, fresh, strict=True):
                table.fresh_slots_not_emptied(slots)
            raise
        return out

    def _params_of(self, config: EngineConfig) -> kernel.FloatArray:
        if self._params[0] is not config:
            self._params = (config, _params(config))
        return self._params[1]

    def _refs(self, txn: Transaction) -> tuple[int, ...]:
        """Slots first (allocating the entities the transaction updates; the inbound view of
        the paying account is only read), then the hashes of the members it adds."""
        device_id, payee_id, merchant_id = txn.device_id, txn.payee_id, txn.merchant_id
        counterparty = payee_id or merchant_id
        hashed = self.hash_member
        return (
            self.customer.slot(txn.customer_id),
            self.account.slot(txn.account_id),
            self.payee.find(txn.account_id),
            self.device.slot(device_id) if device_id else -1,
            self.ip.slot(txn.ip) if txn.ip else -1,
            self.payee.slot(payee_id) if payee_id and payee_id != txn.account_id else -1,
            self.merchant.slot(merchant_id) if merchant_id else -1,
            hashed(device_id), hashed(counterparty), hashed(txn.country),
            hashed(txn.customer_id), hashed(txn.account_id), 1 if counterparty else 0,
            1 if txn.country else 0,
        )


def feature_dicts(txns: Sequence[Transaction], state: kernel.FloatArray,
                  config: EngineConfig) -> list[Features]:
    """Each transaction's features: its own and its row of ``state`` (from ``compute``)."""
    return [{**transaction_features(txn, config), **dict(zip(kernel.FEATURES, row, strict=True))}
            for txn, row in zip(txns, state_rows(state), strict=True)]


def state_rows(state: kernel.FloatArray) -> list[list[object]]:
    """The rows of ``state`` as feature values: null as ``None``, booleans as ``bool``."""
    rows: list[list[object]] = state.tolist()
    for row in rows:
        for column in _NULLABLE:
            if row[column] != row[column]:  # NaN
                row[column] = None
        for column in _BOOLEAN:
            row[column] = row[column] == 1.0
    return rows


def kernel_values(txn: Transaction, config: EngineConfig) -> tuple[float, ...]:
    """The transaction's numbers the kernel reads (``kernel.VALUE_COLUMNS``)."""
    latitude, longitude = txn.latitude, txn.longitude
    if latitude is None or longitude is None:
        latitude = longitude = stored_latitude = stored_longitude = nan
    else:  # the point is remembered as the reference stores it (``encode_point``)
        stored_latitude, stored_longitude = stored_point(latitude), stored_point(longitude)
    changed, swapped = txn.credential_changed_at, txn.sim_swapped_at
    return (
        txn.occurred_at.timestamp(), txn.amount_minor * config.fen_per_minor_unit[txn.currency],
        latitude, longitude, stored_latitude, stored_longitude,
        changed.timestamp() if changed is not None else nan,
        swapped.timestamp() if swapped is not None else nan,
        1.0 if txn.type is TransactionType.REFUND else 0.0,
    )


def _params(config: EngineConfig) -> kernel.FloatArray:
    threshold = config.reporting_threshold_cny
    return np.array([config.small_amount_cny, threshold * (1.0 - config.near_threshold_band),
                     threshold, float(config.min_history_for_zscore),
                     config.min_geo_interval_s])
