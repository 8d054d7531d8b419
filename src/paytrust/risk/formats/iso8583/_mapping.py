"""Decoded ISO 8583 fields to a normalised transaction (the mapping in docs/formats/iso8583.md).

Every field is checked before use, and errors name the data element (``DE4``) so an acquirer
can find it in its own logs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime

from paytrust.risk.engine.transaction import (
    MAX_AMOUNT_MINOR,
    AuthMethod,
    Transaction,
    TransactionType,
)
from paytrust.risk.formats import _checks
from paytrust.risk.formats.errors import FormatError
from paytrust.risk.formats.iso8583 import _codes
from paytrust.risk.formats.iso8583._wire import MAX_ISO8583_BYTES, decode_message, unwrap_json

__all__ = ["MAX_ISO8583_BYTES", "parse_iso8583", "parse_iso8583_json"]

_MTI = re.compile(r"0(?P<cls>[124])(?P<function>[02])[0-9]")  # 1987; requests and advices
_ORIGINAL_MTI = re.compile(r"0[12][0-9]{2}")  # what a reversal can reverse
_DIGITS = re.compile(r"[0-9]+")
_PAN = re.compile(r"[0-9]{12,19}")
_TRACK2_PAN = re.compile(r"([0-9]{12,19})[=D]")
_REVERSAL_CLASS = "4"
_MIN_TOKEN_KEY_BYTES = 16
# DE43 in the common (Visa) layout: name 1-25, city 26-38, country 39-40 (alpha-2).
_DE43_NAME, _DE43_COUNTRY = slice(0, 25), slice(38, 40)


def parse_iso8583(message: bytes, *, now: datetime, card_token_key: bytes) -> Transaction:
    """One raw ASCII ISO 8583:1987 message as a transaction.

    ``now`` (timezone-aware) supplies the year the message leaves out; ``card_token_key`` keys
    the PAN token used as customer id (keep it secret and stable: changing it changes ids).
    """
    if len(card_token_key) < _MIN_TOKEN_KEY_BYTES:
        raise ValueError(f"card_token_key must be at least {_MIN_TOKEN_KEY_BYTES} bytes")
    return _to_transaction(decode_message(message), now, card_token_key)


def parse_iso8583_json(body: bytes, *, now: datetime, card_token_key: bytes) -> list[Transaction]:
    """The JSON wrapper ``{"encoding": "hex" | "base64", "messages": [...]}``."""
    transactions = []
    for index, message in enumerate(unwrap_json(body)):
        try:
            transactions.append(parse_iso8583(message, now=now, card_token_key=card_token_key))
        except FormatError as error:
            raise type(error)(f"messages[{index}].{error.field}", error.message) from None
    return transactions


def _to_transaction(fields: dict[str, str], now: datetime, card_token_key: bytes) -> Transaction:
    message_class = _message_class(fields["t"])
    transaction_type = _transaction_type(_required(fields, "3", 6))
    if message_class == _REVERSAL_CLASS:
        transaction_type = TransactionType.REFUND  # a reversal gives the original's money back
    currency = _currency(_required(fields, "49", 3))
    pan = _pan(fields)
    token = _card_token(pan, card_token_key)
    merchant_name, merchant_country = _card_acceptor(fields.get("43"))
    stan = _required(fields, "11", 6)
    return Transaction(
        transaction_id=_transaction_id(fields, stan),
        occurred_at=_occurred_at(fields, now),
        type=transaction_type,
        amount_minor=_amount(_required(fields, "4", 12)),
        currency=currency,
        customer_id=token,
        account_id=_optional_id(fields, "102") or token,
        channel=_codes.channel(_optional_digits(fields, "22", 3)),
        auth_method=AuthMethod.PIN if fields.get("52") else AuthMethod.NONE,
        merchant_id=_optional_id(fields, "42"),
        merchant_category=_optional_digits(fields, "18", 4),
        merchant_country=merchant_country,
        payee_name=merchant_name,
        device_id=_optional_id(fields, "41"),  # the terminal the card was presented at
        card_bin=pan[:8] if len(pan) >= 16 else pan[:6],  # PCI DSS: at most 8 for 16+ digits
        original_transaction_id=(
            _original_transaction_id(fields) if message_class == _REVERSAL_CLASS else None
        ),
    )


def _message_class(mti: str) -> str:
    found = _MTI.fullmatch(mti)
    if found is None:
        raise FormatError("MTI", f"message type {mti!r} is not scored; send an "
                                       "authorisation (01x0/01x2), financial (02x0/02x2) or "
                                       "reversal (04x0/04x2) request or advice of ISO 8583:1987")
    return found["cls"]


def _transaction_type(processing_code: str) -> TransactionType:
    transaction_type = _codes.transaction_type(processing_code[:2])
    if transaction_type is None:
        raise FormatError("DE3", f"processing code {processing_code[:2]!r} moves no money that "
                                 "PayTrust scores (inquiries and reserved codes are not scored)")
    return transaction_type


def _currency(number: str) -> str:
    currency = _codes.CURRENCY_BY_NUMBER.get(number)
    if currency is None:
        raise FormatError("DE49", f"currency {number!r} is not one PayTrust accepts")
    return currency


def _amount(digits: str) -> int:
    amount = int(digits)  # already in minor units: DE4 carries the currency's implied decimals
    if amount <= 0:
        raise FormatError("DE4", "amount must be greater than zero")
    if amount >= MAX_AMOUNT_MINOR:
        raise FormatError("DE4", "amount is larger than any single payment PayTrust accepts")
    return amount


def _pan(fields: dict[str, str]) -> str:
    """The PAN from DE2, else from track 2 (DE35); used only to derive the BIN and the token."""
    if fields.get("2"):
        if not _PAN.fullmatch(fields["2"]):
            raise FormatError("DE2", "PAN must be 12 to 19 digits")
        return fields["2"]
    found = _TRACK2_PAN.match(fields.get("35", ""))
    if found is None:
        raise FormatError("DE2", "a PAN (DE2, or track 2 in DE35) is required")
    return found.group(1)


def _card_token(pan: str, key: bytes) -> str:
    """A keyed hash, not a plain one: BIN plus Luhn leave too few PANs to resist brute force."""
    return "card:" + hmac.new(key, pan.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def _transaction_id(fields: dict[str, str], stan: str) -> str:
    """RRN and STAN; without an RRN, transmission time and STAN (the classic matching key)."""
    rrn = fields.get("37", "").strip()
    if rrn:
        return _checks.identifier("DE37", f"{rrn}-{stan}")
    return f"{_required(fields, '7', 10)}-{stan}"


def _original_transaction_id(fields: dict[str, str]) -> str:
    """DE90: original MTI (4), STAN (6), transmission time (10), acquirer (11), forwarder (11).
    A reversal carries the original's RRN in DE37, so the id is built the same way."""
    original = _required(fields, "90", 42)
    if not _ORIGINAL_MTI.fullmatch(original[:4]):
        raise FormatError("DE90", f"original message type {original[:4]!r} is not an "
                                  "authorisation or financial message")
    original_stan, original_time = original[4:10], original[10:20]
    rrn = fields.get("37", "").strip()
    return f"{rrn}-{original_stan}" if rrn else f"{original_time}-{original_stan}"


