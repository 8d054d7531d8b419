"""Entity state in Redis, shared by any number of scoring processes.

Each entity is one string key, ``<prefix><kind>:<id>``, holding its *record*: its row of the
compiled features' table as doubles (``KindTable.record``: ring buckets, scalars, member
hashes and times, member counts). A batch costs two round trips:

1. ``MGET`` of every record the batch reads, loaded into scratch tables (``KindTable.load``),
   on which the engine scores with the same compiled kernel as in memory;
2. one Lua script applying each transaction's updates, in batch order, to the records it
   touches, the kernel's update half written again in Lua: add to ring buckets, keep the
   maxima, add log-amounts, stamp members. It reads each record once, patches the regions it
   changes, and writes it back with the TTL of the state horizon, so idle entities vanish.

Scripts run atomically, and every update commutes (a ring keeps the newest bucket index and
sums within it; maxima; sums; member sets keep their most recent members), so scorers
sharing a Redis lose nothing to each other and need no locks. The script receives the raw
numbers the kernel derives its updates from (``kernel_values``, the log-amount, the member
hashes), packed as doubles; member hashes are ``member_hash``: 53 bits, the same in every
process, exact in a double. The script names its keys in ``KEYS``, so a Redis Cluster
works if they share a hash slot (a prefix with a ``{tag}``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from math import log1p
from typing import TypeVar, cast

from redis.asyncio import Redis

from paytrust.risk.engine.config import EngineConfig
from paytrust.risk.engine.features import kernel, state_keys
from paytrust.risk.engine.features.tables import FeatureTables, kernel_values, member_hash
from paytrust.risk.engine.state import STATE_HORIZON_S, EntityKey, EntityKind
from paytrust.risk.engine.transaction import Transaction

_T = TypeVar("_T")
_KIND_INDEX = {EntityKind(name): index for index, name in enumerate(kernel.KINDS)}
# One transaction's operation: ``kernel.VALUE_COLUMNS``, the log-amount, the positions in
# KEYS (1-based, 0 for none) of its customer, account, device, ip, payee and merchant, the
# hashes of its device, counterparty, country, customer and account, then two flags.
_OPERATION_WIDTH = len(kernel.VALUE_COLUMNS) + 1 + 6 + 5 + 2
_OPERATION = struct.Struct(f"<{_OPERATION_WIDTH}d")
_PARAMS = struct.Struct("<3d")


def _lua_list(rows: Iterable[object]) -> str:
    return "{" + ", ".join(str(row) for row in rows) + "}"


# Layouts from the kernel's constants: rings {resolution, kept}, scalar count, set capacities.
_LAYOUT = "\n".join([
    "local RINGS = " + _lua_list(
        _lua_list(_lua_list(ring) for ring in rings) for rings in kernel.RINGS),
    "local SCALARS = " + _lua_list(kernel.KIND_SCALARS),
    "local SETS = " + _lua_list(
        _lua_list(capacity for _, capacity in sets) for sets in kernel.SETS),
    "local SCALAR_DEFAULTS = " + _lua_list(
        "-math.huge" if value == float("-inf") else value for value in kernel.SCALAR_DEFAULTS),
    f"local WIDTH, HORIZON = {kernel.BUCKET_WIDTH}, {kernel.STATE_HORIZON_S!r}",
    f"local OPERATION_WIDTH = {_OPERATION_WIDTH}",
])

# ARGV[1] TTL seconds; ARGV[2] small-amount, near-threshold-low and threshold (CNY);
# ARGV[3] the operations (``_OPERATION`` each). Offsets are in doubles from a record's start.
_APPLY = _LAYOUT + """
local ttl = ARGV[1]
local small, near_low, threshold = struct.unpack('<ddd', ARGV[2])
local floor, fmod = math.floor, math.fmod

local FORMATS = {}
local function format(n)
  local f = FORMATS[n]
  if not f then f = '<' .. string.rep('d', n); FORMATS[n] = f end
  return f
end

-- Where each kind's arrays start: buckets, scalars, member hashes, member times, counts.
local LAYOUTS = {}
for kind = 1, #RINGS do
  local buckets, members = 0, 0
  for _, ring in ipairs(RINGS[kind]) do buckets = buckets + ring[2] end
  local set_first = {}
  for s, capacity in ipairs(SETS[kind]) do set_first[s] = members; members = members + capacity end
  local scalars = buckets * WIDTH
  local hashes = scalars + SCALARS[kind]
  LAYOUTS[kind] = {scalars = scalars, hashes = hashes, times = hashes + members,
                   counts = hashes + 2 * members, set_first = set_first, buckets = buckets,
                   members = members}
