"""Entity state in Redis, shared by any number of scoring workers.

Layout per entity (``<prefix><kind>:<id>``):

* a hash: bucket series ``b:<resolution>:<index>:<series>`` and totals ``t:<name>``
  (HINCRBYFLOAT), expired buckets removed with HDEL;
* a sorted set ``…:max``: maxima as member -> score (ZADD GT keeps the largest);
* a sorted set per member set ``…:set:<name>``: member -> last-seen time (ZADD GT), trimmed
  to its capacity by rank and to the state horizon by score.

Every operation commutes, so workers need no locks or transactions. Each key's TTL is
renewed to the state horizon on every write, so idle entities disappear by themselves.

A transaction or a batch costs two commands: one Lua script reads every key it needs, one
applies every update, its operations packed into one JSON argument. Issued one by one
from Python, the same work was about a hundred commands per transaction, and building and
parsing them — not Redis — was the cost. Numbers travel as strings (``repr``) because Lua
would print them with 14 significant digits. The scripts name their keys in arguments, so
this layout suits one Redis server (or a cluster only with all keys in one hash slot).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from redis.asyncio import Redis

from paytrust.risk.engine.state import (
    KIND_RESOLUTIONS,
    KIND_SETS,
    SERIES_WIDTH,
    SET_CAPACITY,
    STATE_HORIZON_S,
    EntityKey,
    EntityState,
    EntityUpdate,
    StateSnapshot,
    StateUpdate,
)

# ARGV: entity count, then per entity its key and its set names (count first).
# Reply per entity: {hash fields and values, maxima with scores, {each set with scores}}.
_READ = """
local replies = {}
local at = 2
for e = 1, tonumber(ARGV[1]) do
  local base = ARGV[at]
  local set_count = tonumber(ARGV[at + 1])
  local sets = {}
  for s = 1, set_count do
    sets[s] = redis.call('ZRANGE', base .. ':set:' .. ARGV[at + 1 + s], 0, -1, 'WITHSCORES')
  end
  replies[e] = {redis.call('HGETALL', base),
                redis.call('ZRANGE', base .. ':max', 0, -1, 'WITHSCORES'), sets}
  at = at + 2 + set_count
end
return replies
"""

# ARGV[1]: JSON list of [key, [field, increment, ...], [expired field, ...],
# [score, member, ...] of maxima, [[set name, member, capacity], ...], time, horizon];
# ARGV[2]: the TTL in seconds.
_APPLY = """
local ttl = ARGV[2]
for _, op in ipairs(cjson.decode(ARGV[1])) do
  local base, increments, expired, maxima, members = op[1], op[2], op[3], op[4], op[5]
  for i = 1, #increments, 2 do
    redis.call('HINCRBYFLOAT', base, increments[i], increments[i + 1])
  end
  if #expired > 0 then redis.call('HDEL', base, unpack(expired)) end
  if #maxima > 0 then redis.call('ZADD', base .. ':max', 'GT', unpack(maxima)) end
  redis.call('EXPIRE', base, ttl)
  redis.call('EXPIRE', base .. ':max', ttl)
  for _, m in ipairs(members) do
    local key = base .. ':set:' .. m[1]
    redis.call('ZADD', key, 'GT', op[6], m[2])
    redis.call('ZREMRANGEBYRANK', key, 0, -(m[3] + 1))
    redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. op[7])
    redis.call('EXPIRE', key, ttl)
  end
end
return 0
"""


class RedisStateStore:
    def __init__(self, client: Redis, prefix: str = "paytrust:risk:") -> None:
        """``client`` must be created with ``decode_responses=True``."""
        self._redis = client
        self._prefix = prefix
        self._read = client.register_script(_READ)
        self._apply = client.register_script(_APPLY)

    @classmethod
    def from_url(cls, url: str, prefix: str = "paytrust:risk:") -> RedisStateStore:
        return cls(Redis.from_url(url, decode_responses=True), prefix)

    @property
    def client(self) -> Redis:
        return self._redis

    def _key(self, key: EntityKey) -> str:
        kind, entity_id = key
        return f"{self._prefix}{kind.value}:{entity_id}"

    async def read(self, keys: Iterable[EntityKey]) -> StateSnapshot:
        wanted = list(dict.fromkeys(keys))
        arguments: list[str | int] = [len(wanted)]
        for key in wanted:
            set_names = KIND_SETS[key[0]]
            arguments += [self._key(key), len(set_names), *set_names]
        replies = await self._read(args=arguments)
        snapshot: dict[EntityKey, EntityState] = {}
        for key, (fields, maxima, sets) in zip(wanted, replies, strict=True):
            if fields or maxima or any(sets):
                snapshot[key] = _parse_state(fields, maxima,
                                             dict(zip(KIND_SETS[key[0]], sets, strict=True)))
        return snapshot

    async def apply(self, update: StateUpdate) -> None:
        if update:
            operations = [self._operation(entity_update) for entity_update in update]
            await self._apply(args=[orjson.dumps(operations), STATE_HORIZON_S])

    def _operation(self, update: EntityUpdate) -> list[Any]:
        at = update.at
        increments: list[str] = []
        for resolution in KIND_RESOLUTIONS[update.key[0]]:
            index = int(at // resolution)
            for position, value in enumerate(update.series):
                if value:
                    increments += (f"b:{resolution}:{index}:{position}", repr(value))
        for name, value in update.totals:
            increments += (f"t:{name}", repr(value))
        expired = [f"b:{resolution}:{index}:{position}" for resolution, index in update.expired
                   for position in range(SERIES_WIDTH)]
        maxima = [item for name, value in update.maxima for item in (repr(value), name)]
        members = [(set_name, member, SET_CAPACITY[set_name])
                   for set_name, member in update.members]
        return [self._key(update.key), increments, expired, maxima, members, repr(at),
                repr(at - STATE_HORIZON_S)]

    async def close(self) -> None:
        await self._redis.aclose()


def _pairs(flat: list[str]) -> list[tuple[str, str]]:
    """``[a, 1, b, 2]`` (a Lua reply of HGETALL or WITHSCORES) as ``[(a, 1), (b, 2)]``."""
    return list(zip(flat[::2], flat[1::2], strict=True))


def _parse_state(fields: list[str], maxima: list[str], sets: dict[str, list[str]]) -> EntityState:
    state = EntityState()
    for name, raw in _pairs(fields):
        value = float(raw)
        if name.startswith("t:"):
            state.totals[name[2:]] = value
            continue
        _, resolution, index, position = name.split(":")
        buckets = state.buckets.setdefault(int(resolution), {})
        bucket = buckets.get(int(index))
        if bucket is None:
            bucket = buckets[int(index)] = [0.0] * SERIES_WIDTH
        bucket[int(position)] = value
    state.maxima = {member: float(score) for member, score in _pairs(maxima)}
    state.members = {
        name: {member: float(score) for member, score in _pairs(members)}
        for name, members in sets.items() if members
    }
    return state
