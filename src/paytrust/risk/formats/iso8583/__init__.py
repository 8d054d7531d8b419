"""ISO 8583:1987 card messages (ASCII) as normalised transactions.

The full PAN never leaves this package: the transaction keeps the BIN (first 6 or 8 digits)
and a keyed token of the PAN as customer id. See docs/formats/iso8583.md for the field mapping.
"""

from __future__ import annotations

from paytrust.risk.formats.iso8583._mapping import (
    MAX_ISO8583_BYTES,
    parse_iso8583,
    parse_iso8583_json,
)
from paytrust.risk.formats.iso8583._spec import SPEC_1987_ASCII

__all__ = ["MAX_ISO8583_BYTES", "SPEC_1987_ASCII", "parse_iso8583", "parse_iso8583_json"]
