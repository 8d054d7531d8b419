"""An entity's record, as a shared store keeps it: what its row holds beyond an empty one.

A row of the compiled features' tables (``tables.KindTable``) is mostly empty: ring buckets
no transaction reached, member columns not in use. Stored whole, a customer's row is 5.9 KB
and the rows one payment reads and writes about 20 KB each way; on the simulator's traffic a
customer's row holds 84 doubles that differ from an empty row on average, an IP's 9 of 167, a
busy merchant's 274 of 526. A record keeps only those: read as doubles one after the other
(the row's arrays in order, integers as doubles), the positions whose 64 bits differ from
the empty row's, then their values,

    n positions (little-endian uint16, strictly increasing) | n values (little-endian float64)

so a record is ``10 n`` bytes and an entity never seen has the empty record. Bits are compared
and copied as they are, so every double comes back identical (-0.0 and NaN included).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from paytrust.risk.engine.features.kernel import TableArrays

BitsArray = npt.NDArray[np.int64]  # doubles read as their 64 bits
MAX_ROW_DOUBLES = 1 << 16  # a position is a uint16
_POSITION_BYTES, _VALUE_BYTES = 2, 8
_ITEM_BYTES = _POSITION_BYTES + _VALUE_BYTES
RECORD_FORMAT = "sparse: uint16 positions, then float64 values"  # part of the keys' layout


class MalformedRecord(ValueError):
    """A record that no row of this layout encodes to."""

    def __init__(self, index: int) -> None:
        super().__init__(f"record {index} is not a record of this layout")
        self.index = index


def encode(table: TableArrays, slots: Sequence[int], empty: BitsArray) -> list[bytes]:
    """The record of the row at each of ``slots`` of ``table`` (``empty``: ``row_bits`` of an
    entity never seen)."""
    data, ends = _encode(table, np.asarray(slots, dtype=np.int64), empty)
    blob = data.tobytes()
    bounds = ends.tolist()
    return [blob[start:end] for start, end in zip([0, *bounds], bounds, strict=False)]


def decode(table: TableArrays, stored: Sequence[bytes | None], empty: BitsArray) -> None:
    """Make rows ``0 .. len(stored)-1`` of ``table`` the rows of ``stored`` (``None``: an
    entity never seen). Raises ``MalformedRecord`` naming the first that is not a record of
    rows like ``empty``, having changed nothing."""
    present = [record or b"" for record in stored]
    lengths = np.array([len(record) for record in present], dtype=np.int64)
    blob = np.frombuffer(b"".join(present), dtype=np.uint8)
    malformed = _decode(blob, lengths, empty, table)
    if malformed >= 0:
        raise MalformedRecord(int(malformed))


def row_bits(table: TableArrays, slot: int) -> BitsArray:
    """The row at ``slot`` of ``table`` as a record reads it: its arrays as doubles, one after
    the other (member hashes are 53 bits: a double holds them exactly), each as its bits."""
    width = sum(array[slot].size for array in table)
    if width > MAX_ROW_DOUBLES:
        raise ValueError(f"rows of {width} doubles do not fit a record")
    doubles = np.empty(width, dtype=np.float64)
    _gather(table, slot, doubles)
    return doubles.view(np.int64)


@numba.njit(cache=True, nogil=True)
def _gather(table: TableArrays, slot: int, row: npt.NDArray[np.float64]) -> None:
    """The row at ``slot`` as doubles: its arrays one after the other."""
    buckets, scalars, hashes, times, counts = table
    at = _put(row, 0, buckets[slot].reshape(-1))
    at = _put(row, at, scalars[slot])
    at = _put(row, at, hashes[slot])
    at = _put(row, at, times[slot])
    _put(row, at, counts[slot])


@numba.njit(cache=True, nogil=True)
def _scatter(row: npt.NDArray[np.float64], table: TableArrays, slot: int) -> None:
    """``_gather`` undone."""
    buckets, scalars, hashes, times, counts = table
    at = _take(row, 0, buckets[slot].reshape(-1))
    at = _take(row, at, scalars[slot])
    at = _take(row, at, hashes[slot])
    at = _take(row, at, times[slot])
    _take(row, at, counts[slot])


@numba.njit(cache=True, nogil=True, inline="always")
def _put(row: npt.NDArray[np.float64], at: int, values: npt.NDArray[Any]) -> int:
    """Copy ``values`` into ``row`` from ``at`` (integers as doubles); where they end."""
    row[at:at + values.size] = values
    return at + values.size


@numba.njit(cache=True, nogil=True, inline="always")
def _take(row: npt.NDArray[np.float64], at: int, values: npt.NDArray[Any]) -> int:
    """``_put`` undone."""
    values[:] = row[at:at + values.size]
    return at + values.size


@numba.njit(cache=True, nogil=True)
def _encode(table: TableArrays, slots: BitsArray, empty: BitsArray
            ) -> tuple[npt.NDArray[np.uint8], BitsArray]:
    """The records of the rows at ``slots``, one after the other, and where each ends. One
    pass over each row finds the positions that differ; writing them goes over those only
    (a second pass over the whole row cost as much as the rest together)."""
    width = len(empty)
    rows = np.empty((len(slots), width), dtype=np.float64)
    bits = rows.view(np.int64)
    differing = np.empty((len(slots), width), dtype=np.uint16)  # positions are uint16
    ends = np.empty(len(slots), dtype=np.int64)
    end = 0
    for row in range(len(slots)):
        _gather(table, slots[row], rows[row])
        count = 0
        for column in range(width):
            if bits[row, column] != empty[column]:
                differing[row, count] = column
                count += 1
        end += count * _ITEM_BYTES
        ends[row] = end
    data = np.empty(end, dtype=np.uint8)
    start = 0
    for row in range(len(slots)):
        count = (ends[row] - start) // _ITEM_BYTES
        position_at = start
        value_at = start + count * _POSITION_BYTES
        for item in range(count):
            column = differing[row, item]
            data[position_at] = column & 0xFF
            data[position_at + 1] = column >> 8
            position_at += _POSITION_BYTES
            value = bits[row, column]
            for byte in range(_VALUE_BYTES):
                data[value_at + byte] = (value >> (8 * byte)) & 0xFF
            value_at += _VALUE_BYTES
        start = ends[row]
    return data, ends


@numba.njit(cache=True, nogil=True, inline="always")
def _position(data: npt.NDArray[np.uint8], at: int) -> np.int64:
    """The little-endian uint16 at byte ``at``."""
    return np.int64(data[at]) | (np.int64(data[at + 1]) << 8)


@numba.njit(cache=True, nogil=True)
def _malformed(data: npt.NDArray[np.uint8], lengths: BitsArray, width: int) -> int:
    """The index of the first record (``lengths`` of them in ``data``) that is not one of
    rows ``width`` doubles long, or -1."""
    start = 0
    for record in range(len(lengths)):
        if lengths[record] % _ITEM_BYTES:
            return record
        previous = np.int64(-1)
        for item in range(lengths[record] // _ITEM_BYTES):
            column = _position(data, start + _POSITION_BYTES * item)
            if column <= previous or column >= width:  # out of order, repeated or outside
                return record
            previous = column
        start += lengths[record]
    return -1


@numba.njit(cache=True, nogil=True)
def _decode(data: npt.NDArray[np.uint8], lengths: BitsArray, empty: BitsArray,
            table: TableArrays) -> int:
    """Rows ``0 ..`` of ``table`` from the records in ``data``; or, changing nothing, the
    index of the first malformed record (-1 when none is)."""
    width = len(empty)
    malformed = _malformed(data, lengths, width)
    if malformed >= 0:
        return malformed
    row = np.empty(width, dtype=np.float64)
    bits = row.view(np.int64)
    start = 0
    for record in range(len(lengths)):
        bits[:] = empty
        count = lengths[record] // _ITEM_BYTES
        value_at = start + _POSITION_BYTES * count
        for item in range(count):
            column = _position(data, start + _POSITION_BYTES * item)
            value = np.int64(0)
            for byte in range(_VALUE_BYTES):
                value |= np.int64(data[value_at + byte]) << (8 * byte)
            value_at += _VALUE_BYTES
            bits[column] = value
        _scatter(row, table, record)
        start += lengths[record]
    return -1
