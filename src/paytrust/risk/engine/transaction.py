"""The normalised transaction: the one shape every input format, the simulator and the engine
agree on. Field names are also the PayTrust JSON field names.

Money is integer minor units plus an ISO 4217 currency; ``CURRENCY_EXPONENTS`` gives the
exponent. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum


class TransactionType(StrEnum):
    PAYMENT = "payment"
    P2P_TRANSFER = "p2p_transfer"
    CASH_IN = "cash_in"
    CASH_OUT = "cash_out"
    TOP_UP = "top_up"
    REFUND = "refund"
    BILL_PAY = "bill_pay"


class Channel(StrEnum):
    QR = "qr"
    NFC = "nfc"
    IN_APP = "in_app"
    WEB = "web"
    AGENT = "agent"  # cash-in / cash-out at an agent
    CARD = "card"  # card-present / card-not-present via an acquirer (ISO 8583)
    BANK_TRANSFER = "bank_transfer"  # ISO 20022 credit transfers


class AuthMethod(StrEnum):
    PIN = "pin"
    BIOMETRIC = "biometric"
    OTP = "otp"
    PASSWORD = "password"
    NONE = "none"


# ISO 4217 minor-unit exponents of the currencies PayTrust accepts.
CURRENCY_EXPONENTS: dict[str, int] = {
    "CNY": 2, "HKD": 2, "TWD": 2, "MOP": 2, "SGD": 2, "MYR": 2, "THB": 2, "PHP": 2, "IDR": 2,
    "VND": 0, "KRW": 0, "JPY": 0, "INR": 2, "USD": 2, "EUR": 2, "GBP": 2, "AUD": 2, "CAD": 2,
    "CHF": 2, "AED": 2, "KES": 2, "NGN": 2, "BHD": 3, "KWD": 3,
}

MAX_AMOUNT_MINOR = 10**15  # above any real single payment; larger is rejected as malformed


@dataclass(frozen=True, slots=True, kw_only=True)
class Transaction:
    transaction_id: str
    occurred_at: datetime
    type: TransactionType
    amount_minor: int  # > 0, in the currency's minor units
    currency: str
    customer_id: str
    account_id: str
    channel: Channel
    auth_method: AuthMethod = AuthMethod.NONE
    # Counterparty: a payee account (P2P, transfers) or a merchant (payments), or an agent.
    payee_id: str | None = None
    payee_name: str | None = None
    payee_country: str | None = None  # ISO 3166-1 alpha-2
    merchant_id: str | None = None
    merchant_category: str | None = None  # ISO 18245 MCC, 4 digits
    merchant_country: str | None = None
    agent_id: str | None = None
    # Where and on what the payer acted.
    device_id: str | None = None
    ip: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 of the payer's location
    latitude: float | None = None
    longitude: float | None = None
    card_bin: str | None = None  # first 6-8 digits of a card PAN, never the full PAN
    # Balances as the payment system saw them (minor units of ``currency``).
    balance_before_minor: int | None = None
    balance_after_minor: int | None = None
    # Account-security context the payment system knows (e.g. last password / phone change).
    credential_changed_at: datetime | None = None
    sim_swapped_at: datetime | None = None
    original_transaction_id: str | None = None  # for refunds


# Each field's slot, in field order. A frozen dataclass's ``__init__`` sets every field through
# ``object.__setattr__``, which looks the name up each time: about 3 µs for these 28 fields on
# every parsed payment, twice what setting the slots directly costs.
_FIELD_SLOTS = tuple(getattr(Transaction, field.name).__set__ for field in fields(Transaction))


def transaction_of(values: Sequence[object]) -> Transaction:
    """The transaction whose fields, in declaration order, are ``values``: for parsers that
    have checked every value already (``Transaction(...)`` is the one to use otherwise)."""
    if len(values) != len(_FIELD_SLOTS):
        raise ValueError(f"a transaction has {len(_FIELD_SLOTS)} fields, not {len(values)}")
    txn = object.__new__(Transaction)
    for set_slot, value in zip(_FIELD_SLOTS, values, strict=True):
        set_slot(txn, value)
    return txn
