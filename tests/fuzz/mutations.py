"""Hypothesis strategies shared by the fuzz targets: random bytes and mutations of valid seeds,
and the one property every parser owes its callers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from paytrust.risk.engine.transaction import CURRENCY_EXPONENTS, MAX_AMOUNT_MINOR, Transaction
from paytrust.risk.formats import FormatError

# Short runs in the normal suite; the deadline is the "bounded time" of each single parse,
# generous because the CI machine is shared.
FUZZ_SETTINGS = settings(
    max_examples=250,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_INTERESTING = [b"\x00", b"\xff", b"<", b">", b"&", b'"', b"{", b"}", b"[", b"]", b"9" * 20,
                b"-", b".", b"e", b"NaN", b"\xc3\x28", b"<!DOCTYPE x>", b"\n", b"\\u0000"]


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[bytes]) -> bytes:
    """A valid seed with a few byte-level edits: flips, deletions, insertions, truncation,
    duplicated slices."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if not data:
            break
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        edit = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        if edit == "flip":
            data[at] = draw(st.integers(min_value=0, max_value=255))
        elif edit == "delete":
            del data[at:at + draw(st.integers(min_value=1, max_value=16))]
        elif edit == "insert":
            data[at:at] = draw(st.sampled_from(_INTERESTING) | st.binary(max_size=16))
        elif edit == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at:at + draw(st.integers(min_value=1, max_value=64))]
    return bytes(data)


def inputs(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=512) | mutated(seeds)


def assert_transactions_or_format_error(parse: Callable[[], list[Transaction]]) -> None:
    """The contract: a list of well-formed transactions, or FormatError naming a field.
    Any other exception propagates and fails the test."""
    try:
        transactions = parse()
    except FormatError as error:
        _assert_names_a_field(error)
        return
    for transaction in transactions:
        assert 0 < transaction.amount_minor < MAX_AMOUNT_MINOR
        assert transaction.currency in CURRENCY_EXPONENTS
        assert transaction.occurred_at.tzinfo is UTC
        assert transaction.transaction_id.strip()
        assert transaction.card_bin is None or len(transaction.card_bin) <= 8


def _assert_names_a_field(error: FormatError) -> None:
    assert error.field
    assert error.message