def _occurred_at(fields: dict[str, str], now: datetime) -> datetime:
    """DE7 (UTC by the standard); without it, DE13 + DE12 read as UTC. Both lack the year:
    the year putting the instant closest to ``now`` is taken (right across New Year).
    DE12 and DE13 are checked whenever present, so a malformed one is never passed on."""
    local_time = _optional_digits(fields, "12", 6)
    if local_time is not None and not (
        local_time[:2] < "24" and local_time[2:4] < "60" and local_time[4:] < "60"
    ):
        raise FormatError("DE12", f"{local_time!r} is not a valid hhmmss time")
    local_date = _optional_digits(fields, "13", 4)
    local = None
    if local_date is not None:
        local = _instant("DE13", local_date + (local_time or "000000"), now)
    if "7" in fields:
        return _instant("DE7", _digits("DE7", fields["7"], 10), now)
    if local is None or local_time is None:
        raise FormatError("DE7", "transmission date and time (or DE13 with DE12) is required")
    return local


def _instant(field: str, mmddhhmmss: str, now: datetime) -> datetime:
    month, day, hour, minute, second = (int(mmddhhmmss[i:i + 2]) for i in range(0, 10, 2))
    candidates = []
    for year in (now.year - 1, now.year, now.year + 1):
        try:
            candidates.append(datetime(year, month, day, hour, minute, second, tzinfo=UTC))
        except ValueError:
            continue  # 29 February in a common year, or a date that exists in no year
    if not candidates:
        raise FormatError(field, f"{mmddhhmmss!r} is not a valid MMDDhhmmss date and time")
    return min(candidates, key=lambda candidate: abs(candidate - now))


def _card_acceptor(value: str | None) -> tuple[str | None, str | None]:
    if not value or not value.strip():
        return None, None
    name = " ".join(value[_DE43_NAME].split()) or None
    country = value[_DE43_COUNTRY]
    # Networks differ in DE43's tail; a country is taken only when it is two letters there.
    return name, country if country.isascii() and country.isalpha() and country.isupper() else None


def _required(fields: dict[str, str], number: str, length: int) -> str:
    if number not in fields:
        raise FormatError(f"DE{number}", "required data element is missing")
    return _digits(f"DE{number}", fields[number], length)


def _digits(field: str, value: str, length: int) -> str:
    if len(value) != length or not _DIGITS.fullmatch(value):
        raise FormatError(field, f"must be {length} digits")
    return value


def _optional_digits(fields: dict[str, str], number: str, length: int) -> str | None:
    return _digits(f"DE{number}", fields[number], length) if number in fields else None


def _optional_id(fields: dict[str, str], number: str) -> str | None:
    value = fields.get(number, "").strip()
    return _checks.identifier(f"DE{number}", value) if value else None

