"""Entity state in Redis, shared by any number of scoring processes.

Each entity is one string key, ``<prefix><layout>v:<kind>:<id>``, holding a *version* (8
random bytes, new with every write) and then its *record*: what its row of the compiled
features' table (ring buckets, scalars, member hashes and times, member counts) holds beyond
an empty row (``KindTable.record``, ``records.py``). ``<layout>`` names the records' layout
(``record_layout``): a kernel with another layout reads and writes other keys, and the old
records expire. A batch costs two round trips, one command each:

1. ``MGET`` every record the batch reads; they are loaded into scratch tables
   (``KindTable.load``), on which the engine scores with the same compiled kernel as in
   memory. The kernel computes the features *and* applies the updates: there is one
   implementation of both.
2. One script writes the changed records under a new version, their TTLs set to the state
   horizon (idle entities vanish), only if every one of them is still at the version the
   batch read; otherwise it writes nothing. The records are then read again, the batch's
   updates applied to them again (an entity's update depends only on the transaction and
   that entity), and the write retried.

So every update is applied exactly once to the state it lands on, and scorers sharing a
Redis lose nothing to each other without holding locks; what a transaction *saw* may
predate a concurrent transaction of another scorer, as with any two simultaneous payments.
A batch that cannot write in ``MAX_ATTEMPTS`` rounds fails whole (``StateConflict``).
The check is the script's, not ``WATCH``'s: Redis (7.0) compares each watched key with every
key the connection already watches, so ``WATCH`` costs grow with the square of a batch's keys
(82 ms of Redis CPU for a batch of 800 payments, ~3,000 keys), where the script's grow with
their number. Records are whole rows, less their empty parts (about 2 KB a payment each way,
against 20 KB as plain doubles); a Lua script that merged updates into them cost ~60 us of
Redis CPU per transaction. A record this version cannot read is logged and read as an entity
never seen: the batch's write replaces it, where failing would fail every payment of that
entity until the record expired.

Member hashes are ``member_hash`` (53 bits, the same in every process). A transaction
spans keys, so on a Redis Cluster they must share a hash slot (a ``{tag}`` in the prefix).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar, cast

from redis.asyncio import Connection, Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from paytrust.risk.adapters.state_store import StateStoreUnavailable
from paytrust.risk.engine.config import EngineConfig
from paytrust.risk.engine.features import kernel, state_keys
from paytrust.risk.engine.features.records import MalformedRecord
from paytrust.risk.engine.features.tables import FeatureTables, member_hash, record_layout
from paytrust.risk.engine.state import STATE_HORIZON_S, EntityKey, EntityKind
from paytrust.risk.engine.transaction import Transaction

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_KIND_INDEX = {EntityKind(name): index for index, name in enumerate(kernel.KINDS)}
MAX_ATTEMPTS = 64  # optimistic write rounds before a batch gives up
VERSION_BYTES = 8  # a value's first bytes; the script reads them with GETRANGE 0 7
_NO_VERSION = b""  # what GETRANGE answers for a key Redis does not have
_TTL = str(STATE_HORIZON_S).encode()
# KEYS: the records the batch writes. ARGV: the TTL, the version each was read at, then the
# new values. Answers 0 once written, or the position of the first record no longer at its
# version (nothing written). A key holding another type (MGET reads it as nil) is at the
# empty version, and SET replaces it. EVAL, not EVALSHA: Redis caches the compiled script
# by its hash, and a flushed script cache cannot fail a batch.
_WRITE_IF_CURRENT = b"""
local count = #KEYS
for i = 1, count do
  local version = redis.pcall('GETRANGE', KEYS[i], 0, 7)
  if type(version) ~= 'string' then version = '' end
  if version ~= ARGV[1 + i] then return i end
end
for i = 1, count do
  redis.call('SET', KEYS[i], ARGV[1 + count + i], 'EX', ARGV[1])
