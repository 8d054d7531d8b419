"""PayTrust JSON without pydantic, for the bodies that are certainly valid.

``TransactionIn`` stays the reference. This module accepts only what the model accepts and
builds the same ``Transaction`` from it; whatever it is not sure about, every invalid body
included, it declines (returns ``None``) and the caller runs the model, which gives the result
or the canonical ``FormatError``. So each check here may be narrower than the model's (times
only in RFC 3339 form, amounts without exponents), never wider. The differential tests in
``tests/risk/formats/test_json_fast.py`` hold the two paths together.

The caller checks the body size first, exactly as for the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import orjson

from paytrust.risk.engine.transaction import (
    CURRENCY_EXPONENTS,
    MAX_AMOUNT_MINOR,
    AuthMethod,
    Channel,
    Transaction,
    TransactionType,
)
from paytrust.risk.formats import _checks

__all__ = ["FIELDS", "decode_batch", "decode_payload", "decode_transaction"]

# TransactionIn's fields (a test keeps the two equal): this module must not import the model,
# whose module imports this one.
FIELDS = frozenset({
    "transaction_id", "occurred_at", "type", "amount", "currency", "customer_id", "account_id",
    "channel", "auth_method", "payee_id", "payee_name", "payee_country", "merchant_id",
    "merchant_category", "merchant_country", "agent_id", "device_id", "ip", "country",
    "latitude", "longitude", "card_bin", "balance_before", "balance_after",
    "credential_changed_at", "sim_swapped_at", "original_transaction_id",
})

_TYPES = {member.value: member for member in TransactionType}
_CHANNELS = {member.value: member for member in Channel}
_AUTH_METHODS = {member.value: member for member in AuthMethod}

# What datetime.fromisoformat and pydantic (speedate) read alike; pydantic also reads other
# spellings (space for T, lower-case z, comma fractions, Unix times), which are declined.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_MAX_DECIMAL_DIGITS = 40
_POWERS_OF_TEN = tuple(10**exponent for exponent in range(max(CURRENCY_EXPONENTS.values()) + 1))
# The canonical spelling of an IPv4 address: ipaddress reads exactly these (no leading zeros)
# and writes them back unchanged, so they skip its pure-Python parser (~4 µs).
_CANONICAL_IPV4 = re.compile(
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}"
)
_MAX_IP_LENGTH = 45  # TransactionIn.ip's max_length


_Checked = TypeVar("_Checked")


class _Decline(Exception):
    """The input is not one this module is sure the model accepts as it is."""


# ValueError: orjson's JSONDecodeError, FormatError, fromisoformat. OverflowError: a time whose
# UTC equivalent is out of range. TypeError: see _transaction.
_DECLINED = (_Decline, ValueError, TypeError, OverflowError)


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
    check (``FormatError``) ends in a decline like any other doubt, and so does a ``TypeError``
    from looking up a JSON list or object in a set of accepted values."""
    if type(item) is not dict or not FIELDS.issuperset(item):
        raise _Decline
    get: Callable[..., Any] = item.get  # JSON values: checked below, not typed
    currency = get("currency")
    exponent = CURRENCY_EXPONENTS.get(currency)  # None for anything but an accepted code
    type_ = _TYPES.get(get("type"))
    channel = _CHANNELS.get(get("channel"))
    auth_method = _AUTH_METHODS.get(get("auth_method", "none"))  # an explicit null is declined
    if exponent is None or type_ is None or channel is None or auth_method is None:
        raise _Decline
    latitude = get("latitude")
    longitude = get("longitude")
    if (latitude is None) != (longitude is None):
        raise _Decline
    if latitude is not None:
        latitude = _checks.latitude("latitude", _float(latitude))
        longitude = _checks.longitude("longitude", _float(longitude))
    balance_before = get("balance_before")
    balance_after = get("balance_after")
    return Transaction(
        transaction_id=_id(get("transaction_id")),
        occurred_at=_instant(get("occurred_at")),
        type=type_,
        amount_minor=_minor_units(get("amount"), currency, exponent, signed=False),
        currency=currency,
        customer_id=_id(get("customer_id")),
        account_id=_id(get("account_id")),
        channel=channel,
        auth_method=auth_method,
        payee_id=_optional(get("payee_id"), _id),
        payee_name=_optional(get("payee_name"), _name),
        payee_country=_optional(get("payee_country"), _country),
        merchant_id=_optional(get("merchant_id"), _id),
        merchant_category=_optional(get("merchant_category"), _merchant_category),
        merchant_country=_optional(get("merchant_country"), _country),
        agent_id=_optional(get("agent_id"), _id),
        device_id=_optional(get("device_id"), _id),
        ip=_optional(get("ip"), _ip),
        country=_optional(get("country"), _country),
        latitude=latitude,
        longitude=longitude,
        card_bin=_optional(get("card_bin"), _card_bin),
        balance_before_minor=None if balance_before is None else _minor_units(
            balance_before, currency, exponent, signed=True),
        balance_after_minor=None if balance_after is None else _minor_units(
            balance_after, currency, exponent, signed=True),
        credential_changed_at=_optional(get("credential_changed_at"), _instant),
        sim_swapped_at=_optional(get("sim_swapped_at"), _instant),
        original_transaction_id=_optional(get("original_transaction_id"), _id),
    )


def _optional(value: Any, check: Callable[[Any], _Checked]) -> _Checked | None:
    """An explicit null is an absent optional field, as in the model."""
    return None if value is None else check(value)


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


def _float(value: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is int:  # the model reads a JSON integer as that float
        return float(value)
    raise _Decline  # strings and booleans, which the model turns into floats: rare, left to it


def _instant(value: Any) -> datetime:
    if type(value) is not str or _RFC3339.fullmatch(value) is None:
        raise _Decline
    # _checks.utc_instant without its naive-time check: the pattern demands an offset.
    return datetime.fromisoformat(value).astimezone(UTC)


def _minor_units(value: Any, currency: str, exponent: int, *, signed: bool) -> int:
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
