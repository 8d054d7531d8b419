"""Public labelled datasets as PayTrust transactions, for training and benchmarks.

Two synthetic datasets are read, from Parquet or CSV with their original column names:

* **Sparkov** (``namebrandon/Sparkov_Data_Generation``): US credit-card purchases, amounts in
  USD. The card number is the customer key in the source; we keep only its first six digits
  as ``card_bin`` and key the customer on the account number (or, in layouts without one,
  on a digest of the card number), so no full PAN ever reaches a ``Transaction``. Sparkov
  has no typology: a fraud's typology here is its spending category (``shopping_net`` ...).
  It has no built-in fraud flag either.
* **PaySim** (``EdgarLopezPhD/PaySim``): mobile money, one ``step`` per hour, amounts in the
  simulated service's unnamed local currency. PaySim is calibrated on an African
  mobile-money service, so we read its unit as Kenyan shillings (KES, a currency the engine
  knows: CNY 0.055 each). That choice only scales amounts seen in CNY — amount features and
  amount rules — and is not a claim about the source. A fraud's typology is its PaySim
  type (``transfer``, ``cash_out``); ``isFlaggedFraud``, PaySim's own flag, is read by
  :func:`paysim_flagged`.

Both sources give amounts as floats with two decimals; they become integer minor units at
once. Rows with a zero amount (PaySim has some) are skipped: PayTrust rejects them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from paytrust.risk.engine.transaction import Channel, Transaction, TransactionType
from paytrust.risk.training import Example

SPARKOV_COLUMNS = ("cc_num", "acct_num", "trans_num", "unix_time", "category", "amt",
                   "is_fraud", "merchant", "lat", "long", "merch_lat", "merch_long")
PAYSIM_COLUMNS = ("step", "type", "amount", "nameOrig", "oldbalanceOrg", "newbalanceOrig",
                  "nameDest", "isFraud", "isFlaggedFraud")
_TEXT_COLUMNS = ("cc_num", "acct_num", "trans_num", "zip", "ssn", "nameOrig", "nameDest")

# PaySim gives hours, not dates; any start works, this one is fixed so runs repeat.
PAYSIM_START = datetime(2026, 1, 1, tzinfo=UTC)
PAYSIM_CURRENCY = "KES"
CARD_BIN_DIGITS = 6

# Sparkov's 14 spending categories as the nearest ISO 18245 merchant category code.
SPARKOV_MCC = {
    "entertainment": "7832", "food_dining": "5812", "gas_transport": "5541",
    "grocery_net": "5411", "grocery_pos": "5411", "health_fitness": "7997", "home": "5200",
    "kids_pets": "5995", "misc_net": "5999", "misc_pos": "5999", "personal_care": "7230",
    "shopping_net": "5311", "shopping_pos": "5311", "travel": "4722",
}

# PaySim type -> (our type, channel). DEBIT sends wallet money to a bank account.
_PAYSIM_TYPES = {
    "CASH_IN": (TransactionType.CASH_IN, Channel.AGENT),
    "CASH_OUT": (TransactionType.CASH_OUT, Channel.AGENT),
    "DEBIT": (TransactionType.CASH_OUT, Channel.BANK_TRANSFER),
    "PAYMENT": (TransactionType.PAYMENT, Channel.IN_APP),
    "TRANSFER": (TransactionType.P2P_TRANSFER, Channel.IN_APP),
}


class DatasetError(ValueError):
    """The file is not in the layout the adapter reads."""


def _rows(path: Path, columns: Sequence[str], max_rows: int | None) -> Iterator[dict[str, Any]]:
    """The rows of a Parquet or CSV file (``|`` or ``,`` separated), first ``max_rows``."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = pq.read_table(path, columns=[c for c in columns
                                             if c in pq.read_schema(path).names])
    elif suffix == ".csv":
        with path.open(encoding="utf-8") as head:
            delimiter = "|" if "|" in head.readline() else ","
        table = pa_csv.read_csv(path, parse_options=pa_csv.ParseOptions(delimiter=delimiter),
                                convert_options=pa_csv.ConvertOptions(
                                    column_types={c: pa.string() for c in _TEXT_COLUMNS}))
    else:
        raise DatasetError(f"unknown file type {suffix!r}: use .parquet or .csv")
    missing = {c for c in columns if c not in table.column_names} - {"acct_num"}
    if missing:
        raise DatasetError(f"{path.name} lacks the columns {sorted(missing)}")
    if max_rows is not None:
        table = table.slice(0, max_rows)
    for batch in table.to_batches(max_chunksize=50_000):
        yield from batch.to_pylist()


