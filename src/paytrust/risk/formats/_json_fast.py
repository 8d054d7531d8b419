"""PayTrust JSON without pydantic, for the bodies that are certainly valid.

``TransactionIn`` stays the reference. This module accepts only what the model accepts and
builds the same ``Transaction`` from it; whatever it is not sure about, every invalid body
included, it declines (returns ``None``) and the caller runs the model, which gives the result
or the canonical ``FormatError``. So each check here may be narrower than the model's (times
only in RFC 3339 form, amounts without exponents), never wider. The differential tests in
``tests/risk/formats/test_json_fast.py`` hold the two paths together.

The caller checks the body size first, exactly as for the model.

Every step here is on the scoring hot path, so the code counts calls: one merge and one
``itemgetter`` read all fields, and optional fields are checked only when present.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

from paytrust.risk.engine.transaction import (
    CURRENCY_EXPONENTS,
    MAX_AMOUNT_MINOR,
    AuthMethod,
    Channel,
    Transaction,
    TransactionType,
    transaction_of,
)
from paytrust.risk.formats import _checks

__all__ = ["FIELDS", "decode_batch", "decode_payload", "decode_transaction"]

# TransactionIn's fields (a test keeps the two equal), in the order _transaction unpacks them:
# this module must not import the model, whose module imports this one.
_FIELD_ORDER = (
    "transaction_id", "occurred_at", "type", "amount", "currency", "customer_id", "account_id",
    "channel", "auth_method", "payee_id", "payee_name", "payee_country", "merchant_id",
    "merchant_category", "merchant_country", "agent_id", "device_id", "ip", "country",
    "latitude", "longitude", "card_bin", "balance_before", "balance_after",
    "credential_changed_at", "sim_swapped_at", "original_transaction_id",
)
FIELDS = frozenset(_FIELD_ORDER)
# A body merged into this has every field, absent ones as the model defaults them, and more keys
# only if the body has a field the model does not know: one C-level merge and one itemgetter
# instead of 27 dict.get calls and a subset test.
_ABSENT: dict[str, Any] = dict.fromkeys(_FIELD_ORDER) | {"auth_method": "none"}
_IN_FIELD_ORDER = operator.itemgetter(*_FIELD_ORDER)

_TYPES = {member.value: member for member in TransactionType}
_CHANNELS = {member.value: member for member in Channel}
_AUTH_METHODS = {member.value: member for member in AuthMethod}

# What datetime.fromisoformat and pydantic (speedate) read alike: the RFC 3339 form
#   YYYY-MM-DDThh:mm:ss[.f{1,6}](Z|+hh:mm|-hh:mm)
# with hh <= 23 and mm, ss <= 59 (the UTC offset's minutes are not checked by fromisoformat).
# pydantic also reads other spellings (space for T, lower-case z, comma fractions, Unix times),
# which are declined. The shape is tested by mapping every ASCII digit to 0 and looking the
# bytes up among the few templates: about half the time of the equivalent regular expression.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_RFC3339_SHAPES = frozenset(
    f"0000-00-00T00:00:00{fraction}{offset}".encode()
    for fraction in ["", *("." + "0" * digits for digits in range(1, 7))]
    for offset in ("Z", "+00:00", "-00:00")
)
_Z, _FIVE = ord("Z"), ord("5")
_MAX_DECIMAL_DIGITS = 40
_POWERS_OF_TEN = tuple(10**exponent for exponent in range(max(CURRENCY_EXPONENTS.values()) + 1))
# The canonical spelling of an IPv4 address: ipaddress reads exactly these (no leading zeros)
# and writes them back unchanged, so they skip its pure-Python parser (~4 µs).
_CANONICAL_IPV4 = re.compile(
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}"
)
_MAX_IP_LENGTH = 45  # TransactionIn.ip's max_length


class _Decline(Exception):
    """The input is not one this module is sure the model accepts as it is."""


# ValueError: orjson's JSONDecodeError, FormatError, fromisoformat. OverflowError: a time whose
# UTC equivalent is out of range. TypeError and KeyError: see _transaction.
_DECLINED = (_Decline, ValueError, TypeError, KeyError, OverflowError)


def decode_payload(body: bytes) -> list[Transaction] | None:
    """As ``parse_json_payload``: one transaction object or ``{"transactions": [...]}``."""
    try:
        value = orjson.loads(body)
        if type(value) is dict and "transactions" in value:
            return _batch(value)
        return [_transaction(value)]
    except _DECLINED:
        return None


def decode_transaction(body: bytes) -> Transaction | None:
    """As ``parse_json_transaction``: one transaction object."""
    try:
        return _transaction(orjson.loads(body))
    except _DECLINED:
        return None


def decode_batch(body: bytes) -> list[Transaction] | None:
    """As ``parse_json_batch``: ``{"transactions": [...]}``."""
    try:
        return _batch(orjson.loads(body))
    except _DECLINED:
        return None


def _batch(value: Any) -> list[Transaction]:
    if type(value) is not dict or len(value) != 1:  # TransactionBatchIn forbids other keys
        raise _Decline
    items = value.get("transactions")
    if type(items) is not list or not 1 <= len(items) <= _checks.MAX_BATCH_SIZE:
        raise _Decline
    return [_transaction(item) for item in items]


def _transaction(item: Any) -> Transaction:
    """The model's rules, field by field. Its error messages do not matter here: a failed shared
    check (``FormatError``) ends in a decline like any other doubt, and so does a ``KeyError``
    from a value outside an enumeration (an explicit null ``auth_method`` included) or a
    ``TypeError`` from looking up a JSON list or object there. An absent or null required field
    is None, which every check of a required field declines.

    One long function on purpose: this is the hot path, and each helper call would cost about as
    much as the check it wraps; optional fields are only checked when present."""
    if type(item) is not dict:
        raise _Decline
    values = _ABSENT | item
    if len(values) != len(_ABSENT):  # a field the model does not know
        raise _Decline
    (transaction_id, occurred_at, type_, amount, currency, customer_id, account_id, channel,
     auth_method, payee_id, payee_name, payee_country, merchant_id, merchant_category,
     merchant_country, agent_id, device_id, ip, country, latitude, longitude, card_bin,
     balance_before, balance_after, credential_changed_at, sim_swapped_at,
     original_transaction_id) = _IN_FIELD_ORDER(values)
    exponent = CURRENCY_EXPONENTS[currency]
    if latitude is not None or longitude is not None:
        latitude, longitude = _coordinates(latitude, longitude)
    return transaction_of((  # Transaction's fields, in order
        _id(transaction_id),
        _instant(occurred_at),
        _TYPES[type_],
        _minor_units(amount, currency, exponent, False),
        currency,
        _id(customer_id),
        _id(account_id),
        _CHANNELS[channel],
        _AUTH_METHODS[auth_method],
        None if payee_id is None else _id(payee_id),
        None if payee_name is None else _name(payee_name),
        None if payee_country is None else _country(payee_country),
        None if merchant_id is None else _id(merchant_id),
        None if merchant_category is None else _merchant_category(merchant_category),
        None if merchant_country is None else _country(merchant_country),
        None if agent_id is None else _id(agent_id),
        None if device_id is None else _id(device_id),
        None if ip is None else _ip(ip),
        None if country is None else _country(country),
        latitude,
        longitude,
        None if card_bin is None else _card_bin(card_bin),
        None if balance_before is None else _minor_units(balance_before, currency, exponent, True),
        None if balance_after is None else _minor_units(balance_after, currency, exponent, True),
        None if credential_changed_at is None else _instant(credential_changed_at),
        None if sim_swapped_at is None else _instant(sim_swapped_at),
        None if original_transaction_id is None else _id(original_transaction_id),
    ))


# pydantic turns nothing but a JSON string into a str field (no numbers, no booleans), so each
# text check starts from ``type(value) is str``. The field name given to a shared check only
# labels its FormatError, which is never shown.


def _id(value: Any) -> str:
    # _checks.identifier, inlined: five ids per transaction make its two calls count.
    if (type(value) is str and value.strip() and len(value) <= _checks.MAX_ID_LENGTH
            and value.isprintable()):
        return value
    raise _Decline


def _name(value: Any) -> str:
    if type(value) is not str:
        raise _Decline
    return _checks.name("payee_name", value)


def _remembered(field: str, check: Callable[[str, str], str]) -> Callable[[Any], str]:
    """``check`` for a field of few possible values (country codes: 26**2, MCCs: 10**4): each
    valid value passes the shared check once and is then only looked up, saving a regex per
    field. Only valid values are kept, so the set stays that small."""
    valid: set[str] = set()

    def checked(value: Any) -> str:
        if type(value) is not str:
            raise _Decline
        if value not in valid:
            valid.add(check(field, value))
        return value

    return checked


_country = _remembered("country", _checks.country_code)
_merchant_category = _remembered("merchant_category", _checks.merchant_category)


def _card_bin(value: Any) -> str:
    if type(value) is not str:
        raise _Decline
    return _checks.card_bin("card_bin", value)


def _ip(value: Any) -> str:
    if type(value) is not str or len(value) > _MAX_IP_LENGTH:
        raise _Decline
    if _CANONICAL_IPV4.fullmatch(value):
        return value
    address = _checks.ip_address("ip", value)
    if len(address) > _MAX_IP_LENGTH:  # whether the model measures before or after, both fit
        raise _Decline
    return address


def _coordinates(latitude: Any, longitude: Any) -> tuple[float, float]:
    """Both or neither (the caller handles neither), as in the model."""
    if (type(latitude) is float and type(longitude) is float and -90.0 <= latitude <= 90.0
            and -180.0 <= longitude <= 180.0):  # what JSON sends; a NaN fails the comparisons
        return latitude, longitude
    return (_checks.latitude("latitude", _float(latitude)),
            _checks.longitude("longitude", _float(longitude)))


def _float(value: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is int:  # the model reads a JSON integer as that float
        return float(value)
    raise _Decline  # null alone, strings and booleans (the model reads some): left to it


def _instant(value: Any) -> datetime:
    if type(value) is not str:
        raise _Decline
    text = value.encode()  # a lone surrogate raises UnicodeEncodeError, a ValueError
    if (text.translate(_DIGITS_TO_ZERO) not in _RFC3339_SHAPES or text[11:13] > b"23"
            or text[14] > _FIVE or text[17] > _FIVE):
        raise _Decline
    # _checks.utc_instant without its naive-time check: the shape demands an offset. With Z
    # fromisoformat already gives UTC itself, which astimezone would only hand back.
    if text[-1] == _Z:
        return datetime.fromisoformat(value)
    if text[-5:-3] > b"23" or text[-2] > _FIVE:
        raise _Decline
    return datetime.fromisoformat(value).astimezone(UTC)


def _minor_units(value: Any, currency: str, exponent: int, signed: bool) -> int:
    """``_checks.minor_units`` of the amount the model would read, without building a Decimal
    for the usual decimal string (that alone costs more than all the rest done here)."""
    if type(value) is str:
        whole, dot, fraction = value.partition(".")
        sign = 1
        if signed and whole[:1] == "-":  # a negative amount is left to the model to refuse
            sign, whole = -1, whole[1:]
        digits = whole + fraction
        # ASCII digits on both sides of an optional dot: a plain decimal, which Decimal() reads
        # as written. Exponents, "+", spaces, underscores and other digits are declined, and so
        # are more than 40 digits, which nobody sends and which would come near the 60-digit
        # exact context of minor_units this conversion stands in for.
        if not (whole and (fraction or not dot) and len(digits) <= _MAX_DECIMAL_DIGITS
                and digits.isdigit() and digits.isascii()):
            raise _Decline
        excess = len(fraction) - exponent
        if excess > 0:
            if digits[-excess:].strip("0"):  # would need rounding: the model refuses it
                raise _Decline
            minor = int(digits[:-excess])
        else:
            minor = int(digits) * _POWERS_OF_TEN[-excess]
        if minor >= MAX_AMOUNT_MINOR or (minor == 0 and not signed):
            raise _Decline
        return sign * minor
    if type(value) is int:  # a JSON integer: exact, as the model's Decimal of it
        return _checks.minor_units("amount", Decimal(value), currency, signed=signed)
    if type(value) is float:
        return _checks.minor_units("amount", _checks.float_amount("amount", value), currency,
                                   signed=signed)
    raise _Decline
