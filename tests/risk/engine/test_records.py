"""An entity's record (``records.py``): only what its row holds beyond an empty row, and
every double of the row back exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paytrust.risk.engine.config import DEFAULT_CONFIG
from paytrust.risk.engine.features import kernel, records
from paytrust.risk.engine.features.tables import FeatureTables, KindTable, member_hash
from tests.risk.engine.factories import random_stream

_KIND_INDEXES = range(len(kernel.KINDS))


def _row_bits(table: KindTable, slot: int) -> list[int]:
    return records.row_bits(table.arrays, slot).tolist()


def _fill(table: KindTable, slots: int, seed: int, density: float) -> None:
    """Rows of arbitrary doubles (NaN, infinities and -0.0 among them) in a ``density``
    share of their positions; integer columns get integers a double holds exactly."""
    generator = np.random.default_rng(seed)
    table.load([f"e{i}" for i in range(slots)], [None] * slots)
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 5e-324])
    for array in table.arrays:
        rows = array[:slots]
        chosen = generator.random(rows.shape) < density
        if array.dtype == np.int64:
            values = generator.integers(-(2**53), 2**53, rows.shape)
        else:
            values = generator.integers(0, 2**64, rows.shape, dtype=np.uint64).view(np.float64)
            values = np.where(generator.random(rows.shape) < 0.2,
                              generator.choice(specials, rows.shape), values)
        rows[chosen] = values[chosen]


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(_KIND_INDEXES), seed=st.integers(0, 2**32 - 1),
       density=st.sampled_from([0.0, 0.01, 0.3, 1.0]))
def test_a_row_comes_back_bit_for_bit(kind: int, seed: int, density: float) -> None:
    table = KindTable(kind)
    _fill(table, 5, seed, density)
    stored = table.records(range(5))
    reloaded = KindTable(kind)
    reloaded.load([f"e{i}" for i in range(5)], stored)
    for slot in range(5):
        assert _row_bits(reloaded, slot) == _row_bits(table, slot)


def test_a_record_holds_the_positions_that_differ_from_an_empty_row() -> None:
    table = KindTable(kernel.KINDS.index("ip"))
    table.load(["never-seen", "seen"], [None, None])
    buckets, scalars, _, _, _ = table.arrays
    buckets[1, 0, :] = (12.0, 3.0)  # one bucket: its index and count
    scalars[1, 0] = 120.0  # last seen
    never_seen, seen = table.records([0, 1])
    assert never_seen == b""
    assert len(seen) == 3 * 10  # three doubles: a uint16 position and a float64 each
    positions = np.frombuffer(seen[:6], "<u2").tolist()
    values = np.frombuffer(seen[6:], "<f8").tolist()
    bucket_doubles = buckets.shape[1] * buckets.shape[2]
    assert positions == [0, 1, bucket_doubles]
    assert values == [12.0, 3.0, 120.0]


def test_records_of_real_state_are_a_fraction_of_the_rows() -> None:
    tables = FeatureTables(member_hash)
    tables.compute(random_stream(11, 600, customers=20), DEFAULT_CONFIG)
    for table in tables.tables:
        row_bytes = 8 * len(records.row_bits(table.arrays, 0))
        sizes = [len(record) for record in table.records(list(table.slots.values()))]
        assert max(sizes) < row_bytes, kernel.KINDS[table.kind]
        assert sum(sizes) < sum(row_bytes for _ in sizes) / 2, kernel.KINDS[table.kind]


@pytest.mark.parametrize(("record", "why"), [
    (b"\x00" * 7, "not a whole number of items"),
    (np.array([9999], "<u2").tobytes() + np.zeros(1, "<f8").tobytes(), "position past the row"),
    (np.array([4, 2], "<u2").tobytes() + np.zeros(2, "<f8").tobytes(), "positions out of order"),
    (np.array([3, 3], "<u2").tobytes() + np.zeros(2, "<f8").tobytes(), "a position twice"),
])
def test_a_malformed_record_is_refused_and_loads_nothing(record: bytes, why: str) -> None:
    table = KindTable(kernel.KINDS.index("device"))
    _fill(table, 2, seed=1, density=0.5)
    before = [_row_bits(table, slot) for slot in range(2)]
    good = table.records([0])[0]
    with pytest.raises(records.MalformedRecord) as refused:
        table.load(["a", "b", "c"], [good, None, record])
    assert refused.value.index == 2, why
    assert [_row_bits(table, slot) for slot in range(2)] == before
    assert list(table.slots) == ["e0", "e1"]