end

local EMPTY = {}
local function empty_record(kind)
  local layout = LAYOUTS[kind]
  local defaults = {}
  for i = 1, SCALARS[kind] do defaults[i] = SCALAR_DEFAULTS[i] end
  return string.rep(struct.pack(format(WIDTH), -math.huge, 0, 0, 0, 0, 0, 0), layout.buckets)
    .. struct.pack(format(SCALARS[kind]), unpack(defaults))
    .. string.rep(struct.pack('<d', 0), 2 * layout.members + #SETS[kind])
end

-- A record being changed: the stored string and the regions rewritten so far.
local records = {}
local function record(key_position, kind)
  local rec = records[key_position]
  if not rec then
    local stored = redis.call('GET', KEYS[key_position])
    if not stored then
      EMPTY[kind] = EMPTY[kind] or empty_record(kind)
      stored = EMPTY[kind]
    end
    rec = {base = stored, patches = {}, kind = kind}
    records[key_position] = rec
  end
  return rec
end

-- The doubles of the region at ``offset``, as last written; then the position after them.
local function region(rec, offset, count)
  local patch = rec.patches[offset]
  if patch then return {struct.unpack(format(count), patch)} end
  return {struct.unpack(format(count), rec.base, offset * 8 + 1)}
end

local function assembled(rec)
  local offsets = {}
  for offset in pairs(rec.patches) do offsets[#offsets + 1] = offset end
  table.sort(offsets)
  local pieces, from = {}, 1
  for _, offset in ipairs(offsets) do
    local patch = rec.patches[offset]
    pieces[#pieces + 1] = string.sub(rec.base, from, offset * 8)
    pieces[#pieces + 1] = patch
    from = offset * 8 + #patch + 1
  end
  pieces[#pieces + 1] = string.sub(rec.base, from)
  return table.concat(pieces)
end

-- Python's float floor division (numba's too), so every process picks the same bucket.
local function floor_div(x, y)
  local mod = fmod(x, y)
  local div = (x - mod) / y
  if mod ~= 0 and ((y < 0) ~= (mod < 0)) then div = div - 1 end
  local whole = floor(div)
  if div - whole > 0.5 then whole = whole + 1 end
  return whole
end

local function add_to_rings(rec, at, series)
  local offset = 0
  for _, ring in ipairs(RINGS[rec.kind]) do
    local resolution, kept = ring[1], ring[2]
    local index = floor_div(at, resolution)
    local at_bucket = (offset + index % kept) * WIDTH
    local bucket = region(rec, at_bucket, WIDTH)
    if bucket[1] == index then
      for c = 2, WIDTH do bucket[c] = bucket[c] + series[c - 1] end
      rec.patches[at_bucket] = struct.pack(format(WIDTH), unpack(bucket, 1, WIDTH))
    elseif bucket[1] < index then
      rec.patches[at_bucket] = struct.pack(format(WIDTH), index, unpack(series))
    end
    offset = offset + kept
  end
end

local function scalars_of(rec)
  return region(rec, LAYOUTS[rec.kind].scalars, SCALARS[rec.kind])
end

local function put_scalars(rec, values)
  local count = SCALARS[rec.kind]
  rec.patches[LAYOUTS[rec.kind].scalars] = struct.pack(format(count), unpack(values, 1, count))
end

local function seen(values, at)
  values[1] = math.max(values[1], at)
  values[2] = math.max(values[2], -at)
end

-- The kernel's _add_member: stamp, evict the oldest beyond capacity, forget the stale.
local function add_member(rec, which, member, at)
  local layout = LAYOUTS[rec.kind]
  local capacity = SETS[rec.kind][which]
  local first = layout.set_first[which]
  local counts = region(rec, layout.counts, #SETS[rec.kind])
  local used = counts[which]
  local hashes = used > 0 and region(rec, layout.hashes + first, used) or {}
  local times = used > 0 and region(rec, layout.times + first, used) or {}
  local found = nil
  for c = 1, used do
    if hashes[c] == member then found = c; break end
  end
  if found then
    times[found] = math.max(times[found], at)
  elseif used < capacity then
    used = used + 1
    hashes[used], times[used] = member, at
  else
    local oldest = 1
    for c = 2, used do
      if times[c] < times[oldest] then oldest = c end
    end
    if at > times[oldest] then hashes[oldest], times[oldest] = member, at end
  end
  local horizon, kept = at - HORIZON, 0
  for c = 1, used do
    if times[c] >= horizon then
      kept = kept + 1
      hashes[kept], times[kept] = hashes[c], times[c]
    end
  end
  for c = kept + 1, capacity do hashes[c], times[c] = 0, 0 end
  counts[which] = kept
  rec.patches[layout.hashes + first] = struct.pack(format(capacity), unpack(hashes, 1, capacity))
  rec.patches[layout.times + first] = struct.pack(format(capacity), unpack(times, 1, capacity))
  rec.patches[layout.counts] = struct.pack(format(#SETS[rec.kind]),
                                           unpack(counts, 1, #SETS[rec.kind]))
end

local function update_other(rec, at, series)
  add_to_rings(rec, at, series)
  local values = scalars_of(rec)
  seen(values, at)
  put_scalars(rec, values)
end

local OPERATION = format(OPERATION_WIDTH)
local operations = ARGV[3]
local CUSTOMER, ACCOUNT, DEVICE, IP, PAYEE, MERCHANT = 1, 2, 3, 4, 5, 6
for start = 1, #operations, OPERATION_WIDTH * 8 do
  local at, amount_fen, _, _, stored_lat, stored_lon, credential_at, sim_at, is_refund,
        log_amount, k_customer, k_account, k_device, k_ip, k_payee, k_merchant,
        h_device, h_counterparty, h_country, h_customer, h_account,
        has_counterparty, has_country = struct.unpack(OPERATION, operations, start)
  local amount = amount_fen / 100.0
  local series = {1.0, amount_fen, amount <= small and 1.0 or 0.0,
                  (near_low <= amount and amount < threshold) and 1.0 or 0.0,
                  is_refund, amount_fen * is_refund}

  local customer = record(k_customer, CUSTOMER)
  add_to_rings(customer, at, series)
  local values = scalars_of(customer)
  seen(values, at)
  if credential_at == credential_at and credential_at > values[3] then values[3] = credential_at end
  if sim_at == sim_at and sim_at > values[4] then values[4] = sim_at end
  values[5] = values[5] + 1.0
  values[6] = values[6] + log_amount
  values[7] = values[7] + log_amount * log_amount
  if stored_lat == stored_lat and at > values[10] then
    values[8], values[9], values[10] = stored_lat, stored_lon, at
  end
  put_scalars(customer, values)
  if k_device > 0 then add_member(customer, 1, h_device, at) end
  if has_counterparty == 1 then add_member(customer, 2, h_counterparty, at) end
  if has_country == 1 then add_member(customer, 3, h_country, at) end

  local account = record(k_account, ACCOUNT)
  update_other(account, at, series)
  if has_counterparty == 1 then add_member(account, 1, h_counterparty, at) end
  if k_device > 0 then
    local device = record(k_device, DEVICE)
    update_other(device, at, series)
    add_member(device, 1, h_customer, at)
  end
  if k_ip > 0 then
    local ip = record(k_ip, IP)
    update_other(ip, at, series)
    add_member(ip, 1, h_customer, at)
  end
  if k_payee > 0 then
    local payee = record(k_payee, PAYEE)
    update_other(payee, at, series)
    add_member(payee, 1, h_account, at)
  end
  if k_merchant > 0 then
    local merchant = record(k_merchant, MERCHANT)
    update_other(merchant, at, series)
    add_member(merchant, 2, h_customer, at)
    if k_device > 0 then add_member(merchant, 1, h_device, at) end
  end
end

for key_position, rec in pairs(records) do
  redis.call('SET', KEYS[key_position], assembled(rec), 'EX', ttl)
end
return 0
"""


class RedisStateStore:
    def __init__(self, client: Redis, prefix: str = "paytrust:risk:") -> None:
        """``client`` must answer bytes (``decode_responses=False``, the default)."""
        self._redis = client
        self._prefix = prefix
        self._apply = client.register_script(_APPLY)
        self._scratch: list[FeatureTables] = []  # free scratch tables, one per batch in flight

    @classmethod
    def from_url(cls, url: str, prefix: str = "paytrust:risk:") -> RedisStateStore:
        return cls(Redis.from_url(url), prefix)

    @property
    def client(self) -> Redis:
        return self._redis

    @property
    def prefix(self) -> str:
        return self._prefix

    def key(self, key: EntityKey) -> str:
        kind, entity_id = key
        return f"{self._prefix}{kind.value}:{entity_id}"

    async def score_with(
        self, txns: Sequence[Transaction], config: EngineConfig,
        score: Callable[[FeatureTables], _T],
    ) -> _T:
        """Load the state of every entity ``txns`` read into scratch tables, ``score`` on
        them (which updates them as the batch goes), then apply the batch's updates to Redis;
        returns what ``score`` returned. If ``score`` raises, Redis is left unchanged."""
        written, read_only = _keys_of(txns)
        tables = self._scratch.pop() if self._scratch else FeatureTables(member_hash)
        try:
            await self._load(tables, written, read_only)
            outcome = score(tables)
        finally:
            self._scratch.append(tables)
        await self._write(txns, config, written)
        return outcome

    async def tables(self, keys: Iterable[EntityKey]) -> FeatureTables:
        """Fresh tables holding the entities of ``keys`` that Redis has (for inspection)."""
        tables = FeatureTables(member_hash)
        await self._load(tables, {}, dict.fromkeys(keys))
        return tables

    async def _load(self, tables: FeatureTables, written: dict[EntityKey, None],
                    read_only: dict[EntityKey, None]) -> None:
        """Every key in ``written`` gets a row (empty if Redis has none); a key in
        ``read_only`` only if Redis has it (the kernel tells an absent entity by its slot)."""
        keys = [*written, *read_only]
        records = cast(  # the client answers bytes (see ``__init__``)
            "list[bytes | None]",
            await self._redis.mget([self.key(key) for key in keys]) if keys else [])
        ids: list[list[str]] = [[] for _ in tables.tables]
        rows: list[list[bytes | None]] = [[] for _ in tables.tables]
        for position, (key, stored) in enumerate(zip(keys, records, strict=True)):
            if stored is not None or position < len(written):
                kind = _KIND_INDEX[key[0]]
                ids[kind].append(key[1])
                rows[kind].append(stored)
        for table, kind_ids, kind_rows in zip(tables.tables, ids, rows, strict=True):
            table.load(kind_ids, kind_rows)

    async def _write(self, txns: Sequence[Transaction], config: EngineConfig,
                     written: dict[EntityKey, None]) -> None:
        positions = {key: position for position, key in enumerate(written, start=1)}
        operations = b"".join(_operation(txn, config, positions) for txn in txns)
        threshold = config.reporting_threshold_cny
        params = _PARAMS.pack(config.small_amount_cny,
                              threshold * (1.0 - config.near_threshold_band), threshold)
        await self._apply(keys=[self.key(key) for key in written],
                          args=[STATE_HORIZON_S, params, operations])

    async def close(self) -> None:
        await self._redis.aclose()


def _keys_of(txns: Sequence[Transaction]) -> tuple[dict[EntityKey, None], dict[EntityKey, None]]:
    """The keys the batch writes, and those it only reads (a paying account's inbound view,
    unless the batch also pays that account), each in first-seen order."""
    written: dict[EntityKey, None] = {}
    inbound: dict[EntityKey, None] = {}
    for txn in txns:
        keys = state_keys(txn)
        inbound[keys[2]] = None  # (payee, the paying account): read, not written
        written.update(dict.fromkeys(keys[:2]))
        written.update(dict.fromkeys(keys[3:]))
    return written, {key: None for key in inbound if key not in written}


def _operation(txn: Transaction, config: EngineConfig,
               positions: dict[EntityKey, int]) -> bytes:
    values = kernel_values(txn, config)
    device_id, payee_id, merchant_id = txn.device_id, txn.payee_id, txn.merchant_id
    counterparty = payee_id or merchant_id
    position = positions.get
    return _OPERATION.pack(
        *values, log1p(values[1] / 100.0),
        position((EntityKind.CUSTOMER, txn.customer_id), 0),
        position((EntityKind.ACCOUNT, txn.account_id), 0),
        position((EntityKind.DEVICE, device_id), 0) if device_id else 0,
        position((EntityKind.IP, txn.ip), 0) if txn.ip else 0,
        position((EntityKind.PAYEE, payee_id), 0)
        if payee_id and payee_id != txn.account_id else 0,
        position((EntityKind.MERCHANT, merchant_id), 0) if merchant_id else 0,
        member_hash(device_id), member_hash(counterparty), member_hash(txn.country),
        member_hash(txn.customer_id), member_hash(txn.account_id),
        1.0 if counterparty else 0.0, 1.0 if txn.country else 0.0,
    )
