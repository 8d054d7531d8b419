"""The shared value checks, money above all: exact or refused, never rounded."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Context, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paytrust.risk.engine.transaction import CURRENCY_EXPONENTS, MAX_AMOUNT_MINOR
from paytrust.risk.formats import FormatError
from paytrust.risk.formats._checks import minor_units, utc_instant


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None),
       st.sampled_from(sorted(CURRENCY_EXPONENTS)))
def test_minor_units_are_exact_or_the_amount_is_refused(amount: Decimal, currency: str) -> None:
    with localcontext(Context(prec=2000)):  # a reference that cannot round
        scaled = amount.scaleb(CURRENCY_EXPONENTS[currency])
        representable = scaled == scaled.to_integral_value() and 0 < scaled < MAX_AMOUNT_MINOR

    if representable:
        assert minor_units("amount", amount, currency) == int(scaled)
    else:
        with pytest.raises(FormatError) as caught:
            minor_units("amount", amount, currency)
        assert caught.value.field == "amount"


def test_a_long_tail_of_digits_is_refused_not_rounded_away() -> None:
    amount = Decimal("1.0000000000000000000000000000001")  # 32 digits: beyond 28-digit context

    with pytest.raises(FormatError, match="at most 2 decimals"):
        minor_units("amount", amount, "USD")


def test_trailing_zeros_beyond_the_exponent_are_harmless() -> None:
    assert minor_units("amount", Decimal("12.5000000"), "USD") == 1250


def test_huge_exponents_are_refused_without_building_the_number() -> None:
    with pytest.raises(FormatError, match="larger"):
        minor_units("amount", Decimal("1E+999999999"), "USD")


def test_signed_balances_may_be_zero_or_negative() -> None:
    assert minor_units("balance", Decimal("0"), "USD", signed=True) == 0
    assert minor_units("balance", Decimal("-3.10"), "USD", signed=True) == -310


def test_instant_without_utc_representation_is_refused() -> None:
    early = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5)))

    with pytest.raises(FormatError, match="out of range"):
        utc_instant("occurred_at", early)