end
return 0
"""


class StateConflict(StateStoreUnavailable):
    """Records that other scorers kept changing faster than this batch could write them."""


class RedisStateStore:
    def __init__(self, client: Redis, prefix: str = "paytrust:risk:") -> None:
        """``client`` must answer bytes (``decode_responses=False``, the default)."""
        self._redis = client
        self._prefix = prefix
        layout = record_layout()
        self._kind_prefixes = {kind: f"{prefix}{layout}v:{kind.value}:".encode()
                               for kind in EntityKind}
        self._scratch: list[FeatureTables] = []  # free scratch tables, one per batch in flight
        self.conflicts = 0  # writes refused because another scorer wrote a record first

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
        """The Redis key of an entity's record."""
        return self._name(key).decode()

    def _name(self, key: EntityKey) -> bytes:
        return self._kind_prefixes[key[0]] + key[1].encode()

    async def score_with(
        self, txns: Sequence[Transaction], config: EngineConfig,
        score: Callable[[FeatureTables], _T],
    ) -> _T:
        """Load the state of every entity ``txns`` read into scratch tables, ``score`` on
        them (which applies the batch's updates to them), then store the records it changed;
        returns what ``score`` returned. If ``score`` raises, Redis is left unchanged; if
        Redis fails, ``StateStoreUnavailable`` says so."""
        tables = self._scratch.pop() if self._scratch else FeatureTables(member_hash)
        try:
            return await self._score_with(txns, config, score, tables)
        except (RedisConnectionError, RedisTimeoutError) as error:
            raise StateStoreUnavailable(f"Redis cannot be reached: {error}") from error
        finally:
            self._scratch.append(tables)

    async def _score_with(
        self, txns: Sequence[Transaction], config: EngineConfig,
        score: Callable[[FeatureTables], _T], tables: FeatureTables,
    ) -> _T:
        written, read_only = _keys_of(txns)
        names = {key: self._name(key) for key in (*written, *read_only)}
        connection: Connection = await (
            self._redis.connection_pool.get_connection())  # type: ignore[no-untyped-call]
        try:
            versions = await self._read(connection, tables, written, read_only, names)
            outcome = score(tables)
            for attempt in range(MAX_ATTEMPTS):
                if attempt:  # apply the batch again, to the records as they are now
                    versions = await self._read(connection, tables, written, read_only, names)
                    tables.compute(txns, config)
                if await self._store_if_current(connection, tables, written, names, versions):
                    return outcome
                self.conflicts += 1
            raise StateConflict(f"records of this batch kept changing in {MAX_ATTEMPTS} "
                                "attempts to write them; nothing was written")
        except BaseException:
            await connection.disconnect()  # it may hold unread replies
            raise
        finally:
            await self._redis.connection_pool.release(connection)

    async def tables(self, keys: Iterable[EntityKey]) -> FeatureTables:
        """Fresh tables holding the entities of ``keys`` that Redis has (for inspection)."""
        wanted = list(keys)
        tables = FeatureTables(member_hash)
        values = cast("list[bytes | None]", await self._redis.mget(
            [self._name(key) for key in wanted]) if wanted else [])
        _load(tables, [], [(key, _record(value)) for key, value in zip(wanted, values, strict=True)
                           if value is not None])
        return tables

    @staticmethod
    async def _read(connection: Connection, tables: FeatureTables, written: list[EntityKey],
                    read_only: list[EntityKey], names: dict[EntityKey, bytes]) -> list[bytes]:
        """Load every record the batch reads, in one round trip; returns the versions of
        those it writes. Each written key gets a row (empty if Redis has none); a read-only
        key only if Redis has it (the kernel tells an absent entity by its slot)."""
        await connection.send_packed_command(_wire([
            (b"MGET", *(names[key] for key in written), *(names[key] for key in read_only))]))
        values = cast("list[bytes | None]", await connection.read_response())
        of_written, of_read_only = values[:len(written)], values[len(written):]
        _load(tables,
              [(key, None if value is None else _record(value))
               for key, value in zip(written, of_written, strict=True)],
              [(key, _record(value)) for key, value in zip(read_only, of_read_only, strict=True)
               if value is not None])
        return [_NO_VERSION if value is None else value[:VERSION_BYTES] for value in of_written]

    @staticmethod
    async def _store_if_current(connection: Connection, tables: FeatureTables,
                                written: list[EntityKey], names: dict[EntityKey, bytes],
                                versions: list[bytes]) -> bool:
        """Write the rows of ``written`` under a new version, if each record is still at the
        version in ``versions`` (nothing is written otherwise)."""
        by_kind: list[list[int]] = [[] for _ in tables.tables]
        for position, key in enumerate(written):
            by_kind[_KIND_INDEX[key[0]]].append(position)
        version = os.urandom(VERSION_BYTES)
        order: list[int] = []
        values: list[bytes] = []
        for table, positions in zip(tables.tables, by_kind, strict=True):
            if positions:
                order += positions
                values += [version + record for record in table.records(
                    [table.slots[written[position][1]] for position in positions])]
        await connection.send_packed_command(_wire([(
            b"EVAL", _WRITE_IF_CURRENT, b"%d" % len(order),
            *(names[written[position]] for position in order), _TTL,
            *(versions[position] for position in order), *values)]))
        return bool(await connection.read_response() == 0)

    async def close(self) -> None:
        await self._redis.aclose()