def _minor(amount: float) -> int:
    return round(amount * 100)


def read_sparkov(path: Path, *, max_rows: int | None = None) -> Iterator[Example]:
    """Sparkov transactions (its rows are sorted by time; ``max_rows`` keeps the first)."""
    for row in _rows(path, SPARKOV_COLUMNS, max_rows):
        amount_minor = _minor(row["amt"])
        if amount_minor <= 0:
            continue
        card = str(row["cc_num"])
        customer = row.get("acct_num") or hashlib.blake2b(card.encode(),
                                                          digest_size=8).hexdigest()
        category = str(row["category"])
        online = category.endswith("_net")
        # Card present: the payer stands at the merchant; online: assume at home.
        latitude, longitude = ((row["lat"], row["long"]) if online
                               else (row["merch_lat"], row["merch_long"]))
        is_fraud = bool(row["is_fraud"])
        yield Example(Transaction(
            transaction_id=f"sparkov-{row['trans_num']}",
            occurred_at=datetime.fromtimestamp(int(row["unix_time"]), UTC),
            type=TransactionType.PAYMENT, amount_minor=amount_minor, currency="USD",
            customer_id=f"sparkov-{customer}", account_id=f"sparkov-{customer}",
            channel=Channel.WEB if online else Channel.CARD,
            merchant_id=str(row["merchant"]), merchant_category=SPARKOV_MCC.get(category),
            merchant_country="US", country="US", latitude=latitude, longitude=longitude,
            card_bin=card[:CARD_BIN_DIGITS],
        ), is_fraud, category if is_fraud else None)


def _paysim_id(index: int) -> str:
    return f"paysim-{index}"


def read_paysim(path: Path, *, max_rows: int | None = None,
                start: datetime = PAYSIM_START) -> Iterator[Example]:
    """PaySim transactions; ``step`` n happens at ``start`` + n - 1 hours."""
    for index, row in enumerate(_rows(path, PAYSIM_COLUMNS, max_rows)):
        amount_minor = _minor(row["amount"])
        if amount_minor <= 0:
            continue
        kind = str(row["type"])
        if kind not in _PAYSIM_TYPES:
            raise DatasetError(f"row {index}: unknown PaySim type {kind!r}")
        txn_type, channel = _PAYSIM_TYPES[kind]
        payee = str(row["nameDest"])
        to_merchant = payee.startswith("M")
        to_agent = txn_type in (TransactionType.CASH_IN, TransactionType.CASH_OUT)
        is_fraud = bool(row["isFraud"])
        yield Example(Transaction(
            transaction_id=_paysim_id(index),
            occurred_at=start + timedelta(hours=int(row["step"]) - 1),
            type=txn_type, amount_minor=amount_minor, currency=PAYSIM_CURRENCY,
            customer_id=str(row["nameOrig"]), account_id=str(row["nameOrig"]), channel=channel,
            merchant_id=payee if to_merchant else None,
            agent_id=payee if to_agent and not to_merchant else None,
            payee_id=None if to_merchant or to_agent else payee,
            balance_before_minor=_minor(row["oldbalanceOrg"]),
            balance_after_minor=_minor(row["newbalanceOrig"]),
        ), is_fraud, kind.lower() if is_fraud else None)


def paysim_flagged(path: Path, *, max_rows: int | None = None) -> set[str]:
    """Transaction ids (as :func:`read_paysim` names them) that PaySim's own
    ``isFlaggedFraud`` marks."""
    return {_paysim_id(index) for index, row in enumerate(_rows(path, PAYSIM_COLUMNS, max_rows))
            if row["isFlaggedFraud"]}


__all__ = [
    "PAYSIM_CURRENCY",
    "PAYSIM_START",
    "SPARKOV_MCC",
    "DatasetError",
    "paysim_flagged",
    "read_paysim",
    "read_sparkov",
]
