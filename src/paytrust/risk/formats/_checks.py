"""Value checks every format applies, so a Transaction means the same whatever it came from.

Each check takes the field name in the caller's own terms and raises ``FormatError`` naming it.
"""

from __future__ import annotations

import ipaddress
import math
import re
from datetime import UTC, datetime
from decimal import Context, Decimal, Inexact

from paytrust.risk.engine.transaction import CURRENCY_EXPONENTS, MAX_AMOUNT_MINOR
from paytrust.risk.formats.errors import FormatError

MAX_BATCH_SIZE = 1000  # transactions per request or per message, whatever the format
MAX_ID_LENGTH = 160  # fits every scheme's ids, and "name:" + an ISO 20022 Max140Text name
MAX_NAME_LENGTH = 140  # ISO 20022 Max140Text, the longest name any format carries
FLOAT_EXACT_DIGITS = 15  # every decimal of up to 15 significant digits survives a double

_COUNTRY = re.compile(r"[A-Z]{2}")
_MCC = re.compile(r"[0-9]{4}")
_CARD_BIN = re.compile(r"[0-9]{6,8}")
_MAX_AMOUNT_DIGITS = len(str(MAX_AMOUNT_MINOR - 1))
# Traps any rounding that changes the value; 60 digits hold every in-bounds amount exactly.
_EXACT = Context(prec=60, traps=[Inexact])


def currency_code(field: str, code: str) -> str:
    if code not in CURRENCY_EXPONENTS:
        raise FormatError(field, f"currency {code[:8]!r} is not accepted (ISO 4217 alpha code "
                                 f"of one of: {', '.join(sorted(CURRENCY_EXPONENTS))})")
    return code


def minor_units(field: str, amount: Decimal, currency: str, *, signed: bool = False) -> int:
    """Convert a major-unit amount to exact integer minor units of ``currency``: refused when
    that would need rounding, never rounded."""
    if not amount.is_finite():
        raise FormatError(field, "amount must be a finite number")
    currency_exponent = CURRENCY_EXPONENTS[currency]
    if amount and amount.adjusted() + currency_exponent >= _MAX_AMOUNT_DIGITS:
        raise FormatError(field, "amount is larger than any single payment PayTrust accepts")
    try:
        scaled: Decimal | None = amount.scaleb(currency_exponent, _EXACT)
    except Inexact:  # more significant digits than any amount within bounds can carry
        scaled = None
    if scaled is None or scaled != scaled.to_integral_value():
        raise FormatError(field, f"{currency} amounts have at most {currency_exponent} decimals")
    minor = int(scaled)
    if minor <= 0 and not signed:
        raise FormatError(field, "amount must be greater than zero")
    return minor


def float_amount(field: str, value: float) -> Decimal:
    """The decimal a JSON number was written as, or refused when a double no longer tells it
    apart from its neighbours (an amount must not turn into a different one)."""
    exact = Decimal(repr(value))
    if len(exact.as_tuple().digits) > FLOAT_EXACT_DIGITS:
        raise FormatError(
            field,
            f"a JSON number is exact only to {FLOAT_EXACT_DIGITS} significant digits; "
            "send this amount as a string"
        )
    return exact


def identifier(field: str, value: str, *, max_length: int = MAX_ID_LENGTH) -> str:
    return _text(field, value, max_length, "id")


def name(field: str, value: str) -> str:
    return _text(field, value, MAX_NAME_LENGTH, "name")


def _text(field: str, value: str, max_length: int, what: str) -> str:
    if not value.strip():
        raise FormatError(field, f"{what} must not be empty")
    if len(value) > max_length:
        raise FormatError(field, f"{what} must be at most {max_length} characters")
    if not value.isprintable():
        raise FormatError(field, f"{what} must not contain control characters")
    return value


def country_code(field: str, value: str) -> str:
    if not _COUNTRY.fullmatch(value):
        raise FormatError(
            field, "country must be an ISO 3166-1 alpha-2 code (2 upper-case letters)")
    return value


def merchant_category(field: str, value: str) -> str:
    if not _MCC.fullmatch(value):
        raise FormatError(field, "merchant category must be an ISO 18245 MCC (4 digits)")
    return value


def card_bin(field: str, value: str) -> str:
    if not _CARD_BIN.fullmatch(value):
        raise FormatError(field, "card BIN must be the first 6 to 8 digits of the PAN, never more")
    return value


def ip_address(field: str, value: str) -> str:
    """The address in canonical text form, IPv4-mapped IPv6 as plain IPv4, so one address has
    one spelling in lists and velocity features."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise FormatError(field, "not a valid IPv4 or IPv6 address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def latitude(field: str, value: float) -> float:
    return _coordinate(field, value, 90.0)


def longitude(field: str, value: float) -> float:
    return _coordinate(field, value, 180.0)


def _coordinate(field: str, value: float, bound: float) -> float:
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise FormatError(field, f"must be a finite number between -{bound:g} and {bound:g}")
    return value


def utc_instant(field: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise FormatError(
            field, "timestamp must carry a UTC offset or Z (naive times are ambiguous)")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+05:00 has no UTC representation
        raise FormatError(field, "timestamp is out of range") from None
