"""Stream deliveries of PayTrust JSON for the stream worker tests."""

from __future__ import annotations

from typing import Any

import orjson

from paytrust.risk.stream import Delivery

from ..factories import json_transaction

_sequence = iter(range(1, 10**9))


def json_body(transaction_id: str, **changes: Any) -> bytes:
    return orjson.dumps(json_transaction(transaction_id=transaction_id, **changes))


def json_delivery(transaction_id: str, *, num_delivered: int = 1, **changes: Any) -> Delivery:
    """A first delivery (unless told) of one PayTrust JSON transaction."""
    return Delivery(json_body(transaction_id, **changes), "application/json",
                    next(_sequence), num_delivered, transaction_id)
