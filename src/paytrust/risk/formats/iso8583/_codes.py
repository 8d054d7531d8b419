"""Code tables of ISO 8583:1987 fields and what they mean for a normalised transaction."""

from __future__ import annotations

from paytrust.risk.engine.transaction import CURRENCY_EXPONENTS, Channel, TransactionType

# ISO 4217 numeric -> alpha for every currency PayTrust accepts (DE49 is numeric).
CURRENCY_BY_NUMBER: dict[str, str] = {
    "156": "CNY", "344": "HKD", "901": "TWD", "446": "MOP", "702": "SGD", "458": "MYR",
    "764": "THB", "608": "PHP", "360": "IDR", "704": "VND", "410": "KRW", "392": "JPY",
    "356": "INR", "840": "USD", "978": "EUR", "826": "GBP", "036": "AUD", "124": "CAD",
    "756": "CHF", "784": "AED", "404": "KES", "566": "NGN", "048": "BHD", "414": "KWD",
}
assert set(CURRENCY_BY_NUMBER.values()) == set(CURRENCY_EXPONENTS), "keep the tables in step"

# DE3 positions 1-2, the transaction type code. ISO 8583:1987 groups them: 00-19 debits,
# 20-29 credits, 30-39 inquiries, 40-49 transfers; 50-59 payments (as networks use them).
_EXPLICIT_TYPES: dict[str, TransactionType] = {
    "01": TransactionType.CASH_OUT,  # cash withdrawal
    "17": TransactionType.CASH_OUT,  # cash advance
    "20": TransactionType.REFUND,  # returns
    "22": TransactionType.REFUND,  # credit adjustment
    "21": TransactionType.CASH_IN,  # deposit
    "24": TransactionType.CASH_IN,  # cheque deposit
    "26": TransactionType.P2P_TRANSFER,  # original credit: money pushed to a card
    "28": TransactionType.TOP_UP,  # prepaid load
}


def transaction_type(code: str) -> TransactionType | None:
    """The type for a DE3 type code, or None when the code moves no money we score."""
    if code in _EXPLICIT_TYPES:
        return _EXPLICIT_TYPES[code]
    if "00" <= code <= "19":
        return TransactionType.PAYMENT  # goods and services and the other debits
    if "40" <= code <= "49":
        return TransactionType.P2P_TRANSFER
    if "50" <= code <= "59":
        return TransactionType.BILL_PAY
    return None  # 30-39 inquiries, unassigned credits, 60-99 reserved / private


# DE22 positions 1-2, the PAN entry mode; anything else is a card at a terminal.
_CHANNEL_BY_ENTRY_MODE: dict[str, Channel] = {
    "07": Channel.NFC,  # contactless chip
    "91": Channel.NFC,  # contactless magnetic stripe
    "81": Channel.WEB,  # PAN entered for e-commerce
    "10": Channel.WEB,  # credential on file (card not present)
}


def channel(entry_mode: str | None) -> Channel:
    if entry_mode is None:
        return Channel.CARD
    return _CHANNEL_BY_ENTRY_MODE.get(entry_mode[:2], Channel.CARD)
