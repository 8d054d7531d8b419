"""Input formats of the risk engine: PayTrust JSON, ISO 20022 credit transfers, ISO 8583.

Each parser turns a request body into normalised ``Transaction`` objects and raises nothing but
``FormatError`` on bad input, however hostile. ``parse_payload`` picks the parser by media type.
Only ``paytrust_json`` uses pydantic; the ISO parsers and the engine do not.
"""

from __future__ import annotations

from paytrust.risk.formats.dispatch import SUPPORTED_MEDIA_TYPES, parse_payload
from paytrust.risk.formats.errors import (
    FieldProblem,
    FormatError,
    OversizedPayload,
    UnsupportedFormat,
)
from paytrust.risk.formats.iso8583 import parse_iso8583, parse_iso8583_json
from paytrust.risk.formats.iso20022 import Iso20022Schemas, parse_iso20022
from paytrust.risk.formats.paytrust_json import (
    TransactionBatchIn,
    TransactionIn,
    parse_json_batch,
    parse_json_payload,
    parse_json_transaction,
    to_transaction,
)

__all__ = [
    "SUPPORTED_MEDIA_TYPES",
    "FieldProblem",
    "FormatError",
    "Iso20022Schemas",
    "OversizedPayload",
    "TransactionBatchIn",
    "TransactionIn",
    "UnsupportedFormat",
    "parse_iso8583",
    "parse_iso8583_json",
    "parse_iso20022",
    "parse_json_batch",
    "parse_json_payload",
    "parse_json_transaction",
    "parse_payload",
    "to_transaction",
]