def _keys_of(txns: Sequence[Transaction]) -> tuple[list[EntityKey], list[EntityKey]]:
    """The keys the batch writes, and those it only reads (a paying account's inbound view,
    unless the batch also pays that account), each in first-seen order."""
    written: dict[EntityKey, None] = {}
    inbound: dict[EntityKey, None] = {}
    for txn in txns:
        keys = state_keys(txn)
        inbound[keys[2]] = None  # (payee, the paying account): read, not written
        written.update(dict.fromkeys(keys[:2]))
        written.update(dict.fromkeys(keys[3:]))
    return list(written), [key for key in inbound if key not in written]


def _record(value: bytes) -> bytes:
    """The record in a stored value (after its version)."""
    return value[VERSION_BYTES:]


def _wire(commands: Iterable[Sequence[bytes]]) -> bytes:
    """Commands in Redis's wire format (RESP). redis-py's encoder, which takes any type,
    cost more than all the rest of a write (~10 us a command on records of a few KB). The
    parts are joined with the CRLF that ends each, and the length headers of short arguments
    (keys, most records) are made once: half the cost of formatting each (measured alone,
    about 33 against 64 us for the two round trips of a batch of 80 keys)."""
    parts: list[bytes] = []
    append = parts.append
    for command in commands:
        append(b"*%d" % len(command))
        for argument in command:
            length = len(argument)
            append(_LENGTH_HEADERS[length] if length < _HEADED_LENGTHS else b"$%d" % length)
            append(argument)
    append(b"")
    return b"\r\n".join(parts)


_HEADED_LENGTHS = 1 << 12
_LENGTH_HEADERS = [b"$%d" % length for length in range(_HEADED_LENGTHS)]


def _load(tables: FeatureTables, rows: list[tuple[EntityKey, bytes | None]],
          present: list[tuple[EntityKey, bytes]]) -> None:
    """Make ``tables`` hold exactly these entities: ``rows`` (``None``: never seen) and
    ``present``."""
    ids: list[list[str]] = [[] for _ in tables.tables]
    records: list[list[bytes | None]] = [[] for _ in tables.tables]
    for key, record in [*rows, *present]:
        kind = _KIND_INDEX[key[0]]
        ids[kind].append(key[1])
        records[kind].append(record)
    for table, kind_ids, kind_records in zip(tables.tables, ids, records, strict=True):
        while True:
            try:
                table.load(kind_ids, kind_records)
                break
            except MalformedRecord as error:  # read as never seen; the batch's write mends it
                log.error("the state record of %s %r is not one this version reads; "
                          "scoring the entity as new", kernel.KINDS[table.kind],
                          kind_ids[error.index])
                kind_records[error.index] = None
