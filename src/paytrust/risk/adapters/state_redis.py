"""Entity state in Redis, shared by any number of scoring workers.

Layout per entity (``<prefix><kind>:<id>``):

* a hash: bucket series ``b:<resolution>:<index>:<series>`` and totals ``t:<name>``
  (HINCRBYFLOAT), expired buckets removed with HDEL;
* a sorted set ``…:max``: maxima as member -> score (ZADD GT keeps the largest);
* a sorted set per member set ``…:set:<name>``: member -> last-seen time (ZADD GT), trimmed
  to its capacity by rank and to the state horizon by score.

Every operation commutes, so workers need no locks or transactions. Each key's TTL is
renewed to the state horizon on every write, so idle entities disappear by themselves.
One pipelined round trip reads all keys of a transaction or batch; one applies all updates.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from redis.asyncio import Redis

from paytrust.risk.engine.state import (
    KIND_SETS,
    RESOLUTIONS,
    SERIES_WIDTH,
    SET_CAPACITY,
    STATE_HORIZON_S,
    EntityKey,
    EntityState,
    StateSnapshot,
    StateUpdate,
)


class RedisStateStore:
    def __init__(self, client: Redis, prefix: str = "paytrust:risk:") -> None:
        """``client`` must be created with ``decode_responses=True``."""
        self._redis = client
        self._prefix = prefix

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
        pipe = self._redis.pipeline(transaction=False)
        for key in wanted:
            base = self._key(key)
            pipe.hgetall(base)
            pipe.zrange(f"{base}:max", 0, -1, withscores=True)
            for set_name in KIND_SETS[key[0]]:
                pipe.zrange(f"{base}:set:{set_name}", 0, -1, withscores=True)
        replies = iter(await pipe.execute())
        snapshot: dict[EntityKey, EntityState] = {}
        for key in wanted:
            fields, maxima = next(replies), next(replies)
            sets = {name: next(replies) for name in KIND_SETS[key[0]]}
            if fields or maxima or any(sets.values()):
                snapshot[key] = _parse_state(fields, maxima, sets)
        return snapshot

    async def apply(self, update: StateUpdate) -> None:
        pipe = self._redis.pipeline(transaction=False)
        touched: set[str] = set()
        for entity_update in update:
            base = self._key(entity_update.key)
            at = entity_update.at
            touched.update((base, f"{base}:max"))
            for resolution in RESOLUTIONS:
                index = int(at // resolution)
                for position, value in enumerate(entity_update.series):
                    if value:
                        pipe.hincrbyfloat(base, f"b:{resolution}:{index}:{position}", value)
            if entity_update.expired:
                pipe.hdel(base, *(f"b:{resolution}:{index}:{position}"
                                  for resolution, index in entity_update.expired
                                  for position in range(SERIES_WIDTH)))
            for name, value in entity_update.totals:
                pipe.hincrbyfloat(base, f"t:{name}", value)
            if entity_update.maxima:
                pipe.zadd(f"{base}:max", dict(entity_update.maxima), gt=True)
            for set_name, member in entity_update.members:
                set_key = f"{base}:set:{set_name}"
                touched.add(set_key)
                pipe.zadd(set_key, {member: at}, gt=True)
                pipe.zremrangebyrank(set_key, 0, -(SET_CAPACITY[set_name] + 1))
                pipe.zremrangebyscore(set_key, "-inf", f"({at - STATE_HORIZON_S}")
        for key in touched:
            pipe.expire(key, STATE_HORIZON_S)
        await pipe.execute()

    async def close(self) -> None:
        await self._redis.aclose()


def _parse_state(
    fields: dict[str, str], maxima: list[tuple[str, float]], sets: dict[str, Any]
) -> EntityState:
    state = EntityState()
    for name, raw in fields.items():
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
    state.maxima = {member: float(score) for member, score in maxima}
    state.members = {
        name: {member: float(score) for member, score in members}
        for name, members in sets.items() if members
    }
    return state
